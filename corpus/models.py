"""Data that leaves the corpus package: chunks of notes and scan results."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from pydantic import BaseModel, ConfigDict

from corpus import HEADING_SEP

__all__ = [
    "HEADING_SEP",
    "LINE_TEXT_VERSION",
    "PROPERTIES",
    "Chunk",
    "Skipped",
    "note_title",
    "text_hash",
]

PROPERTIES = "---"
"""The `Chunk.context` of a note's front-matter properties (`corpus.markdown.property_span`):
its fence, which neither the model nor the keyword index reads as a word."""


LINE_TEXT_VERSION = "2"
"""What `Chunk.body_lines` embeds: 2, each line under its whole heading path (1, before
2026-12-05: under its leaf heading). An index holding line vectors of another version drops
them at its next refresh and embeds them again (`index.sync`); its sections are kept. (A
section under no heading, whose lines stand under its note's title, `head`, has the title in
its content hash, by which its lines are keyed: `CHUNKER_VERSION` 12 made that change.)"""


def text_hash(text: str) -> str:
    """Stable content hash used for incremental indexing (files and chunks)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


_ID_WORD = re.compile(r"^(?:\d{8,}|(?=[a-z]*\d)[0-9a-f]{16,})$", re.IGNORECASE)
"""A file-name word that is an ID, not a title's word: a Zettelkasten's 202303031100, a
Notion export's 32 hex digits."""


def note_title(path: str) -> str:
    """A note's title as its file name gives it: the stem's words ("pages/Marco Bellini.md"
    -> "Marco Bellini", Dendron's "dendron.topic.preview.md" -> "dendron topic preview"), IDs
    left out. It stands above a section under no heading in what is embedded (`head`)."""
    words = re.split(r"[\s._-]+", PurePosixPath(path).stem)
    return " ".join(w for w in words if w and not _ID_WORD.match(w))


def head(heading_path: Sequence[str], path: str, title: str = "") -> list[str]:
    """What stands above a section's text where it is embedded: its heading path (under
    `title`, a note's title its headings do not give, `Chunk.title`), or, under no heading, its
    note's title. An outliner's page ("pages/Lena.md": "- Allergic to hazelnuts") or a note
    with no heading is about what its file name says, and its lines never say it: "What is
    Lena allergic to?" was answered by the one line naming Lena, "alias:: Lena Hoffmann" (a
    Logseq graph, docs/evaluating.md). Never shown: citations keep the heading path as the
    file has it."""
    if heading_path:
        return [title, *heading_path] if title else list(heading_path)
    title = note_title(path)
    return [title] if title else []


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
    title: str = ""
    """The note's title, embedded above the heading path of a note whose headings start below
    level 1 (`corpus.markdown.untitled_head`); never shown."""

    @property
    def heading(self) -> str:
        return HEADING_SEP.join(self.heading_path)

    @property
    def section(self) -> tuple[str, tuple[str, ...]]:
        """Which section of which note this is: the pieces of a long section share it."""
        return self.path, tuple(self.heading_path)

    def embed_text(self) -> str:
        """What the embedder sees: the heading path (or the note's title, `head`) gives a
        section its context."""
        return embed_text(head(self.heading_path, self.path, self.title), self.context, self.text)

    @property
    def properties(self) -> bool:
        """Whether this is a note's front-matter properties (`PROPERTIES`)."""
        return self.context == PROPERTIES

    def body_lines(self, titled: bool = True) -> list[tuple[int, str]]:
        """Each line that can answer a question on its own, as it is embedded for line evidence:
        (index within `text`, "<heading path>: <line>"). Blank lines and the heading line are
        left out; list markers are dropped. The whole heading path (or the note's title,
        `head`) gives the line its context, as it does the section: under the leaf heading
        alone, a recipe's "Ingredients" lines lacked the dish that its one-line intro
        ("Carbonara: Serves 2.") had, so "carbonara ingredients" was answered "Serves 2."
        (`LINE_TEXT_VERSION`). Not `titled`: the lines alone."""
        lines = self.text.split("\n")
        above = HEADING_SEP.join(head(self.heading_path, self.path, self.title)) if titled else ""
        out: list[tuple[int, str]] = []
        for i, raw in enumerate(lines):
            if not raw.strip() or (i == 0 and self.heading_path and raw.lstrip().startswith("#")):
                continue
            line = raw.strip().lstrip("-*+ ").strip()
            out.append((i, f"{above}: {line}" if above else line))
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
