"""Ranking, abstention and latency metrics: pure functions over plain dicts.

Conventions (the same as trec_eval / pytrec_eval and BEIR):

- ``run``: ``{query_id: {doc_id: score}}``, higher score = better.
- ``qrels``: ``{query_id: {doc_id: grade}}``; a grade > 0 means relevant, 0 (or below) judged
  not relevant. Graded: nDCG uses the grade itself as the gain.

Ranking a run follows trec_eval exactly: score descending, ties broken by doc id *descending*
(trec_eval's ``comp_sim_docno`` compares ``strcmp(b, a)``). Python compares ``str`` by code point,
which is the same order as comparing the UTF-8 bytes, as ``strcmp`` does.

BEIR's own MRR (``EvaluateRetrieval.evaluate_custom(..., "mrr")``) instead sorts with Python's
stable ``sorted(..., reverse=True)`` on the score alone, so ties keep the run dict's insertion
order; :func:`mrr_beir` replicates that (without BEIR's rounding to 5 decimals).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

Run = Mapping[str, Mapping[str, float]]
Qrels = Mapping[str, Mapping[str, int]]


# --------------------------------------------------------------------------- ranking


def trec_ranking(doc_scores: Mapping[str, float]) -> list[str]:
    """Doc ids in trec_eval order: score descending, then doc id descending."""
    items = sorted(doc_scores.items(), key=lambda kv: kv[0], reverse=True)
    items.sort(key=lambda kv: kv[1], reverse=True)  # stable: equal scores keep doc id desc
    return [d for d, _ in items]


def stable_ranking(doc_scores: Mapping[str, float]) -> list[str]:
    """Doc ids as BEIR's custom metrics rank them: score descending, ties in insertion order."""
    return [d for d, _ in sorted(doc_scores.items(), key=lambda kv: kv[1], reverse=True)]


# --------------------------------------------------------------------------- per query


def ndcg_at_k(ranking: Sequence[str], rels: Mapping[str, int], k: int = 10) -> float:
    """trec_eval ``ndcg_cut.k`` for one query.

    DCG = sum over the top k of gain / log2(rank + 1) (rank 1-based), gain = the qrels grade
    (grades <= 0 and unjudged docs give 0). The ideal DCG sorts every positive grade in the
    qrels, best first, cut at k. No relevant docs -> 0.0.
    """
    dcg = 0.0
    for i, doc in enumerate(ranking[:k]):
        g = rels.get(doc, 0)
        if g > 0:
            dcg += g / math.log2(i + 2)
    ideal_gains = sorted((g for g in rels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal_gains))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranking: Sequence[str], rels: Mapping[str, int], k: int = 100) -> float:
    """trec_eval ``recall.k``: relevant (grade > 0) docs in the top k / all relevant docs."""
    relevant = {d for d, g in rels.items() if g > 0}
    if not relevant:
        return 0.0
    return sum(1 for d in ranking[:k] if d in relevant) / len(relevant)


def reciprocal_rank_at_k(ranking: Sequence[str], relevant: Iterable[str], k: int = 10) -> float:
    """1 / rank of the first relevant item within the top k, else 0."""
    rel = set(relevant)
    for i, item in enumerate(ranking[:k]):
        if item in rel:
            return 1.0 / (i + 1)
    return 0.0


def hit_at_k(ranking: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """1.0 if any relevant item is in the top k, else 0.0."""
    rel = set(relevant)
    return 1.0 if any(item in rel for item in ranking[:k]) else 0.0


def all_in_top_k(ranking: Sequence[str], relevant: Iterable[str], k: int = 3) -> float:
    """1.0 if every relevant item is in the top k (e.g. both sections of a two-section question)."""
    rel = set(relevant)
    return 1.0 if rel and rel <= set(ranking[:k]) else 0.0


# --------------------------------------------------------------------------- over a run


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def ndcg_per_query(run: Run, qrels: Qrels, k: int = 10) -> dict[str, float]:
    """Per-query ``ndcg_cut.k`` for the queries pytrec_eval scores: in the run, with at least one
    judgment (any grade) in the qrels."""
    return {q: ndcg_at_k(trec_ranking(run[q]), qrels[q], k) for q in qrels if q in run and qrels[q]}


def recall_per_query(run: Run, qrels: Qrels, k: int = 100) -> dict[str, float]:
    """Per-query ``recall.k`` for the same queries as :func:`ndcg_per_query`."""
    return {
        q: recall_at_k(trec_ranking(run[q]), qrels[q], k) for q in qrels if q in run and qrels[q]
    }


def mean_ndcg(run: Run, qrels: Qrels, k: int = 10) -> float:
    """nDCG@k averaged as BEIR does: over the queries pytrec_eval scores (run ∩ qrels)."""
    return _mean(list(ndcg_per_query(run, qrels, k).values()))


def mean_recall(run: Run, qrels: Qrels, k: int = 100) -> float:
    """Recall@k averaged over the queries in run ∩ qrels."""
    return _mean(list(recall_per_query(run, qrels, k).values()))


def mrr_beir(run: Run, qrels: Qrels, k: int = 10) -> float:
    """MRR@k as BEIR's ``custom_metrics.mrr``: 1/rank of the first doc with grade > 0 in the
    top k (stable sort by score, ties in insertion order), summed and divided by the number of
    queries in the qrels (a query the run lacks contributes 0). Not rounded."""
    if not qrels:
        return 0.0
    total = 0.0
    for q, rels in qrels.items():
        if q not in run:
            continue
        relevant = [d for d, g in rels.items() if g > 0]
        total += reciprocal_rank_at_k(stable_ranking(run[q]), relevant, k)
    return total / len(qrels)


def beir_scores(run: Run, qrels: Qrels) -> dict[str, float]:
    """The three BEIR figures we report: nDCG@10, Recall@100, MRR@10."""
    return {
        "ndcg@10": mean_ndcg(run, qrels, 10),
        "recall@100": mean_recall(run, qrels, 100),
        "mrr@10": mrr_beir(run, qrels, 10),
    }


# --------------------------------------------------------------------------- ranked lists


def hit_rate(rankings: Sequence[Sequence[str]], relevant: Sequence[Iterable[str]], k: int) -> float:
    """Mean hit@k over parallel lists of rankings and relevant-item sets."""
    return _mean([hit_at_k(r, rel, k) for r, rel in zip(rankings, relevant, strict=True)])


def mean_reciprocal_rank(
    rankings: Sequence[Sequence[str]], relevant: Sequence[Iterable[str]], k: int = 10
) -> float:
    """Mean of 1/rank of the first relevant item within the top k."""
    return _mean(
        [reciprocal_rank_at_k(r, rel, k) for r, rel in zip(rankings, relevant, strict=True)]
    )


# --------------------------------------------------------------------------- abstention


def abstention_scores(
    abstained: Sequence[bool], should_abstain: Sequence[bool]
) -> dict[str, float]:
    """Precision and recall of abstaining, with "abstained" as the positive class.

    precision = correct abstentions / all abstentions (1.0 when it never abstains: no false
    alarm was raised); recall = correct abstentions / questions that should be abstained on
    (1.0 when there are none).
    """
    pairs = list(zip(abstained, should_abstain, strict=True))
    tp = sum(1 for a, s in pairs if a and s)
    fp = sum(1 for a, s in pairs if a and not s)
    fn = sum(1 for a, s in pairs if not a and s)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn}


# --------------------------------------------------------------------------- latency


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0..100) with linear interpolation between closest ranks
    (numpy's default "linear" method). Empty input -> 0.0."""
    xs = sorted(values)
    if not xs:
        return 0.0
    if len(xs) == 1:
        return float(xs[0])
    pos = (len(xs) - 1) * p / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def latency_summary(ms: Sequence[float]) -> dict[str, float]:
    return {"p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95)}
