"""Metric code vs hand-computed values, and vs pytrec_eval on random runs with ties."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
import pytrec_eval

from assistant.eval import beir, metrics

FIXTURE = Path(__file__).parent / "fixtures" / "beir_tiny"
L3 = math.log2(3)

# A hand-made run over the tiny fixture. Dict order matters for BEIR's MRR tie rule.
RUN = {
    "q1": {"d2": 0.9, "d1": 0.8, "d3": 0.7},
    "q2": {"d1": 0.5, "d3": 0.5, "d5": 0.4},  # tie: trec_eval puts d3 first, BEIR's MRR d1
    "q3": {"D/6 weird id": 0.3, "d2": 0.2},  # the grade-2 doc d4 is never retrieved
    "q4": {"d1": 1.0},  # no qrels: ignored
}


@pytest.fixture
def qrels():
    return beir.load_qrels(FIXTURE)


def test_fixture_qrels_parse(qrels):
    assert qrels == {
        "q1": {"d1": 2, "d2": 1, "d5": 0},
        "q2": {"d3": 1},
        "q3": {"d4": 2, "D/6 weird id": 1},
    }


def test_ndcg_hand_computed(qrels):
    per = metrics.ndcg_per_query(RUN, qrels, 10)
    # q1: d2 (gain 1) at rank 1, d1 (gain 2) at rank 2; ideal 2, 1.
    assert per["q1"] == pytest.approx((1 + 2 / L3) / (2 + 1 / L3), abs=1e-12)
    assert per["q1"] == pytest.approx(0.8597186998521972, abs=1e-12)
    # q2: the tie puts d3 (relevant) first under trec_eval's doc-id-descending rule.
    assert per["q2"] == pytest.approx(1.0, abs=1e-12)
    # q3: only the grade-1 doc, at rank 1; ideal 2 at rank 1 and 1 at rank 2.
    assert per["q3"] == pytest.approx(1 / (2 + 1 / L3), abs=1e-12)
    assert "q4" not in per
    assert metrics.mean_ndcg(RUN, qrels, 10) == pytest.approx(
        (0.8597186998521972 + 1.0 + 0.38009376671593426) / 3, abs=1e-12
    )


def test_ndcg_cutoff_and_grades():
    rels = {"a": 3, "b": 0, "c": -1, "d": 1}
    # c has a negative grade: gain 0, like trec_eval.
    assert metrics.ndcg_at_k(["c", "a"], rels, 10) == pytest.approx(
        (3 / L3) / (3 + 1 / L3), abs=1e-12
    )
    # the relevant doc at rank 3 is cut off at k=2
    assert metrics.ndcg_at_k(["b", "c", "a"], rels, 2) == 0.0
    assert metrics.ndcg_at_k(["a"], {"x": 0}, 10) == 0.0


def test_recall_hand_computed(qrels):
    per = metrics.recall_per_query(RUN, qrels, 100)
    assert per == {"q1": 1.0, "q2": 1.0, "q3": 0.5}
    assert metrics.mean_recall(RUN, qrels, 100) == pytest.approx(2.5 / 3)
    assert metrics.recall_at_k(["x", "d1"], {"d1": 1, "d2": 2}, 1) == 0.0
    assert metrics.recall_at_k(["x", "d1"], {"d1": 1, "d2": 2}, 2) == 0.5


def test_mrr_beir_hand_computed(qrels):
    # q1: d2 (grade 1) at rank 1 -> 1; q2: stable tie order keeps d1 first, d3 at rank 2 -> 1/2;
    # q3: rank 1 -> 1. Divided by the 3 queries in the qrels.
    assert metrics.mrr_beir(RUN, qrels, 10) == pytest.approx((1 + 0.5 + 1) / 3, abs=1e-12)
    # a query missing from the run still counts in the denominator
    partial = {"q1": RUN["q1"]}
    assert metrics.mrr_beir(partial, qrels, 10) == pytest.approx(1 / 3, abs=1e-12)
    # grade 0 is not relevant: d5 at rank 1 does not count
    assert metrics.mrr_beir({"q1": {"d5": 2.0, "x": 1.0, "d1": 0.5}}, {"q1": qrels["q1"]}, 2) == 0


def test_beir_scores_bundle(qrels):
    s = metrics.beir_scores(RUN, qrels)
    assert set(s) == {"ndcg@10", "recall@100", "mrr@10"}
    assert s["recall@100"] == pytest.approx(2.5 / 3)


def test_trec_ranking_ties():
    assert metrics.trec_ranking({"a": 1.0, "b": 1.0, "c": 2.0, "B": 1.0}) == ["c", "b", "a", "B"]
    assert metrics.stable_ranking({"a": 1.0, "b": 1.0, "c": 2.0}) == ["c", "a", "b"]


def test_section_metrics():
    rankings = [["x", "a", "b"], ["b"], [], ["c", "d", "e", "a"]]
    relevant = [{"a"}, {"a", "b"}, {"a"}, {"a"}]
    assert metrics.hit_rate(rankings, relevant, 1) == 0.25
    assert metrics.hit_rate(rankings, relevant, 3) == 0.5
    assert metrics.mean_reciprocal_rank(rankings, relevant, 10) == pytest.approx(
        (0.5 + 1 + 0 + 0.25) / 4
    )
    assert metrics.all_in_top_k(["a", "x", "b"], {"a", "b"}, 3) == 1.0
    assert metrics.all_in_top_k(["a", "x", "y", "b"], {"a", "b"}, 3) == 0.0
    assert metrics.all_in_top_k(["a"], set(), 3) == 0.0


def test_abstention_scores():
    s = metrics.abstention_scores(
        [True, True, False, False, True], [True, False, True, False, True]
    )
    assert (s["tp"], s["fp"], s["fn"]) == (2, 1, 1)
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["recall"] == pytest.approx(2 / 3)
    assert metrics.abstention_scores([False], [False]) == {
        "precision": 1.0,
        "recall": 1.0,
        "tp": 0,
        "fp": 0,
        "fn": 0,
    }


def test_percentiles_match_numpy():
    np = pytest.importorskip("numpy")
    rng = random.Random(7)
    for n in (1, 2, 5, 20, 101):
        xs = [rng.uniform(0, 100) for _ in range(n)]
        for p in (50, 95, 0, 100):
            assert metrics.percentile(xs, p) == pytest.approx(float(np.percentile(xs, p)))
    assert metrics.percentile([], 50) == 0.0
    assert metrics.latency_summary([1, 2, 3]) == {"p50_ms": 2.0, "p95_ms": pytest.approx(2.9)}


def _random_case(rng: random.Random):
    docs = [f"d{i}" for i in range(40)] + ["D1", "d1x", "a", "Z9", "é-doc", "doc 7"]
    qrels, run = {}, {}
    for q in range(25):
        qid = f"q{q}"
        judged = rng.sample(docs, rng.randint(0, 15))
        qrels[qid] = {d: rng.choice([0, 0, 1, 1, 2, 3, -1]) for d in judged}
        if rng.random() < 0.9:
            retrieved = rng.sample(docs, rng.randint(0, len(docs)))
            # few distinct scores -> many ties
            levels = rng.choice(
                [[1.0], [0.5, 1.0], [0.1, 0.2, 0.3], [rng.random() for _ in range(8)]]
            )
            run[qid] = {d: rng.choice(levels) for d in retrieved}
    # a query only in the run, and one with an empty qrels entry
    run["extra"] = {"d1": 1.0}
    qrels["empty"] = {}
    run["empty"] = {"d2": 1.0}
    return run, qrels


@pytest.mark.parametrize("seed", range(40))
def test_agrees_with_pytrec_eval(seed):
    rng = random.Random(seed)
    run, qrels = _random_case(rng)
    cutoffs = [(10, 100), (3, 5), (1, 20)]
    nd_k, rc_k = cutoffs[seed % len(cutoffs)]
    measures = {f"ndcg_cut.{nd_k}", f"recall.{rc_k}"}
    if (nd_k, rc_k) != (10, 100):
        measures |= {"ndcg_cut.10", "recall.100"}
    ref = pytrec_eval.RelevanceEvaluator(qrels, measures).evaluate(run)
    ours_nd = metrics.ndcg_per_query(run, qrels, nd_k)
    ours_rc = metrics.recall_per_query(run, qrels, rc_k)
    ours_nd10 = metrics.ndcg_per_query(run, qrels, 10)
    ours_rc100 = metrics.recall_per_query(run, qrels, 100)
    assert set(ref) == set(ours_nd) == set(ours_rc)
    for qid, vals in ref.items():
        assert ours_nd[qid] == pytest.approx(vals[f"ndcg_cut_{nd_k}"], abs=1e-9), qid
        assert ours_rc[qid] == pytest.approx(vals[f"recall_{rc_k}"], abs=1e-9), qid
        assert ours_nd10[qid] == pytest.approx(vals["ndcg_cut_10"], abs=1e-9), qid
        assert ours_rc100[qid] == pytest.approx(vals["recall_100"], abs=1e-9), qid
    # the BEIR-style mean over the evaluated queries
    mean_ref = sum(v["ndcg_cut_10"] for v in ref.values()) / len(ref)
    assert metrics.mean_ndcg(run, qrels, 10) == pytest.approx(mean_ref, abs=1e-9)


def _beir_mrr_reference(qrels, results, k):
    """BEIR's custom_metrics.mrr, restated (without its final rounding)."""
    top = {q: sorted(d.items(), key=lambda kv: kv[1], reverse=True)[:k] for q, d in results.items()}
    total = 0.0
    for q in qrels:
        rel = {d for d, g in qrels[q].items() if g > 0}
        for rank, (doc, _) in enumerate(top.get(q, [])):
            if doc in rel:
                total += 1 / (rank + 1)
                break
    return total / len(qrels)


@pytest.mark.parametrize("seed", range(20))
def test_mrr_agrees_with_beir_rule(seed):
    run, qrels = _random_case(random.Random(1000 + seed))
    assert metrics.mrr_beir(run, qrels, 10) == pytest.approx(
        _beir_mrr_reference(qrels, run, 10), abs=1e-12
    )
