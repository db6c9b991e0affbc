"""The retrieval modes, defined once (settings, CLI choices, eval and retrieval read them here).

Kept free of imports so the CLI's `--help` can list them without loading the index stack."""

from typing import Literal, get_args

Mode = Literal["bm25", "dense", "hybrid"]
"""BM25 (FTS5) alone, FAISS dense search alone, or the two fused by reciprocal rank."""
MODES: tuple[str, ...] = get_args(Mode)

RRF_K = 5
"""Reciprocal-rank fusion: a hybrid score is the sum over retrievers of 1 / (RRF_K + rank).
5, not the customary 60: a section one retriever ranks first and the other misses (a section
of code BM25 finds and the model cannot read; a paraphrase only the model links) then
outranks every section both place 8th or lower (with 60, only those past 62nd), instead of
sinking below sections both rank middling. Chosen on the four calibration sets
(docs/evaluating.md, "Fusion constant"); `AnswerOptions.rrf_k` overrides it."""
