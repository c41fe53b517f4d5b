"""Fusion of keyword and semantic rankings, as pure functions."""

import pytest

from indexes.fusion import collapse, reciprocal_rank_fusion, score_fusion


def test_rrf_sums_reciprocal_ranks():
    fused = dict(reciprocal_rank_fusion([[("a", 9.0), ("b", 5.0)], [("b", 0.9), ("c", 0.8)]], k=60))
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["c"] == pytest.approx(1 / 62)


def test_rrf_ranks_items_found_by_both_lists_first():
    keyword = [("k1", 10), ("both", 8), ("k2", 7)]
    semantic = [("s1", 0.9), ("both", 0.8), ("s2", 0.7)]
    ranked = [key for key, _ in reciprocal_rank_fusion([keyword, semantic])]
    assert ranked[0] == "both"
    assert set(ranked) == {"k1", "k2", "s1", "s2", "both"}


def test_rrf_ignores_raw_scores_and_respects_weights():
    a = [("x", 1000.0), ("y", 999.0)]
    b = [("y", 0.01), ("x", 0.001)]
    assert reciprocal_rank_fusion([a, b])[0][1] == pytest.approx(reciprocal_rank_fusion([a, b])[1][1])
    weighted = reciprocal_rank_fusion([a, b], weights=[1.0, 2.0])
    assert weighted[0][0] == "y"


def test_rrf_counts_a_duplicate_key_once_at_its_best_rank():
    fused = dict(reciprocal_rank_fusion([[("a", 3), ("a", 2), ("b", 1)]], k=0))
    assert fused == {"a": 1.0, "b": 0.5}


def test_rrf_of_empty_lists_is_empty_and_ties_keep_first_appearance():
    assert reciprocal_rank_fusion([[], []]) == []
    ranked = reciprocal_rank_fusion([[("a", 1)], [("b", 1)]])
    assert [key for key, _ in ranked] == ["a", "b"]


def test_rrf_needs_one_weight_per_list():
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([[("a", 1)]], weights=[1, 2])


def test_score_fusion_normalises_each_list():
    bm25 = [("a", 30.0), ("b", 10.0)]  # large scale
    cosine = [("b", 0.9), ("c", 0.5)]  # small scale
    fused = dict(score_fusion([bm25, cosine], weights=[0.5, 0.5]))
    assert fused["a"] == pytest.approx(0.5)
    assert fused["b"] == pytest.approx(0.5)
    assert fused["c"] == pytest.approx(0.0)


def test_collapse_keeps_the_best_passage_per_document():
    ranked = [(1, 0.9), (2, 0.8), (3, 0.7), (4, 0.6)]
    doc_of = {1: 10, 2: 10, 3: 20, 4: 30}
    assert collapse(ranked, doc_of) == [(10, 0.9, 1), (20, 0.7, 3), (30, 0.6, 4)]
