"""Data that leaves the corpus package: chunks of notes and scan results."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from corpus import HEADING_SEP

__all__ = ["HEADING_SEP", "LINE_TEXT_VERSION", "Chunk", "Skipped", "text_hash"]


LINE_TEXT_VERSION = "2"
"""What `Chunk.body_lines` embeds: 2, each line under its whole heading path (1, before
2026-12-05: under its leaf heading). An index holding line vectors of another version drops
them at its next refresh and embeds them again (`index.sync`); its sections are kept."""


def text_hash(text: str) -> str:
    """Stable content hash used for incremental indexing (files and chunks)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def embed_text(heading_path: Sequence[str], context: str, text: str) -> str:
    """The one formula for what is embedded and searched: heading path, any context (a split
    nested item's parent, a table's header row), then the text."""
    head = "\n".join(p for p in (HEADING_SEP.join(heading_path), context) if p)
    return f"{head}\n{text}" if head else text


def labels_text(title: str | None, tags: Sequence[str], aliases: Sequence[str] = ()) -> str:
    """One text of a note's front-matter labels, the meta column its sections are searched
    by: title, aliases, tags (`corpus.markdown.NoteChunks.labels`)."""
    return " ".join(p for p in (title or "", *aliases, *tags) if p)


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

    @property
    def section(self) -> tuple[str, tuple[str, ...]]:
        """Which section of which note this is: the pieces of a long section share it."""
        return self.path, tuple(self.heading_path)

    def embed_text(self) -> str:
        """What the embedder and BM25 see: the heading path gives a section its context."""
        return embed_text(self.heading_path, self.context, self.text)

    def body_lines(self) -> list[tuple[int, str]]:
        """Each line that can answer a question on its own, as it is embedded for line evidence:
        (index within `text`, "<heading path>: <line>"). Blank lines and the heading line are
        left out; list markers are dropped. The whole heading path gives the line its context,
        as it does the section: under the leaf heading alone, a recipe's "Ingredients" lines
        lacked the dish that its one-line intro ("Carbonara: Serves 2.") had, so "carbonara
        ingredients" was answered "Serves 2." (`LINE_TEXT_VERSION`)."""
        lines = self.text.split("\n")
        head = HEADING_SEP.join(self.heading_path)
        out: list[tuple[int, str]] = []
        for i, raw in enumerate(lines):
            if not raw.strip() or (i == 0 and self.heading_path and raw.lstrip().startswith("#")):
                continue
            line = raw.strip().lstrip("-*+ ").strip()
            out.append((i, f"{head}: {line}" if head else line))
        return out

    def body_line_spans(self) -> list[tuple[int, int]]:
        """Where each of `body_lines()` lies in `embed_text()`: (start, end) character offsets
        of the line's words (its list marker left out), for line vectors pooled from the
        section's own pass through the model."""
        raw = self.text.split("\n")
        offset = len(self.embed_text()) - len(self.text)
        starts = [0]
        for line in raw:
            starts.append(starts[-1] + len(line) + 1)
        spans = []
        for i, _ in self.body_lines():
            line = raw[i].rstrip()
            lead = len(line) - len(line.lstrip().lstrip("-*+ ").lstrip())  # as `body_lines`
            spans.append((offset + starts[i] + lead, offset + starts[i] + len(line)))
        return spans


class Skipped(BaseModel):
    """A file or folder the scan or read left out, with a short human reason."""

    model_config = ConfigDict(frozen=True)

    path: str
    """Path relative to the notes root ("/" separators)."""
    reason: str
