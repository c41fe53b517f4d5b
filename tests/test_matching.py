"""Suggesting the recommendations an action serves: ranking, calibration, learning, rejections."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES

from indexes.embedder import HashingEmbedder
from indexes.matching import suggest, suggest_batch, suggest_for_pending
from knowledge.actions import create_action, link_recommendation, recommendation_id, reject_link


@pytest.fixture(scope="module")
def model():
    """The real all-MiniLM-L6-v2, loaded once for this module."""
    from indexes.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


class CountingEmbedder(HashingEmbedder):
    """The fast fake, counting model calls."""

    def __init__(self):
        super().__init__(name="counting-test")
        self.calls: list[int] = []

    def encode(self, texts, **kwargs):
        self.calls.append(len(texts))
        return super().encode(texts, **kwargs)


@pytest.mark.parametrize(
    ("text", "org_type", "expected"),
    [
        ("Write to NHS Resolution asking whether the negligence scheme covers errors made with AI", "icb", 8),
        ("Set up a steering group of radiologists, IT and governance staff before we buy any AI", "trust", 4),
        ("Give the radiographer leading the AI work a protected session in her job plan", "trust", 5),
        ("Publish national principles on generating artificial images to train algorithms", "regulator", 7),
        ("Buy imaging AI once for every provider in the system through a joint framework", "icb", 9),
        ("Get the infrastructure team to size servers and storage for the AI software", "trust", 6),
        ("Pay consultant radiologists a sessional fee to advise on each software release", "vendor", 3),
        (
            "Document the specific clinical problem the fracture tool solves, with NHS case studies",
            "vendor",
            2,
        ),
        ("Share the shadow-mode pilot results with doubtful consultants to show AI assists them", "trust", 1),
    ],
)
def test_clear_actions_rank_their_recommendation_first(fresh_db, model, text, org_type, expected):
    ranked = suggest(fresh_db, text, org_type, embedder=model)
    assert ranked[0].number == expected


def test_scores_are_calibrated_and_sorted(fresh_db, model):
    ranked = suggest(fresh_db, "Clarify who is liable when the AI misses a cancer", "trust", embedder=model)
    assert [s.number for s in ranked] != []
    assert sorted(s.number for s in ranked) == list(range(1, 10))
    assert sum(s.score for s in ranked) == pytest.approx(1.0, abs=1e-6)
    assert all(a.score >= b.score for a, b in zip(ranked, ranked[1:], strict=False))
    assert ranked[0].number == 8 and ranked[0].score > 0.5
    assert len(suggest(fresh_db, "Clarify liability", "trust", embedder=model, limit=3)) == 3


def test_organisation_type_is_a_soft_prior(fresh_db, model):
    # Recommendation 1 is not addressed to vendors, but a vendor can still serve it.
    text = "Run a shadow-mode pilot and share the findings with sceptical radiologists"
    assert suggest(fresh_db, text, "vendor", embedder=model)[0].number == 1


def test_sample_actions_reach_the_target(fresh_db, model):
    """The 27 labelled sample actions (none of them is in the codebook): >= 85% top-1, >= 95% top-3."""
    samples = [json.loads(line) for line in (FIXTURES / "actions-sample.jsonl").open()]
    ranked = suggest_batch(
        fresh_db, [{"text": s["text"], "org_type": s["org_type"]} for s in samples], embedder=model
    )
    top1 = sum(r[0].number == s["rec"] for r, s in zip(ranked, samples, strict=True)) / len(samples)
    top3 = sum(s["rec"] in [x.number for x in r[:3]] for r, s in zip(ranked, samples, strict=True)) / len(
        samples
    )
    assert top1 >= 0.85
    assert top3 >= 0.95


def test_confirmed_mappings_change_an_ambiguous_ranking(fresh_db, model):
    text = "Hold a workshop on the AI programme"
    before = suggest(fresh_db, text, "icb", embedder=model)
    assert before[0].number != 9
    for wording in (
        "Hold a workshop on the AI programme with the system's commissioners",
        "Run a workshop on the AI programme for procurement leads across the system",
    ):
        action = create_action(fresh_db, text=wording, organisation="Thornbury ICB")
        link_recommendation(
            fresh_db, action, recommendation_id(fresh_db, 9), state="confirmed", origin="user"
        )
    after = suggest(fresh_db, text, "icb", embedder=model)
    assert after[0].number == 9
    # A clear, unrelated action is not dragged along.
    assert (
        suggest(fresh_db, "Form a multidisciplinary AI steering group", "icb", embedder=model)[0].number == 4
    )


def test_suggestions_only_learn_from_confirmed_links(fresh_db):
    embedder = HashingEmbedder()
    text = "Hold a workshop on the AI programme"
    before = [s.number for s in suggest(fresh_db, text, "icb", embedder=embedder)]
    action = create_action(fresh_db, text=text + " with commissioners", organisation="Thornbury ICB")
    link_recommendation(fresh_db, action, recommendation_id(fresh_db, 7), state="suggested", origin="model")
    link_recommendation(fresh_db, action, recommendation_id(fresh_db, 2), state="rejected", origin="user")
    assert [s.number for s in suggest(fresh_db, text, "icb", embedder=embedder)] == before


def test_rejected_recommendations_are_never_suggested_again(fresh_db):
    embedder = HashingEmbedder()
    action = create_action(
        fresh_db, text="Agree a joint procurement framework for imaging AI", organisation="X ICB"
    )
    first = suggest(
        fresh_db,
        "Agree a joint procurement framework for imaging AI",
        "icb",
        embedder=embedder,
        action_id=action,
    )
    top = first[0]
    reject_link(fresh_db, action, top.rec_id, who="lead")
    again = suggest(
        fresh_db,
        "Agree a joint procurement framework for imaging AI",
        "icb",
        embedder=embedder,
        action_id=action,
    )
    assert top.number not in [s.number for s in again]
    assert len(again) == 8
    # The batch path honours it too, and other actions with the same text still get it.
    batch = suggest_batch(
        fresh_db,
        [
            {"text": "Agree a joint procurement framework for imaging AI", "action_id": action},
            "Agree a joint procurement framework for imaging AI",
        ],
        embedder=embedder,
    )
    assert top.number not in [s.number for s in batch[0]]
    assert batch[1][0].number == top.number


def test_batch_encodes_all_texts_in_one_call(fresh_db):
    embedder = CountingEmbedder()
    suggest_batch(fresh_db, ["warm the codebook cache"], embedder=embedder)
    embedder.calls.clear()
    items = [("Form an AI steering group", "trust"), ("Clarify indemnity", "government"), "Buy AI jointly"]
    ranked = suggest_batch(fresh_db, items, embedder=embedder)
    assert embedder.calls == [3]
    assert len(ranked) == 3 and all(len(r) == 9 for r in ranked)
    assert suggest_batch(fresh_db, [], embedder=embedder) == []


def test_suggest_for_pending_stores_model_suggestions_once(fresh_db):
    from indexes.embedder import set_embedder

    linked = create_action(fresh_db, text="Clarify medical indemnity for AI", organisation="NHS Resolution")
    link_recommendation(fresh_db, linked, recommendation_id(fresh_db, 8), state="confirmed", origin="user")
    pending = create_action(
        fresh_db, text="Create unified information governance rules", organisation="A ICS"
    )
    set_embedder(HashingEmbedder())
    try:
        stored = suggest_for_pending(fresh_db)
        assert stored >= 1
        assert suggest_for_pending(fresh_db) == 0  # nothing pending any more
    finally:
        set_embedder(None)
    rows = fresh_db.execute(
        "SELECT action_id, state, origin, score FROM action_recommendations ORDER BY action_id, score DESC"
    ).fetchall()
    assert [r for r in rows if r[0] == linked] == [(linked, "confirmed", "user", None)]
    mine = [r for r in rows if r[0] == pending]
    assert len(mine) == stored and 1 <= stored <= 3
    assert all(r[1] == "suggested" and r[2] == "model" and 0 < r[3] <= 1 for r in mine)


def test_evidence_passages_finds_discussion_not_action_rows(fresh_db, db_path, corpus):
    from indexes.matching import evidence_passages
    from knowledge.library import import_paths

    import_paths(fresh_db, [corpus])
    found, warning = evidence_passages(fresh_db, db_path, [8, 9, 42], mode="keyword", limit=5)
    assert warning is None
    assert set(found) == {8, 9}  # an unknown number is simply absent
    assert any("Clinical Negligence Scheme" in p["text"] for p in found[8][:3])
    sources = {
        r[0] for r in fresh_db.execute("SELECT source_passage_id FROM actions WHERE source_passage_id > 0")
    }
    kinds = {
        r[0]
        for r in fresh_db.execute(
            "SELECT DISTINCT d.kind FROM passages p JOIN documents d ON d.id = p.document_id"
        )
    }
    assert "tracker" in kinds
    for passages in found.values():
        assert 1 <= len(passages) <= 5
        assert all(p["passage_id"] not in sources for p in passages)
        assert all("tracker" not in p["title"].lower() for p in passages)
        assert all({"passage_id", "document_id", "title", "page", "text"} <= set(p) for p in passages)


def test_evidence_search_reads_a_summary_as_prose_not_query_syntax(fresh_db, db_path, corpus):
    """An upper-case NOT in a summary is emphasis, not an operator: the passage that says "personally"
    must still be found (read as syntax, `NOT personally` would exclude it)."""
    from indexes.matching import evidence_passages
    from knowledge.codebook import load_codebook
    from knowledge.library import import_paths

    load_codebook(
        fresh_db,
        {
            "slug": "liability-prose",
            "title": "A set whose summary shouts",
            "recommendations": [
                {
                    "number": 1,
                    "title": "Who carries the risk of AI errors",
                    "summary": "The risk should sit with the trust, NOT personally with the medical "
                    "director: NHS Resolution should say whether the Clinical Negligence Scheme covers AI "
                    "errors OR what cover trusts need.",
                }
            ],
        },
    )
    import_paths(fresh_db, [corpus])
    found, _ = evidence_passages(fresh_db, db_path, [1], mode="keyword", limit=5, set_slug="liability-prose")
    assert any("personally" in p["text"] for p in found[1][:3])


def test_a_confirmed_action_near_every_action_votes_less_than_a_distinctive_one():
    """A vote is nearness in the background's deviations: a hub example (near every generic action) must
    not pull an action as hard as a distinctive example equally near it."""
    from types import SimpleNamespace

    import numpy as np

    from indexes.matching import _Learned, _votes

    rng = np.random.default_rng(7)
    hub, rare, noise = np.eye(8)[0], np.eye(8)[1], rng.normal(0, 0.3, (40, 8))
    background = hub + noise  # generic actions all lean towards the hub example
    background /= np.linalg.norm(background, axis=1, keepdims=True)
    model = SimpleNamespace(background=background, recs=[object(), object(), object()])
    learned = _Learned(np.array([10, 11]), np.vstack([hub, rare]), np.array([0, 1]), ["hub", "rare"])
    action = ((hub + rare) / np.sqrt(2))[None, :]  # as near one example as the other
    votes = _votes(model, action, learned)[0]
    assert votes[1] > votes[0] + 1.0
    assert votes[2] == 0.0  # a recommendation nobody has taught gets no vote either way
    assert not _votes(model, action, _Learned(np.zeros(0, int), np.zeros((0, 8)), np.zeros(0, int), [])).any()
