"""Data that leaves the corpus package: chunks of notes and scan results."""

from __future__ import annotations

import hashlib

from pydantic import BaseModel, ConfigDict

HEADING_SEP = " › "


def text_hash(text: str) -> str:
    """Stable content hash used for incremental indexing (files and chunks)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Chunk(BaseModel):
    """One section (or part of a long section) of a note, with an exact 1-based line span.

    `text` is exactly lines `start_line..end_line` of the file as read by `corpus.read`
    (line endings normalised to "\\n"), so it can be re-checked against the file.
    """

    model_config = ConfigDict(frozen=True)

    id: int | None = None
    path: str
    heading_path: list[str]
    start_line: int
    end_line: int
    text: str
    content_hash: str
    context: str = ""
    """Extra text embedded but never quoted (e.g. the parent list item of a split-off child)."""

    @property
    def heading(self) -> str:
        return HEADING_SEP.join(self.heading_path)

    def embed_text(self) -> str:
        """What the embedder and BM25 see: the heading path gives a section its context."""
        head = "\n".join(p for p in (self.heading, self.context) if p)
        return f"{head}\n{self.text}" if head else self.text


class Skipped(BaseModel):
    """A file or folder the scan or read left out, with a short human reason."""

    model_config = ConfigDict(frozen=True)

    path: str
    """Path relative to the notes root ("/" separators)."""
    reason: str
