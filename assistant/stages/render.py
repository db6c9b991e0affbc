"""Stage: render. The answer as plain text, and the closest sections when abstaining."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.models import Citation, Closest
from assistant.output import cite_label
from corpus.models import HEADING_SEP
from index.models import Hit


def closest_of(hits: Sequence[Hit], n: int = 3) -> list[Closest]:
    return [
        Closest(
            path=h.chunk.path,
            heading_path=h.chunk.heading_path,
            start_line=h.chunk.start_line,
            end_line=h.chunk.end_line,
            score=round(h.dense_score if h.dense_score is not None else h.score, 4),
        )
        for h in hits[:n]
    ]


def render_text(
    citations: Sequence[Citation],
    abstained: bool,
    missing: Sequence[str],
    closest: Sequence[Closest],
) -> str:
    """Plain-text answer: quotes as `> ` lines, each followed by its numbered citation."""
    out: list[str] = []
    if missing:
        out.append("Your notes don't mention " + ", ".join(missing) + ".")
    if abstained:
        if not missing:
            out.append("Your notes don't seem to cover this.")
        if closest:
            out.append("Closest matches:")
            out.extend(
                f"  - {cite_label(c.path, c.start_line, c.end_line, c.heading_path)}"
                for c in closest
            )
        return "\n".join(out)
    for c in citations:
        head = HEADING_SEP.join(c.heading_path) or c.path
        if out:
            out.append("")
        out.append(f"From your notes, {head}:")
        out.extend(f"> {line}" for line in c.quote.split("\n"))
        out.append(f"[{c.n}] {cite_label(c.path, c.start_line, c.end_line, c.heading_path)}")
    return "\n".join(out)
