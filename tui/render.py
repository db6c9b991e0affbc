"""Turn answers and note sections into things safe to show: note text is always literal.

Note text may contain Rich/Textual markup (`[bold]`, `[@click=...]`), Markdown (links, emphasis),
ANSI escapes and control characters. Everything shown here is a `rich.text.Text` built by
appending plain strings, never parsed as markup or Markdown.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from assistant.output import HEADING_SEP, safe, span_label
from assistant.stages.render import KEYWORDS_NOTE, NOTHING_MORE, goes_on_note, missing_sentence

if TYPE_CHECKING:
    from assistant.models import Answer, Citation


def note_gone(c: Citation) -> bool:
    """The cited note no longer exists (deleted, moved away, its folder gone): said as such,
    not as a change of its text, under the answer as in the sources panel."""
    return not Path(c.absolute_path).exists()


def cites_any(c: Citation, paths: Collection[str] | None) -> bool:
    """`c` cites a note at or under one of `paths` (notes-relative; "." is every note; None:
    every note)."""
    return paths is None or any(
        p == "." or c.path == p or c.path.startswith(p + "/") for p in paths
    )


def recheck_citation(
    c: Citation, shown: Citation | None = None, paths: Collection[str] | None = None
) -> tuple[Citation, bool, bool]:
    """`c` as its note is now: at the lines its quote is at now (lines added or removed above
    it), whether the note no longer holds the quote (changed) and whether the note is gone.
    A note gone is looked for among `paths` (a refresh's changed notes and folders) and at
    `shown` (where an earlier recheck found it): a renamed or moved note is followed. A quote
    changed after it moved is marked changed at the lines it was last seen at (`shown`). The
    citation returned says `changed_since_indexed` as found now: a note renamed just before
    its answer (cited at its old path, gone) and followed was still previewed as "changed
    since indexed", its file byte for byte the quote's."""
    now, changed, gone = _recheck(c, shown, paths)
    return now.model_copy(update={"changed_since_indexed": changed}), changed, gone


def _recheck(
    c: Citation, shown: Citation | None, paths: Collection[str] | None
) -> tuple[Citation, bool, bool]:
    from assistant.stages.shape import file_lines, relocate

    lines = file_lines(c.absolute_path)
    span = relocate(lines, c.start_line, c.end_line, c.quote)
    gone = lines is None and note_gone(c)
    if gone:
        renamed = follow_rename(c, paths or (), shown.path if shown else None)
        if renamed is not None:
            return renamed, False, False
    if span is None and shown is not None and shown.path == c.path and not gone:
        return shown, True, False  # changed where it was last seen, not at the lines answered
    if span is None or span == (c.start_line, c.end_line):
        return c, span is None, gone
    return c.model_copy(update={"start_line": span[0], "end_line": span[1]}), False, gone


def follow_rename(
    c: Citation, paths: Collection[str], seen_at: str | None = None
) -> Citation | None:
    """`c`, whose note is gone, at the note that holds its quote now: where an earlier recheck
    found it (`seen_at`), or among `paths`: a note path, or a folder (a renamed folder: the
    note at the same place under it, by `c.path` or `seen_at`). None if none does."""
    from assistant.stages.shape import file_lines, relocate

    if not c.absolute_path.endswith(c.path):
        return None
    root = Path(c.absolute_path[: len(c.absolute_path) - len(c.path)])
    names = [c.path] if seen_at in (None, c.path) else [c.path, seen_at]
    tries = names[1:]
    for p in paths:
        if (root / p).is_dir():  # the old folder's part of the path swapped for this one
            for name in names:
                tries += [p + name[len(q) :] for q in paths if name.startswith(q + "/")]
        elif p != c.path:
            tries.append(p)
    for rel in dict.fromkeys(tries):
        span = relocate(file_lines(str(root / rel)), c.start_line, c.end_line, c.quote)
        if span is not None:
            update = {"path": rel, "absolute_path": str(root / rel)}
            return c.model_copy(update={**update, "start_line": span[0], "end_line": span[1]})
    return None


def clean(text: str) -> str:
    """Note text made inert for the terminal: no escapes or control chars; tabs as spaces."""
    return safe(text.expandtabs(4).replace("\r", ""))


def citation_label(c: Citation) -> str:
    return f"[{c.n}] " + clean(span_label(c))


@dataclass(frozen=True)
class Part:
    """One block of an answer as the chat shows it: `kind` is its CSS class ("head", "closest",
    "quote", "label")."""

    kind: str
    text: Text


def answer_parts(answer: Answer) -> list[Part]:
    """The answer as the chat shows it: the outcome, then each quote as its note's lines, exactly
    (indentation, blank lines and runs of spaces kept: a Markdown view collapsed them, and a
    stand-in blank character broke code copied off the screen), followed by its numbered
    citation."""
    parts: list[Part] = []
    said = missing_sentence(answer.missing_terms, answer.missing_elsewhere)
    if answer.abstained or not answer.citations:
        head = Text(NOTHING_MORE if answer.passed_over else "Not in your notes.", style="bold")
        if answer.missing_terms:
            head.append(" " + clean(said))
        parts.append(Part("head", head))
        if answer.closest:
            lines = ["Closest matches (not answers):"] + [
                "  - " + clean(span_label(c)) for c in answer.closest
            ]
            parts.append(Part("closest", Text("\n".join(lines))))
        return parts
    if answer.outcome == "keyword_matches":
        parts.append(Part("head", Text(KEYWORDS_NOTE, style="bold")))
    if answer.missing_terms:
        head = Text("Partly covered. " if answer.outcome == "partly_covered" else "", style="bold")
        head.append(clean(said))
        parts.append(Part("head", head))
    for c in answer.citations:
        parts.append(Part("quote", Text(clean(c.excerpt or c.quote), overflow="fold")))
        label = Text(f"[{c.n}] ", style="bold")
        label.append(clean(span_label(c)))
        label.append(goes_on_note(c), style="italic")
        if c.changed_since_indexed:
            gone = note_gone(c)
            label.append(
                " (deleted since indexed)" if gone else " (changed since indexed)", style="italic"
            )
        parts.append(Part("label", label))
    return parts


def answer_plain(answer: Answer) -> str:
    """The answer with its citations as plain text, for the clipboard."""
    out = [f"Q: {clean(answer.question)}"]
    if answer.searched_query != answer.question:
        out.append(f"(searched for: {clean(answer.searched_query)})")
    out.append("")
    out.append(clean(answer.text))
    return "\n".join(out)


PREVIEW_LINE_CHARS = 4000


def section_text(
    lines: Sequence[str],
    start: int,
    end: int,
    quote_start: int,
    quote_end: int,
) -> Text:
    """Lines start..end (1-based) with line numbers, the quoted lines highlighted. A line
    longer than `PREVIEW_LINE_CHARS` is shown to there, the rest counted: a 290 kB line held
    the window for seconds, and nobody reads it on screen."""
    text = Text(no_wrap=False, overflow="fold")
    width = len(str(end))
    last = min(end, len(lines))
    for n in range(max(start, 1), last + 1):
        quoted = quote_start <= n <= quote_end
        marker = "▌" if quoted else " "
        text.append(marker, style="bold yellow" if quoted else "")
        text.append(f"{n:>{width}} ", style="bold" if quoted else "dim")
        line = lines[n - 1]
        text.append(clean(line[:PREVIEW_LINE_CHARS]), style="bold on grey23" if quoted else "")
        if len(line) > PREVIEW_LINE_CHARS:
            text.append(f" … ({len(line) - PREVIEW_LINE_CHARS:,} more characters)", style="dim")
        if n < last:
            text.append("\n")
    return text


def plain(text: str, style: str = "") -> Text:
    """Note-derived text as a Text that is never parsed as markup."""
    return Text(clean(text), style=style)


def join_heading(heading_path: Sequence[str]) -> str:
    return HEADING_SEP.join(heading_path)
