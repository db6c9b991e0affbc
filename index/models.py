"""Data that leaves the index package."""

from __future__ import annotations

from pydantic import BaseModel, Field

from corpus.models import Chunk


class Hit(BaseModel):
    """A retrieved chunk with its fused score and the ranks that produced it (1-based)."""

    chunk: Chunk
    score: float = Field(description="Reciprocal-rank-fusion score (or the single retriever's).")
    lexical_rank: int | None = None
    dense_rank: int | None = None
    lexical_score: float | None = Field(default=None, description="FTS5 BM25, higher is better.")
    dense_score: float | None = Field(default=None, description="Cosine similarity, -1..1.")
    line_rank: int | None = Field(
        default=None, description="Rank by the best single line's cosine (line retrieval)."
    )
    path_rank: int | None = Field(
        default=None, description="Rank of its note by the query terms in its path."
    )
    lead_in: tuple[str, tuple[str, ...]] | None = Field(
        default=None,
        description="The section (path, heading path) that only leads into this one and "
        "handed it its place (the answer's lead-in rule).",
    )

    @property
    def unit(self) -> tuple[str, tuple[str, ...]]:
        """The section this hit counts as where the answer weighs the top few: its own, or
        that of the lead-in it was opened from (its subsections count as that one)."""
        return self.lead_in or self.chunk.section


class Skipped(BaseModel):
    """A file the scan or read step passed over, and why (shown as a one-line warning)."""

    path: str
    reason: str


class SyncReport(BaseModel):
    """What one `assistant index` run changed."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    renamed: int = 0
    unchanged: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    lines_embedded: int = 0
    skipped: list[Skipped] = Field(default_factory=list)
    seconds: float = 0.0
    embed_seconds: float = Field(default=0.0, description="Of `seconds`, spent embedding.")
    repaired: list[str] = Field(default_factory=list, description="Problems found and fixed.")
    large: list[str] = Field(
        default_factory=list,
        description="Notes of `LARGE_NOTE_CHARS` or more read and split this run: 'path (size)'.",
    )

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.renamed or self.repaired)


class Manifest(BaseModel):
    """Parameters an index was built with; any mismatch with the running config forces a rebuild."""

    schema_version: int
    model_id: str
    dim: int
    precision: str
    chunker_version: int
    generation: str
    notes_root: str
    created_at: float
    updated_at: float


class IndexInfo(BaseModel):
    """Summary of one index on disk, for `index --list` and the TUI status line."""

    index_dir: str
    notes_root: str | None
    files: int
    chunks: int
    size_bytes: int
    updated_at: float | None
    model_id: str | None
    precision: str | None = None
    problem: str | None = None
