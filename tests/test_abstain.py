""" "None of these": actions that serve no recommendation of a set are judged so, and left unmapped."""

from __future__ import annotations

import pytest
from conftest import REPO

from indexes.matching import match, match_batch, suggest_for_pending
from knowledge.actions import confirm_link, create_action, list_actions, recommendation_id
from knowledge.codebook import BUILTIN_SET, load_codebook, none_judgements, pending_for_set
from knowledge.codebook_files import read_codebook_file

BERWICK = REPO / "benchmarks" / "data" / "berwick-2013.json"
# Written for these tests (not the benchmark's actions): what trusts' trackers also hold.
UNRELATED = [
    "Repair the lifts in the outpatient block",
    "Hire two porters for the night shift",
    "Run the winter flu jab clinic for staff",
    "Renew the waste collection contract",
]
SERVING_THE_NINE = [
    ("Ask NHS Resolution whether its scheme covers mistakes made with AI", 8),
    ("Give the AI lead radiologist a session in the job plan", 5),
    ("Pay radiologists to advise the vendor on each product release", 3),
    ("Agree one procurement route for imaging AI across the ICS", 9),
]


@pytest.fixture(scope="module")
def model():
    """The real all-MiniLM-L6-v2, loaded once for this module."""
    from indexes.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture
def two_sets(memory_db):
    load_codebook(memory_db, read_codebook_file(BERWICK))
    return memory_db


def test_unrelated_actions_are_none_and_related_ones_are_not(memory_db, model):
    texts = UNRELATED + [text for text, _ in SERVING_THE_NINE]
    found = match_batch(memory_db, [(t, "trust") for t in texts], embedder=model)
    assert [m.none for m in found] == [True] * len(UNRELATED) + [False] * len(SERVING_THE_NINE)
    for m, (_, rec) in zip(found[len(UNRELATED) :], SERVING_THE_NINE, strict=True):
        assert m.suggestions[0].number == rec
    # The ranked suggestions are still there for a "none" action, and still a distribution.
    assert len(found[0].suggestions) == 9
    assert sum(s.score for s in found[0].suggestions) == pytest.approx(1.0, abs=1e-6)
    assert max(m.fit for m in found[: len(UNRELATED)]) < min(m.fit for m in found[len(UNRELATED) :])


def test_a_set_with_only_titles_and_summaries_abstains_too(two_sets, model):
    found = match_batch(
        two_sets,
        [(t, "trust") for t in [*UNRELATED, "Teach improvement science to every new manager"]],
        embedder=model,
        set_slug="berwick-2013",
    )
    assert [m.none for m in found] == [True] * len(UNRELATED) + [False]
    assert found[-1].suggestions[0].number == 5
    assert {s.number for s in found[0].suggestions} == set(range(1, 11))


def test_pending_actions_get_suggestions_or_a_none_judgement_per_set(two_sets, model):
    related = create_action(two_sets, text=SERVING_THE_NINE[0][0], organisation="Ashby Trust")
    unrelated = create_action(two_sets, text=UNRELATED[0], organisation="Ashby Trust")
    stored = suggest_for_pending(two_sets, embedder=model)
    assert stored >= 1
    links = {a["id"]: a["links"] for a in list_actions(two_sets)}
    assert links[unrelated] == []  # left unmapped in every set
    nine = [lk for lk in links[related] if lk["set_slug"] == BUILTIN_SET]
    assert nine and nine[0]["state"] == "suggested" and max(nine, key=lambda lk: lk["score"])["number"] == 8
    assert none_judgements(two_sets)[unrelated] == [BUILTIN_SET, "berwick-2013"]
    assert pending_for_set(two_sets, BUILTIN_SET) == [] and pending_for_set(two_sets, "berwick-2013") == []
    assert suggest_for_pending(two_sets, embedder=model) == 0  # nothing asked twice


def test_a_confirmation_on_a_new_set_changes_the_next_suggestion(two_sets, model):
    text = "Hold a workshop on the programme"
    before = match(two_sets, text, "trust", embedder=model, set_slug="berwick-2013").suggestions[0]
    assert before.number != 3
    nine_before = match(two_sets, text, "trust", embedder=model)
    taught = create_action(
        two_sets, text="Hold a workshop on the programme with patients and carers", organisation="Ashby Trust"
    )
    confirm_link(two_sets, taught, recommendation_id(two_sets, 3, "berwick-2013"), who="lead")
    after = match(two_sets, text, "trust", embedder=model, set_slug="berwick-2013")
    assert after.suggestions[0].number == 3 and not after.none
    # The built-in set did not learn from another set's confirmation.
    assert match(two_sets, text, "trust", embedder=model) == nine_before
    unrelated = match(two_sets, UNRELATED[1], "trust", embedder=model, set_slug="berwick-2013")
    assert unrelated.none  # one confirmation does not make everything fit


def test_a_confirmed_action_never_votes_for_itself(two_sets, model):
    text = "Hold a workshop on the programme with patients and carers"
    action = create_action(two_sets, text=text, organisation="Ashby Trust")
    confirm_link(two_sets, action, recommendation_id(two_sets, 3, "berwick-2013"))
    alone = match(two_sets, text, "trust", embedder=model, set_slug="berwick-2013", action_id=action)
    fresh = match(two_sets, text, "trust", embedder=model, set_slug="berwick-2013")
    assert fresh.fit > alone.fit  # as anyone else's, the confirmed twin lifts it; as itself, it does not


def test_the_window_shows_no_recommendation_fits_and_filters_the_workflow(qtbot, make_desk_window):
    from desktop.qtmodels import NONE_FITS, ROW_ROLE
    from knowledge.actions import link_recommendation
    from knowledge.codebook import record_match_checks

    window = make_desk_window(load_model=False)
    db = window.db
    unmapped = create_action(db, text=UNRELATED[0], organisation="Ashby Trust")
    record_match_checks(db, BUILTIN_SET, unmapped, fits_none=True, fit=0.3)
    waiting = create_action(db, text=SERVING_THE_NINE[0][0], organisation="Ashby Trust")
    link_recommendation(db, waiting, recommendation_id(db, 8), score=0.9)
    draft = create_action(db, text="Draft from the notes", organisation="Ashby Trust", draft=True)
    page = window.go_to("actions")
    page.refresh()

    assert page.select_action(unmapped)
    assert page.links.item(0).text().startswith("No recommendation fits")
    recs_column = next(c for c, col in enumerate(page.model.columns) if col.key == "recommendations")
    row = next(r for r in range(page.model.rowCount()) if page.model.rows[r]["id"] == unmapped)
    assert page.model.index(row, recs_column).data() == NONE_FITS
    waiting_row = next(r for r in range(page.model.rowCount()) if page.model.rows[r]["id"] == waiting)
    assert page.model.index(waiting_row, recs_column).data().startswith("R8")  # a suggestion, marked
    for key, expected in (("none", [unmapped]), ("awaiting", [waiting]), ("drafts", [draft])):
        page.show_filter.setCurrentIndex(page.show_filter.findData(key))
        ids = sorted(page.proxy.index(r, 0).data(ROW_ROLE)["id"] for r in range(page.proxy.rowCount()))
        assert ids == expected


def test_rewording_an_action_clears_its_none_judgement(two_sets):
    from knowledge.actions import edit_action
    from knowledge.codebook import record_match_checks

    action = create_action(two_sets, text=UNRELATED[0], organisation="Ashby Trust")
    for slug in (BUILTIN_SET, "berwick-2013"):
        record_match_checks(two_sets, slug, action, fits_none=True, fit=0.2)
    edit_action(two_sets, action, owner="Estates lead")  # the wording stands: so does the judgement
    assert none_judgements(two_sets)[action] == [BUILTIN_SET, "berwick-2013"]
    edit_action(two_sets, action, text=SERVING_THE_NINE[0][0])
    # A re-worded action is another action to the matcher: "no recommendation fits" must be asked again.
    assert action not in none_judgements(two_sets)
    assert [row[0] for row in pending_for_set(two_sets, BUILTIN_SET)] == [action]
    assert [row[0] for row in pending_for_set(two_sets, "berwick-2013")] == [action]


def test_confirmations_vote_only_for_actions_that_resemble_them(two_sets, model):
    """A confirmed action votes for its recommendation by how much nearer an action comes to it than to the
    nearest generic NHS action: a close rewording follows it, an action about something else does not."""
    text = "Hold a workshop on the programme"
    staffing = "Fund enough nurses on every ward to give safe care at night"
    before = match(two_sets, staffing, "trust", embedder=model, set_slug="berwick-2013").suggestions[0].number
    taught = create_action(
        two_sets, text="Hold a workshop on the programme with patients and carers", organisation="Ashby Trust"
    )
    confirm_link(two_sets, taught, recommendation_id(two_sets, 3, "berwick-2013"), who="lead")
    assert match(two_sets, text, "trust", embedder=model, set_slug="berwick-2013").suggestions[0].number == 3
    after = match(two_sets, staffing, "trust", embedder=model, set_slug="berwick-2013").suggestions[0].number
    assert after == before == 4
