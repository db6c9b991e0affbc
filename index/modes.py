"""The retrieval modes, defined once (settings, CLI choices, eval and retrieval read them here).

Kept free of imports so the CLI's `--help` can list them without loading the index stack."""

from typing import Literal, get_args

Mode = Literal["bm25", "dense", "hybrid"]
"""BM25 (FTS5) alone, FAISS dense search alone, or the two fused by reciprocal rank."""
MODES: tuple[str, ...] = get_args(Mode)
