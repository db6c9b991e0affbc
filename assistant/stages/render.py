"""Stage: render. The answer as plain text, and the closest sections when abstaining."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.models import Citation, Closest, Outcome
from assistant.output import cut, span_label
from corpus.models import HEADING_SEP
from index.models import Hit

KEYWORDS_NOTE = (
    "Keyword matches only: the index is still being built, so these sections contain your "
    "words but are not yet checked for meaning."
)


def closest_of(hits: Sequence[Hit], n: int = 3) -> list[Closest]:
    """The first `n` distinct sections among the hits, each at its best piece's span: the
    pieces of a long section (and of one over-long line) would otherwise fill the list with
    one section, its heading line alone among them."""
    out: list[Closest] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for h in hits:
        c = h.chunk
        if len(out) == n:
            break
        if c.section in seen:
            continue
        seen.add(c.section)
        score = h.dense_score if h.dense_score is not None else h.score
        out.append(
            Closest(
                path=c.path,
                heading_path=c.heading_path,
                start_line=c.start_line,
                end_line=c.end_line,
                score=round(score, 4),
            )
        )
    return out


def missing_sentence(missing: Sequence[str], elsewhere: Sequence[str] = ()) -> str:
    """ "Your notes don't mention X." and/or "The sections found don't mention Y." """
    absent = [cut(t, 40) for t in missing if t not in elsewhere]  # a pasted blob's "word"
    local = [cut(t, 40) for t in missing if t in elsewhere]
    out = []
    if absent:
        out.append("Your notes don't mention " + ", ".join(absent) + ".")
    if local:
        out.append("The sections found don't mention " + ", ".join(local) + ".")
    return " ".join(out)


NOTHING_MORE = "Nothing more in your notes than the last answer quoted."
"""What a "tell me more" follow-up says when the sections left answer it no better than the
notes answer an uncovered question ("Not in your notes." read as if the subject had vanished,
while the closest matches listed more about it)."""


def render_text(
    citations: Sequence[Citation],
    abstained: bool,
    missing: Sequence[str],
    closest: Sequence[Closest],
    elsewhere: Sequence[str] = (),
    outcome: Outcome = "answered",
    more: bool = False,
) -> str:
    """Plain-text answer: the outcome when it is not a plain answer ("Not in your notes.",
    "Partly covered.", `KEYWORDS_NOTE`), then quotes as `> ` lines, each followed by its
    numbered citation. `more`: a follow-up asking for more than the last answer quoted,
    where not covered means nothing further (`NOTHING_MORE`)."""
    out: list[str] = [KEYWORDS_NOTE] if outcome == "keyword_matches" else []
    said = missing_sentence(missing, elsewhere)
    if abstained:
        out.append(" ".join([NOTHING_MORE if more else "Not in your notes.", said]).strip())
        if closest:
            out.append("Closest matches (not answers):")
            out.extend(f"  - {span_label(c)}" for c in closest)
        return "\n".join(out)
    if said:
        out.append(("Partly covered. " if outcome == "partly_covered" else "") + said)
    for c in citations:
        head = HEADING_SEP.join(c.heading_path) or c.path
        if out:
            out.append("")
        out.append(f"From your notes, {head}:")
        out.extend(f"> {line}" for line in (c.excerpt or c.quote).split("\n"))
        out.append(f"[{c.n}] {span_label(c)}{goes_on_note(c)}")
    return "\n".join(out)


def goes_on_note(c: Citation) -> str:
    """What a citation's label adds when its quote stops inside a table, list or code block
    that goes on (`Citation.continues_to`)."""
    return f" (goes on to line {c.continues_to})" if c.continues_to else ""
