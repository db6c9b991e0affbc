"""Stage: shape quotes. Which whole lines of a section are quoted.

Every quote is a verbatim run of whole lines of one section of one note. Functions that take
a `why` list append the name of each rule that moved the span, for `ask --explain`. What a
line is (heading, fence, code, list item and its parent, table row and its header) comes
from the note's Markdown parse, `corpus.lines.LineRoles`, read once per cited file per answer
(`NoteReader`); `lines` and `roles` are indexed alike (a chunk's lines and its roles shifted to
its first line, or a whole file's).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from assistant.models import Citation
from assistant.options import DEFAULT_OPTIONS, AnswerOptions
from assistant.stages.evidence import is_navigation, query_lines
from corpus.dates import stamped_days
from corpus.lines import LineRoles
from corpus.markdown import (
    introduces,
    link_definition,
    only_links,
    only_markup,
    only_tags,
    points_elsewhere,
    says_nothing,
    titles_block,
)
from corpus.models import Chunk
from corpus.read import NoteReadError, read_note, split_lines
from index.models import Hit


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _body_end(lines: Sequence[str], roles: LineRoles, i: int, last: int) -> int | None:
    """The last line of the block indented under line `i` of a code block (blank lines inside
    it aside), up to line `last`; None when no line under it is indented deeper (the body
    rule: "Host docker01" was quoted alone, its "User me" the next line)."""
    if not roles.in_code(i) or not lines[i].strip():
        return None
    end = None
    for j in range(i + 1, min(last, len(lines) - 1) + 1):
        if not roles.in_code(j):
            break
        if not lines[j].strip():
            continue
        if _indent(lines[j]) <= _indent(lines[i]):
            break
        end = j
    return end


def _open_block_end(
    lines: Sequence[str], roles: LineRoles, s: int, e: int, hi: int, last: int
) -> int | None:
    """The end of the first block in code, opened by a line from `s` to `e`, that `e` ends
    inside and that ends by line `last` (a compose file's service quoted from its name down to
    its volumes, its "ports:" after them); None for none."""
    for j in range(s, e):
        b = _body_end(lines, roles, j, hi)
        if b is not None and e < b <= last:
            return b
    return None


def parent_start(roles: LineRoles, i: int, floor: int) -> int:
    """The first line of the outermost list item that list item `i` is nested in, at or
    after `floor` (within the chunk); `i` itself if it is no nested item."""
    start, parent = i, roles.parent_item(i)
    while parent is not None and parent >= floor:
        start, parent = parent, roles.parent_item(parent)
    return start


_PROPERTY = re.compile(r"\s*[A-Za-z][\w-]*::(?:\s|$)")
"""A Logseq page's or block's property line: "tags:: health", "alias:: k8s"."""


def _outline_items(
    lines: Sequence[str], roles: LineRoles, lo: int, hi: int, parent: int | None = None
) -> list[tuple[int, int]]:
    """The top-level list items (first line, last line) of an outline: a section whose body
    from `lo` to `hi` is two or more top-level list items and what they hold, some of them
    items of their own (a Logseq page, a daily journal of bullets), after any property lines
    ("tags:: health") and blank ones, which are an item of their own, the page's (the best
    line can be one: "source:: Meera's mum"); [] for any other section, a flat list too.
    With `parent`, the items nested in that one (from `lo` to `hi`, its lines below it).
    An outline of one top-level item (Workflowy's and Dynalist's exports: "- Life admin" over
    everything) is read at the first level of two or more items, the single items above them
    no item (the note's title, as a rule: "- Learning Rust" in `Learning Rust.md`): the rule
    never applied there, and the quote stopped at the parent bullets above the one that
    answered."""

    def level(lo: int, parent: int | None) -> list[int]:
        return [i for i in range(lo, hi + 1) if roles.is_item(i) and roles.parent_item(i) == parent]

    starts = level(lo, parent)
    if not starts:
        return []
    if parent is None and any(
        lines[i].strip() and not _PROPERTY.match(lines[i]) for i in range(lo, starts[0])
    ):
        return []
    while len(starts) == 1:
        lo = starts[0] + 1
        starts = level(lo, starts[0])
    if len(starts) < 2:
        return []
    if not any(roles.parent_item(i) in starts for i in range(lo, hi + 1) if roles.is_item(i)):
        return []  # a flat list: its items are one fact each, quoted together as a section
    return _spans(starts, lo, hi)


def _entries(lines: Sequence[str], roles: LineRoles, lo: int, hi: int) -> list[tuple[int, int]]:
    """The entries (first line, last line) of a journal kept in one file: two or more lines
    from `lo` to `hi` that start with a day ("[2025-03-14 09:12] Pi day…"), each entry up to
    the next; any lines before the first are an item of their own. [] for any other text. Not
    lines of code: a fenced log of "2026-10-04  39/50" lines is one block ("What were my
    practice scores?" quoted the note down to the fence's first line, no score)."""
    stamped = stamped_days(lines[lo : hi + 1])
    starts = [lo + i for i, _ in stamped if not roles.in_code(lo + i)]
    return _spans(starts, lo, hi) if len(starts) >= 2 else []


def _spans(starts: Sequence[int], lo: int, hi: int) -> list[tuple[int, int]]:
    """Items (first line, last line) each from one of `starts` up to the next, the last to
    `hi`; the lines from `lo` before the first, if any, are an item of their own."""
    items = [(a, b - 1) for a, b in zip(starts, [*starts[1:], hi + 1], strict=True)]
    return [(lo, starts[0] - 1), *items] if starts[0] > lo else items


def _best_in(items: Sequence[tuple[int, int]], line_scores: dict[int, float]) -> int | None:
    """The best scored line inside the items (None: none of their lines is scored)."""
    inside = [i for i in line_scores if any(a <= i <= b for a, b in items)]
    return max(inside, key=line_scores.__getitem__) if inside else None


def _best_items(
    items: Sequence[tuple[int, int]], line_scores: dict[int, float], opts: AnswerOptions
) -> tuple[int, int] | None:
    """The outline rule's span: the item of the best line among them, whole, with the items
    next to it that hold a line within `quote_window` of it, while the whole stays within
    `max_quote_lines`; None when the best line's item alone is longer, or when no line of
    theirs is scored."""
    best_i = _best_in(items, line_scores)
    if best_i is None:
        return None
    floor = line_scores[best_i] - opts.quote_window
    at = next(k for k, (a, b) in enumerate(items) if a <= best_i <= b)
    good = {k for k, (a, b) in enumerate(items) if any(
        a <= i <= b and v >= floor for i, v in line_scores.items())}  # fmt: skip
    first = last = at
    if items[at][1] - items[at][0] + 1 > opts.max_quote_lines:
        return None
    while first - 1 in good and items[last][1] - items[first - 1][0] < opts.max_quote_lines:
        first -= 1
    while last + 1 in good and items[last + 1][1] - items[first][0] < opts.max_quote_lines:
        last += 1
    return items[first][0], items[last][1]


def _outline_span(
    lines: Sequence[str],
    roles: LineRoles,
    items: Sequence[tuple[int, int]],
    line_scores: dict[int, float],
    opts: AnswerOptions,
) -> tuple[int, int] | None:
    """`_best_items`, or, when the best line's item is too long to quote whole, the same
    rule over the items nested in it ("- Billing platform", 19 lines: its "- Phase 3:
    decommission" with the retention period under it, not one bullet of it)."""
    span = _best_items(items, line_scores, opts)
    best_i = _best_in(items, line_scores)
    if span is not None or best_i is None:
        return span
    a, b = next((a, b) for a, b in items if a <= best_i <= b)
    nested = _outline_items(lines, roles, a + 1, b, parent=a) if roles.is_item(a) else []
    return _outline_span(lines, roles, nested, line_scores, opts) if nested else None


def quote_span(
    chunk: Chunk,
    line_scores: dict[int, float],
    roles: LineRoles | None = None,
    opts: AnswerOptions = DEFAULT_OPTIONS,
    why: list[str] | None = None,
    terms: Sequence[str] = (),
) -> tuple[int, int]:
    """1-based inclusive line span of the quote inside `chunk`: whole lines, one run.

    The heading line and any blank lines, thematic breaks, (the comment rule) lines of
    nothing but HTML comment or (the markup rule) of tags or macros alone at either end are
    left out (the citation names the heading). A
    short section is quoted whole; in a longer one the quote runs from the first to the last
    line that is nearly as close to the question as its best line (at most
    `max_quote_lines`), starting at the parent item of a nested list item so the item keeps
    its context, at the header row of a table, at a callout's title or at the fence of a code
    block, and never ending on a list of links. `roles`: the roles of the chunk's lines, its
    first line as 0 (the file's, shifted: a later piece of a long code block starts inside
    it); by default those of the chunk's own text.
    """
    why = why if why is not None else []
    n = opts.max_quote_lines
    lines = chunk.text.split("\n")
    roles = roles if roles is not None else LineRoles.of(lines, front_matter=False)
    lo = 0
    while chunk.heading_path and lo < len(lines) - 1 and roles.is_heading(lo):
        lo += 1  # the heading: ATX, or a setext heading's text and underline
    hi = len(lines) - 1

    queries = query_lines(lines, roles) if opts.markup and "`" in chunk.text else set()

    def silent(i: int) -> bool:  # blank, a thematic break ("------"), an HTML comment, markup,
        # a notes app's query block ("```dataview" … "```": its results show there, not it)
        return (
            says_nothing(lines[i])
            or (opts.comments and roles.is_comment(i))
            or (opts.markup and only_markup(lines[i]) and not roles.in_code(i))
            or i in queries
        )

    def tags(i: int) -> bool:  # a line of #tags alone (Bear's, under the title): no start
        return opts.links and only_tags(lines[i]) and not roles.in_code(i)

    tab = _tab_of(lines, line_scores, lo, hi, opts, terms) if opts.tabs else None
    if tab is not None:  # the tab rule: the content tab asked of or holding the best line
        (lo, hi), what = tab
        why.append(f"tab: the content tab {what}")
    while lo < hi and (silent(lo) or tags(lo)):
        lo += 1
    while hi > lo and silent(hi):
        hi -= 1
    piece = bool(lines) and not roles.is_heading(0)  # a later piece of a long section
    if (
        opts.outline
        and line_scores
        and (len(chunk.heading_path) <= 1 or (opts.outline_sections and piece))
    ):
        items = _outline_items(lines, roles, lo, hi)
        what = "top-level items" if items else "journal entries"
        items = items or _entries(lines, roles, lo, hi)
        span = _outline_span(lines, roles, items, line_scores, opts) if items else None
        if span is not None:
            s, e = span
            while e > s and silent(e):
                e -= 1
            why.append(
                f"outline: the {what} holding the best lines, lines "
                f"{chunk.start_line + s}-{chunk.start_line + e}"
            )
            return chunk.start_line + s, chunk.start_line + e
    windowed = opts.piece_window and piece  # no whole headed section: near its best line
    if (hi - lo + 1 <= n and not stands_out(line_scores, opts) and not windowed) or not line_scores:
        fits = hi - lo + 1 <= n
        whole = (  # a later piece of a section split for the model starts under no heading
            "the section"
            if not chunk.heading_path or roles.is_heading(0)
            else f"this piece (lines {chunk.start_line}-{chunk.end_line}) of a longer section"
        )
        why.append(f"whole: {whole} fits in {n} lines" if fits else f"first {n} lines")
        e = _through_code(lines, roles, lo, min(hi, lo + n - 1), hi, opts, why)
        e = _complete(lines, roles, lo, e, hi, opts, why)
        e = _trim_links(lines, roles, lo, e, opts, why)
        e = _sentence_end(lines, roles, lo, e, lo, hi, opts, why, chunk.start_line)
        return chunk.start_line + lo, chunk.start_line + e
    best_i = max(line_scores, key=lambda i: line_scores[i])
    if hi - lo + 1 <= n and windowed:
        why.append("piece-window rule: a piece of no whole headed section, quoted near its best")
    elif hi - lo + 1 <= n:
        why.append(f"one-line rule: the best line leads the next by {opts.one_line} or more")
    good = [i for i, v in line_scores.items() if v >= line_scores[best_i] - opts.quote_window]
    why.append(
        f"best line {chunk.start_line + best_i} ({line_scores[best_i]:.2f}) and lines within "
        f"{opts.quote_window} of it"
    )
    s = parent_start(roles, best_i, lo)
    if best_i - s >= n:  # a parent too far above leaves the best line out: start at it
        s = best_i
    if s != best_i:
        why.append(f"start: parent list item, line {chunk.start_line + s}")
    e = best_i
    for i in sorted(good):
        if i < s and best_i - i < n:
            s = min(s, parent_start(roles, i, lo))
        if i > e and i - s < n:
            e = i
    s = max(s, lo)
    t = _room_for_paragraph(lines, roles, s, best_i, hi, opts)
    if t != s:
        s = t
        e = max([best_i] + [i for i in good if best_i < i < s + n])
        what = "code block" if roles.in_code(best_i) else "paragraph"
        why.append(f"start: line {chunk.start_line + s}, room for the best line's {what}")
    # A quote from inside a code block starts at its fence, one from a table's rows at its
    # header row (what each column means), one inside a callout at its title ("> [!danger]
    # Database failover"), one at a flashcard's answer at its question, when that still
    # leaves room for the best line.
    head, kind = roles.fence_open(s), "code fence"
    if head is None:
        head, kind = roles.table_header(s), "table header row"
    if head is None:
        head, kind = roles.callout_title(s), "callout title"
    if head is None:
        head, kind = question_above(lines, s, lo), "question of the answer"
    if head is None and opts.attribution:
        head, kind = quoted_above(lines, s, lo), "the passage it attributes"
    if head is None and opts.labels:
        head, kind = label_above(lines, roles, s, lo), "the label it is under"
    if head is not None and lo <= head < s and best_i - head < n:
        s = head
        why.append(f"start: {kind}, line {chunk.start_line + s}")
    e = min(max(e, s), s + n - 1, hi)
    if opts.attribution and e < hi and e - s + 1 < n and attributes(lines, e + 1):
        e += 1
        why.append(f"end: line {chunk.start_line + e}, the passage's attribution")
    if opts.block_body and e == best_i and (b := _body_end(lines, roles, best_i, s + n - 1)):
        e = min(b, hi)
        why.append(f"end: line {chunk.start_line + e}, the block indented under the best line")
    elif opts.block_body and (b := _open_block_end(lines, roles, s, e, hi, s + n - 1)):
        e = b  # "radarr:" down to "./radarr:/config" stopped short of its "ports:"
        why.append(f"end: line {chunk.start_line + e}, the block indented under a quoted line")
    while e > s and silent(e):
        e -= 1
    e = _comment_command(lines, roles, s, e, hi, opts, why)
    e = _through_code(lines, roles, s, e, hi, opts, why)
    e = _complete(lines, roles, s, e, hi, opts, why)
    e = _trim_links(lines, roles, s, e, opts, why)
    s, e = _next_command(lines, roles, s, e, best_i, hi, opts, why)
    t = _sentence_start(lines, roles, s, lo)
    if t != s and opts.sentence_start:
        if s < best_i and ends_sentence(lines[s]):  # only the end of a sentence begun above
            s += 1
            while s < best_i and says_nothing(lines[s]):
                s += 1
            why.append(f"start: line {chunk.start_line + s}, after a sentence begun above ends")
        elif e - t + 1 <= _length_limit(s, e, opts):
            why.append(
                f"start: line {chunk.start_line + t}, where the first line's sentence begins"
            )
            s = t
        else:  # too far back: the line it begins in, after another sentence's end, may fit
            m = next((j for j in range(s - 1, t - 1, -1) if _SENTENCE_INSIDE.search(lines[j])), s)
            if m != s and e - m + 1 <= _length_limit(s, e, opts):
                why.append(
                    f"start: line {chunk.start_line + m}, where the first line's sentence "
                    "begins, after the end of another"
                )
                s = m
    e = _sentence_end(lines, roles, s, e, best_i, hi, opts, why, chunk.start_line)
    return chunk.start_line + s, chunk.start_line + e


_SENTENCE_INSIDE = re.compile(r"[.!?][\"')\]*_`]*\s+[\"'(\[*_`]*[A-Z]")
"""A sentence ending inside a line and the next beginning ("... more obscure. Fortunately")."""


def ends_sentence(line: str) -> bool:
    """A line of prose whose last word ends a sentence (".", "!", "?", ":" or ";", closing
    marks after it aside: `"`, `)`, a backtick, emphasis)."""
    return bool(_SENTENCE_END.search(line.rstrip()))


_SENTENCE_END = re.compile(r"[.!?:;][\"')\]*_`]*$")


def _sentence_end(
    lines: Sequence[str],
    roles: LineRoles,
    s: int,
    e: int,
    floor: int,
    hi: int,
    opts: AnswerOptions,
    why: list[str],
    at: int,
) -> int:
    """The sentence rule at a quote's end: a quote `s`..`e` whose last line is prose stopping
    mid-sentence while its paragraph goes on (the length limit cut it: "...you'll see there is
    only one commit in the") ends where that sentence does, while the quote stays within
    `code_after_paragraph` lines; else after the last line at or past `floor` (its best line)
    that ends a sentence or a block; else as it was, and where no sentence ends in the rest of
    the paragraph (notes of unpunctuated lines: "melt butter, soften veg 10 min").
    `at`: the file's number of line 0."""
    if not opts.sentence_start or e >= hi or _structural(roles, e) or ends_sentence(lines[e]):
        return e
    if says_nothing(lines[e]) or not lines[e + 1].strip() or _structural(roles, e + 1):
        return e
    cap = max(opts.max_quote_lines, opts.code_after_paragraph)
    rest = range(e + 1, _paragraph_end(lines, roles, e, hi) + 1)
    j = next((k for k in rest if ends_sentence(lines[k])), None)
    if j is None:
        return e  # no sentence ends in the rest of the paragraph: no prose of sentences
    if j - s < cap:
        why.append(f"end: line {at + j}, where the last line's sentence ends")
        return j
    for k in range(e - 1, max(floor, s) - 1, -1):
        if says_nothing(lines[k]):
            continue
        if ends_sentence(lines[k]) or roles.is_fence(k) or not lines[k + 1].strip():
            why.append(f"end: line {at + k}, after the last sentence it holds whole")
            return k
    return e


def _sentence_start(lines: Sequence[str], roles: LineRoles, i: int, floor: int) -> int:
    """The first line, at or after `floor`, of the sentence line `i` opens in: back through
    the lines of its paragraph (or list item) above it until one ends a sentence. `i` if it
    starts no wrapped sentence (a blank line, a heading, code, a table row or a list item's
    first line above it, or `i` itself one of those)."""
    if not lines[i].strip() or _structural(roles, i) or roles.is_fence(i):
        return i
    while i > floor:
        prev = i - 1
        if (
            not lines[prev].strip()
            or ends_sentence(lines[prev])
            or roles.is_heading(prev)
            or roles.is_fence(prev)
            or roles.in_code(prev)
            or roles.in_table(prev)
        ):
            break
        i = prev
        if roles.is_item(i):
            break  # the list item's first line: its text starts here
    return i


_ANSWER = re.compile(r"[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?A(?:nswer)?(?:\*\*|__)?[ \t]*[:.)]")
_QUESTION = re.compile(r"[ \t]*(?:[-*+][ \t]+)?(?:\*\*|__)?Q(?:uestion)?(?:\*\*|__)?[ \t]*[:.)]")


def question_above(lines: Sequence[str], i: int, lo: int) -> int | None:
    """The "Q: …" line a flashcard's or FAQ's "A: …" line `i` answers (blank lines between
    aside), if any: "which organelle is the site of photosynthesis?" quoted "A: Site of
    photosynthesis; contains chlorophyll…" alone, the organelle named on its Q: line."""
    if not _ANSWER.match(lines[i]):
        return None
    j = i - 1
    while j >= lo and not lines[j].strip():
        j -= 1
    return j if j >= lo and _QUESTION.match(lines[j]) else None


_ATTRIBUTION = re.compile(r"\s*(?:—|–|―|--|~)\s*\S")
"""A line attributing a passage ("— Seneca, *Letters from a Stoic*, p. 43")."""
_BLOCK_QUOTE = re.compile(r" {0,3}>")


def attributes(lines: Sequence[str], i: int) -> bool:
    """Line `i` attributes the block-quoted passage right above it (a commonplace book's
    "> Nothing is ours, except time." over "— Seneca, Letter 1")."""
    return (
        0 < i < len(lines)
        and bool(_ATTRIBUTION.match(lines[i]))
        and bool(_BLOCK_QUOTE.match(lines[i - 1]))
    )


def quoted_above(lines: Sequence[str], i: int, lo: int) -> int | None:
    """The first line of the block-quoted passage that line `i` attributes (the attribution
    rule: "what did Hemingway write about defeat?" quoted "— Hemingway, [[The Old Man and the
    Sea]]" without the passage above it), or None."""
    if not attributes(lines, i):
        return None
    j = i - 1
    while j > lo and _BLOCK_QUOTE.match(lines[j - 1]):
        j -= 1
    return j


_LABEL_WORDS = 5
"""The most words of a label line ("KAREN:", "Ingredients for the dough:")."""
_BOLD_LINE = re.compile(r"(\*\*|__)[^*_\n]+\1:?")
"""A line of nothing but bold text: a label as a heading is ("**Cooper's (COHA)**" over "- tail
**rounded**"), which the label rule reads as one ending in ":"."""


def label_above(lines: Sequence[str], roles: LineRoles, i: int, lo: int) -> int | None:
    """The label line that line `i` is written under, if any: the nearest line above it, in
    the same block (no blank line between), less indented than it (or, for a list item, not
    a list item), that is a short label ending in ":" ("KAREN:" over "  levothyroxine 50mcg";
    "Ingredients:" over "- flour") or all bold ("**Cooper's (COHA)**" over "- tail rounded":
    the quote started at the tail, which hawk it tells of left out). The label rule: "What
    are Karen's allergies?" quoted a plain-text medication note's lines from the one under
    "ME:", the penicillin allergy read as Karen's."""
    if not lines[i].strip() or roles.in_code(i) or roles.is_heading(i):
        return None
    deep, item = _indent(lines[i]), roles.is_item(i)
    for j in range(i - 1, lo - 1, -1):
        if not lines[j].strip() or roles.in_code(j) or roles.is_heading(j) or roles.in_table(j):
            return None
        if _indent(lines[j]) < deep or (item and not roles.is_item(j)):
            text = lines[j].strip()
            short = len(text.split()) <= _LABEL_WORDS
            return j if short and (text.endswith(":") or _BOLD_LINE.fullmatch(text)) else None
    return None


def stands_out(line_scores: dict[int, float], opts: AnswerOptions) -> bool:
    """The one-line rule: among four or more scored lines of a short section, the best leads
    the next by `one_line` or more, so it is quoted with what its structure asks (its table's
    header row, its card's question), not the whole section."""
    top = sorted(line_scores.values(), reverse=True)
    return bool(opts.one_line) and len(top) >= 4 and top[0] - top[1] >= opts.one_line


def _length_limit(s: int, e: int, opts: AnswerOptions) -> int:
    """How long a quote `s`..`e` may grow at its start: `max_quote_lines`, or the paragraph
    rule's `code_after_paragraph` for a quote already longer (a paragraph and its block)."""
    n = opts.max_quote_lines
    return n if e - s + 1 <= n else max(n, opts.code_after_paragraph)


def command_piece(
    chunk: Chunk,
    line_scores: dict[int, float],
    roles: LineRoles,
    span: tuple[int, int],
    opts: AnswerOptions = DEFAULT_OPTIONS,
    why: list[str] | None = None,
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The command rule: a how-to note's answer is often the command its prose introduces
    further down ("We can run the following substitution command:"), past where the quote
    `span` (1-based, in `chunk`) stops. If a code block after the quote closes within the
    chunk and the paragraph before it (after the best line's own) ends on a lead-in and holds
    a line within `command_window` of the section's best line, the best such paragraph and its
    block become a second quote, and the first becomes the best line's paragraph (as much of
    it as fits before the second and beside it in `max_quote_lines`). A best line in a code
    block keeps its whole block (and its lead-in) as the first quote: a note often shows the
    error the question repeats ("rm: Argument list too long") before the command that
    answers. None if no paragraph qualifies, the two do not fit, or the best line is outside
    the quote, in a table or a list item."""
    if not opts.command_piece or not line_scores:
        return None
    lines = chunk.text.split("\n")
    s, e = span[0] - chunk.start_line, span[1] - chunk.start_line
    hi, n = len(lines) - 1, opts.max_quote_lines
    best_i = max(line_scores, key=lambda i: line_scores[i])
    fence = roles.fence_open(best_i) if roles.in_code(best_i) else None
    block_end = roles.fence_close(best_i) if fence is not None else None
    if fence is not None and block_end is not None and block_end <= hi and s <= best_i <= e:
        lead = _lead_in_before(lines, roles, fence, s)
        s = lead[0] if lead else fence  # a block shown before the command that answers
        para_end = block_end
    elif _structural(roles, best_i) or not s <= best_i <= e:
        return None  # the best line is a table row or a list item (the rows or items around
        # it are no paragraph to cut to), in an unclosed block, or not quoted
    else:
        para_end = _paragraph_end(lines, roles, best_i, hi)
    floor = line_scores[best_i] - opts.command_window
    found: list[tuple[float, int, int]] = []  # (score, paragraph start, block end)
    for j in range(e + 1, hi + 1):  # each code block that opens after the quote
        close = roles.fence_close(j) if roles.fence_open(j) == j else None
        if close is None or close > hi:
            continue
        lead_in = _lead_in_before(lines, roles, j, para_end + 1)
        if lead_in is None:
            continue  # no paragraph of its own before the block, or it introduces nothing
        p, lead = lead_in
        scored = [line_scores[k] for k in range(p, lead + 1) if k in line_scores]
        if scored and max(scored) >= floor:
            found.append((max(scored), p, close))
    if not found:
        return None
    _, p, close = max(found)
    room = min(e, p - 1, s + n - (close - p + 1) - 1)  # the last line the first quote may keep
    if best_i > room or (block_end is not None and room < para_end):
        return None  # the two would not fit in max_quote_lines
    cut = min(para_end, room)
    if opts.sentence_start and cut < para_end:  # the paragraph does not fit: end a sentence
        cut = next(
            (
                k
                for k in range(cut, best_i - 1, -1)
                if ends_sentence(lines[k]) and not introduces(lines[k])
            ),
            cut,
        )
    if why is not None:
        why.append(
            f"command rule: the lead-in at line {chunk.start_line + p} and its code block "
            f"quoted too (first quote cut at line {chunk.start_line + cut})"
        )
    first = (chunk.start_line + s, chunk.start_line + cut)
    return first, (chunk.start_line + p, chunk.start_line + close)


def _room_for_paragraph(
    lines: Sequence[str], roles: LineRoles, s: int, best_i: int, hi: int, opts: AnswerOptions
) -> int:
    """The best-paragraph rule: where a quote of the lines near its best one should start so
    that the best line's paragraph, and the code block right after it, still fit (the paragraph
    within `max_quote_lines`, the block within `code_after_paragraph`, as the paragraph rule
    asks). Lines just as close to the question before it pull the start back until the best
    line is the quote's last, cut mid-sentence before the command it introduces; then the
    start moves on to a later paragraph, never past the best line's own. A best line in a
    fenced code block needs its whole block within `max_quote_lines` (else the block, best
    line and all, is left out), the start going no further than the block's lead-in or fence;
    from there the block may close within `code_after_paragraph`, as a paragraph's may. A
    best line ending a paragraph with a question (the question rule) needs room for the
    block after it, its answer, within `max_quote_lines`.
    `s` if it fits already, if no later start makes it fit, for a best line in a list or a
    table, or with the rule off."""
    cap = opts.code_after_paragraph
    if not opts.best_paragraph or not cap:
        return s
    fence = roles.fence_open(best_i) if roles.in_code(best_i) else None
    code = fence is not None
    if fence is not None:
        # the best line is code: room for its whole block, from its fence or lead-in on
        close = roles.fence_close(best_i)
        if close is None or close > hi:
            return s
        lead_in = _lead_in_before(lines, roles, fence, s)
        first = lead_in[0] if lead_in else fence
        end = want = close
    elif _structural(roles, best_i):
        return s
    else:
        first = _paragraph_start(lines, roles, best_i, s)
        end = _paragraph_end(lines, roles, best_i, hi)
        block = _block_after(lines, roles, end, hi)
        want = end if block is None else block
        if opts.question_run_on and block is None and asks_question(lines[end]):
            answer = _answer_end(lines, roles, end, hi)
            if answer is not None:  # room for its answer too, within max_quote_lines
                want, cap = answer, min(cap, opts.max_quote_lines)

    def fits(t: int) -> bool:
        if code and t == first:  # a block from its lead-in or fence: the paragraph rule's cap
            return want - t + 1 <= cap
        return end - t + 1 <= min(cap, opts.max_quote_lines) and want - t + 1 <= cap

    if fits(s):
        return s
    for t in range(s + 1, first + 1):
        if _opens(lines, roles, t, first) and not roles.in_code(t) and fits(t):
            return t
    return s


def _opens(lines: Sequence[str], roles: LineRoles, t: int, *starts: int) -> bool:
    """A quote may open at line `t`: one of `starts`, or a line after a blank one outside
    code, where a paragraph opens; never a blank line."""
    after_blank = not lines[t - 1].strip() and not roles.open_after(t - 1)
    return (t in starts or after_blank) and bool(lines[t].strip())


_CODE_COMMENT = re.compile(r"[ \t]*(?:#(?![!#])|//|--(?!-)|;|%|REM\b|rem\b)")
"""A comment line of code: "# delete local branches that are gone on remote"."""


def _comment_command(
    lines: Sequence[str],
    roles: LineRoles,
    s: int,
    e: int,
    hi: int,
    opts: AnswerOptions,
    why: list[str],
) -> int:
    """The next-command rule inside code: a quote ending on a comment in a code block runs on
    through the command under it, to the next blank or comment line ("How do I delete local
    git branches that are gone on the remote?" of a cheat sheet's 24-line block ended on "#
    delete local branches that are gone on remote", its `git fetch -p && …` left out)."""
    if not opts.next_command or not roles.in_code(e) or not _CODE_COMMENT.match(lines[e]):
        return e
    end = e
    while (
        end < hi
        and end + 1 - s < opts.max_quote_lines
        and roles.in_code(end + 1)
        and lines[end + 1].strip()
        and not _CODE_COMMENT.match(lines[end + 1])
    ):
        end += 1
    if end != e:
        why.append("end: the command under the code comment it ended on")
    return end


def _next_command(
    lines: Sequence[str],
    roles: LineRoles,
    s: int,
    e: int,
    best_i: int,
    hi: int,
    opts: AnswerOptions,
    why: list[str],
) -> tuple[int, int]:
    """The next-command rule (`AnswerOptions.next_command`): `s`..`e` ending with the best
    line's paragraph, and the block after it when that holds code (a paragraph with inline
    code, and the code block it introduces, or a code block), the start moved to a later
    paragraph if needed to fit the paragraph rule's limits. (`s`, `e`) if not."""
    if not opts.next_command or e >= hi or not s <= best_i <= e:
        return s, e
    if _structural(roles, best_i) and not roles.is_item(best_i):  # a list's last item may
        return s, e  # say what the block after the list does ("4. Monthly: rclone to the SSD")
    if _paragraph_end(lines, roles, best_i, hi) != e or lines[e + 1].strip():
        return s, e
    j = e + 1
    while j <= hi and not lines[j].strip():
        j += 1
    if j > hi or roles.is_heading(j) or roles.is_item(j) or roles.in_table(j):
        return s, e
    if roles.fence_open(j) == j:
        close = roles.fence_close(j)
        if close is None or close > hi:
            return s, e
        prose_end, end = e, close
    else:
        if roles.in_code(j):
            return s, e
        prose_end = _paragraph_end(lines, roles, j, hi)
        block = _block_after(lines, roles, prose_end, hi)
        if block is None and not any("`" in lines[k] for k in range(j, prose_end + 1)):
            return s, e  # prose without code: not the command
        end = prose_end if block is None else block
    first = _paragraph_start(lines, roles, best_i, s)
    cap = max(opts.max_quote_lines, opts.code_after_paragraph)

    def fits(t: int) -> bool:
        return prose_end - t + 1 <= opts.max_quote_lines and end - t + 1 <= cap

    for t in range(s, first + 1):
        if _opens(lines, roles, t, s, first) and not roles.in_code(t) and fits(t):
            why.append(
                "next command: the block after the best line's paragraph holds code"
                + (", start moved to a later paragraph" if t != s else "")
            )
            return t, end
    return s, e


def _block_after(lines: Sequence[str], roles: LineRoles, i: int, hi: int) -> int | None:
    """The closing fence, at most `hi`, of a code block that opens right after line `i`
    (blank lines between aside): the block a paragraph ending at `i` introduces."""
    j = i + 1
    while j <= hi and not lines[j].strip():
        j += 1
    if j <= hi and roles.fence_open(j) == j:
        close = roles.fence_close(j)
        if close is not None and close <= hi:
            return close
    return None


def _lead_in_before(
    lines: Sequence[str], roles: LineRoles, fence: int, floor: int
) -> tuple[int, int] | None:
    """(first, last) line of the paragraph right above the code block opening at `fence`
    (blank lines between aside), at or after `floor`, if it is prose ending on a lead-in
    ("We can run the following command:"); None otherwise."""
    lead = fence - 1
    while lead >= floor and not lines[lead].strip():
        lead -= 1
    if lead < floor or _structural(roles, lead) or not introduces(lines[lead]):
        return None
    return _paragraph_start(lines, roles, lead, floor), lead


def _paragraph_end(lines: Sequence[str], roles: LineRoles, i: int, last: int) -> int:
    """The last line, at most `last`, of the paragraph line `i` is in."""
    while i < last and lines[i + 1].strip() and not _structural(roles, i + 1):
        i += 1
    return i


def _paragraph_start(lines: Sequence[str], roles: LineRoles, i: int, first: int) -> int:
    """The first line, at least `first`, of the paragraph line `i` is in."""
    while i > first and lines[i - 1].strip() and not _structural(roles, i - 1):
        i -= 1
    return i


def _structural(roles: LineRoles, i: int) -> bool:
    """A line that ends a paragraph above it: a heading, a fence or code, a list item, a table."""
    return (
        roles.is_heading(i)
        or roles.is_fence(i)
        or roles.in_code(i)
        or roles.is_item(i)
        or roles.in_table(i)
    )


_UNDER_CODE = 2
"""Most lines written right under a code block's closing fence, no blank line between, that
go with it (a caveat on the command); more are a paragraph of their own, and a line that
introduces the next block ("after sunset (blue hour):") is that block's."""


def _through_code(
    lines: Sequence[str],
    roles: LineRoles,
    s: int,
    e: int,
    hi: int,
    opts: AnswerOptions,
    why: list[str],
) -> int:
    """The paragraph rule: a quote ending in prose ends at its paragraph's end, and runs on
    through a code block that follows the paragraph (a note's prose usually introduces the
    command that answers): the paragraph within `max_quote_lines`, the block while the quote
    stays within `code_after_paragraph` lines, and a line or two written right under its
    closing fence, no blank line between (`_UNDER_CODE`: a caveat on the command). Not in a
    chunk that starts inside a code block (a later piece of a long one: its quotes are
    code), nor for a quote ending in code."""
    cap = opts.code_after_paragraph
    if not cap or roles.open_after(-1) or roles.open_after(e) or roles.is_fence(e):
        return e
    if roles.in_table(e) or roles.is_item(e):
        return e  # prose only: tables and lists have rules of their own
    end = e
    while end < hi and not says_nothing(lines[end + 1]) and not roles.is_fence(end + 1):
        if roles.is_heading(end + 1):
            return e
        end += 1
    if end - s + 1 > min(cap, opts.max_quote_lines):
        return e
    close = _block_after(lines, roles, end, hi)
    if close is not None and close - s + 1 <= cap:
        why.append("end: through the code block that follows the paragraph")
        after = close  # and a line or two written right under it ("careful, on an idle
        while (  # primary this grows forever" under the replica's lag query)
            after < hi
            and not says_nothing(lines[after + 1])
            and not roles.is_heading(after + 1)
            and not roles.is_fence(after + 1)
        ):
            after += 1
        under = "\n".join(lines[close + 1 : after + 1])
        if close < after <= close + _UNDER_CODE and after - s + 1 <= cap and not introduces(under):
            why.append("end: the lines written right under the code block")
            return after
        return close
    if end != e:
        why.append("end: the paragraph's end")
    return end


def _trim_links(
    lines: Sequence[str], roles: LineRoles, s: int, e: int, opts: AnswerOptions, why: list[str]
) -> int:
    """`_drop_trailing_links` under the link rule's switch, saying when it trimmed."""
    if not opts.links:
        return e
    end = _drop_trailing_links(lines, roles, s, e)
    if end != e:
        why.append("end: a trailing list of links left out")
    return end


_TAB_OPEN = re.compile(r"[ \t]*(?:\{\{[<%][ \t]*tab\b(?!s)[^}]*[>%]\}\}|<TabItem\b[^>]*>)[ \t]*")
"""A content tab's opening: Hugo's `{{< tab "macOS" >}}`, Docusaurus's `<TabItem value="mac">`."""
_TAB_CLOSE = re.compile(r"[ \t]*(?:\{\{[<%][ \t]*/tab[ \t]*[>%]\}\}|</TabItem>)[ \t]*")
_MKDOCS_TAB = re.compile(r"([ \t]*)===[+!]?[ \t]+\"")
"""MkDocs's content tab, `=== "macOS"` over the lines indented under it."""


def tab_spans(lines: Sequence[str]) -> list[tuple[int, int]]:
    """Each content tab of a docs page (Hugo's, Docusaurus's, MkDocs's): (first, last) line,
    its title line first: one of several ways of doing one thing, one per platform."""
    out: list[tuple[int, int]] = []
    for i, line in enumerate(lines):
        if _TAB_OPEN.fullmatch(line):
            end = next(
                (j for j in range(i + 1, len(lines)) if _TAB_CLOSE.fullmatch(lines[j])),
                None,
            )
            if end is not None:
                out.append((i, end))
        elif m := _MKDOCS_TAB.match(line):
            depth, end = len(m.group(1).expandtabs(4)), i
            for j in range(i + 1, len(lines)):
                if lines[j].strip():
                    if _indent(lines[j].expandtabs(4)) <= depth:
                        break
                    end = j
            if end > i:
                out.append((i, end))
    return out


def _tab_title(line: str) -> str:
    """A tab's title, as its opening line quotes it (`=== "macOS"`, `{{< tab "macOS" >}}`,
    `<TabItem value="mac" label="macOS">`), lower-cased."""
    return " ".join(re.findall(r'"([^"]*)"', line)).lower()


def _tab_of(
    lines: Sequence[str],
    line_scores: dict[int, float],
    lo: int,
    hi: int,
    opts: AnswerOptions,
    terms: Sequence[str] = (),
) -> tuple[tuple[int, int], str] | None:
    """The tab rule: of a section's content tabs (`tab_spans`), the one whose title alone
    names a word of the question ("macOS" of `{{< tab "macOS" >}}`), else the one holding
    the best line when every line nearly as close (`quote_window`) is in it too: "How do I
    install rivet on macOS?" quoted `brew install rivet`, then the Linux tab's `sudo apt
    install rivet`. None otherwise."""
    titled = {
        (max(a, lo), min(b, hi)): _tab_title(lines[a])
        for a, b in tab_spans(lines)
        if a <= hi and b >= lo
    }
    tabs = [t for t in titled if t != (lo, hi)]
    if not tabs:
        return None
    wanted = {t.lower() for t in terms}
    named = [t for t in tabs if wanted & set(re.findall(r"[^\W_]+", titled[t]))]
    if len(named) == 1:
        return named[0], "whose title the question names"
    if not line_scores:
        return None
    best = max(line_scores, key=lambda i: line_scores[i])
    near = [i for i, v in line_scores.items() if v >= line_scores[best] - opts.quote_window]
    for a, b in tabs:
        if a <= best <= b:
            return ((a, b), "holding the best line") if all(a <= i <= b for i in near) else None
    return None


def _drop_trailing_links(lines: Sequence[str], roles: LineRoles, s: int, e: int) -> int:
    """The end of a quote without a trailing list of links (a "Topics" list) and the label
    that introduces it, a line that only points to links ("Links: [[Spacing effect]]",
    a zettelkasten note's last line), or a line of #tags that files the note (Bear's
    "#finance/budget #finance"): navigation, not an answer. A quote of nothing but links is
    kept. Link reference definitions at its end go whatever comes before them (a changelog's
    "[2.3.1]: https://…" lines after its last version's list): they are never shown."""
    end = e
    while end > s and (link_definition(lines[end]) or says_nothing(lines[end])):
        end -= 1
    e = e if link_definition(lines[end]) else end
    end = e
    while end > s and (
        (only_links(lines[end]) and not _ends_sentence_above(lines, roles, end))
        or only_tags(lines[end])
        or points_elsewhere(lines[end], wiki=True)
        or says_nothing(lines[end])
    ):
        end -= 1
    if end == e or is_navigation(lines, s) or _same_list(lines, roles, end, e):
        return e  # no links, nothing but navigation, or a list only partly of links
    if end > s and introduces(lines[end]):
        end -= 1  # "**Topics**"
        while end > s and says_nothing(lines[end]):
            end -= 1
    return end


def _same_list(lines: Sequence[str], roles: LineRoles, end: int, e: int) -> bool:
    """The links after line `end` are the last items of the list `end` is an item of (a
    list only partly of links, kept whole), not a footer under it ("Links: [[moc-spark]]"
    a blank line below a note's last bullet, a Foam note's way of ending)."""
    after = next((i for i in range(end + 1, e + 1) if lines[i].strip()), e)
    return roles.is_item(end) and roles.is_item(after)


def _ends_sentence_above(lines: Sequence[str], roles: LineRoles, i: int) -> bool:
    """Line `i`, a link, ends a sentence the prose line above began (a hard-wrapped "...its
    base offering is a state hook --" over "[`useState`](…)."): part of that sentence, not
    a trailing link."""
    above = lines[i - 1] if i > 0 else ""
    return (
        ends_sentence(lines[i])
        and bool(above.strip())
        and not _structural(roles, i - 1)
        and not ends_sentence(above)
        and not only_links(above)
    )


def _complete(
    lines: Sequence[str],
    roles: LineRoles,
    s: int,
    e: int,
    hi: int,
    opts: AnswerOptions = DEFAULT_OPTIONS,
    why: list[str] | None = None,
) -> int:
    """The end of a quote starting at `s` that does not stop where the reader needs the rest:
    on a lead-in (`run_on_lead_in`), or inside a code block, which is closed, or else left
    out. Never past `hi` or `max_quote_lines`, except under the paragraph rule: a quote of one
    paragraph and the code block after it, or of a code block from its opening fence, or
    ending on a lead-in to the block (`_led_in`), closes that block within
    `code_after_paragraph` lines (the block is the command the paragraph introduces, or what
    the quote is of)."""
    why = why if why is not None else []
    limit = min(hi, s + opts.max_quote_lines - 1)
    e, _ = run_on_lead_in(lines, roles, s, e, hi, opts, why)
    if roles.open_after(e):  # it ends inside a block
        close, opening = roles.fence_close(e), roles.fence_open(e)
        if close is not None and close <= limit:
            e = close
            why.append("end: the code block closed")
        elif (
            opts.code_after_paragraph
            and close is not None
            and opening is not None
            and close <= min(hi, s + opts.code_after_paragraph - 1)
            and (
                s == opening
                or _one_paragraph(lines, roles, s, opening)
                or _lead_in_item(lines, roles, s, opening)
                or _led_in(lines, roles, s, opening)
            )
        ):
            e = close
            why.append("end: the code block closed (paragraph rule)")
        elif opening is not None and opening > s:
            e = opening - 1
            while e > s and says_nothing(lines[e]):
                e -= 1
            why.append("end: a code block too long to close left out")
    return e


def _led_in(lines: Sequence[str], roles: LineRoles, s: int, opening: int) -> bool:
    """Lines `s`..`opening - 1` end on a line of prose that introduces the block after it
    ("make a service that runs as root:" over the unit file, a finding's line above it): a
    writeup's finding, then the lead-in and its command, under the paragraph rule too."""
    last = next((i for i in range(opening - 1, s, -1) if lines[i].strip()), s)
    return last > s and not _structural(roles, last) and introduces(lines[last])


def _lead_in_item(lines: Sequence[str], roles: LineRoles, s: int, opening: int) -> bool:
    """Lines `s`..`opening - 1` are one list item that introduces the block after it ("3.
    Client config:" over the config file): under the paragraph rule as a paragraph is."""
    body = [i for i in range(s, opening) if lines[i].strip()]
    return (
        bool(body)
        and roles.is_item(s)
        and not any(roles.is_item(i) for i in body[1:])
        and introduces(lines[body[-1]])
    )


def _one_paragraph(lines: Sequence[str], roles: LineRoles, s: int, opening: int) -> bool:
    """Lines `s`..`opening - 1` are prose, one paragraph (blank lines after it aside)."""
    if not lines[s].strip() or _structural(roles, s):
        return False
    end = _paragraph_end(lines, roles, s, opening - 1)
    return not any(lines[i].strip() for i in range(end + 1, opening))


def run_on_lead_in(
    lines: Sequence[str],
    roles: LineRoles,
    s: int,
    e: int,
    upto: int,
    opts: AnswerOptions = DEFAULT_OPTIONS,
    why: list[str] | None = None,
) -> tuple[int, int]:
    """The lead-in rule, the one place a quote runs on: a quote `s`..`e` (0-based) whose last
    line introduces what follows ("Run the following commands:", or titles the indented block
    under it: `=== "PostgreSQL"`, `!!! warning "Port change"`) runs on through the block it
    introduces (the question rule: or asks a question, outside code, which the block after
    it answers: an interview's next turn), up to the next heading (a `# comment` in a code
    block is none), `upto` and `max_quote_lines` in all. Returns (end, the bound it ran to);
    `e` unchanged if the last line is no lead-in, or with the rule off."""
    stop = min(upto, s + opts.max_quote_lines - 1)
    leads = opts.lead_in_run_on and (
        introduces(lines[e])
        or titles_block(lines[e])
        or labels_list(lines, roles, e)
        or _inside_list_of_lead_in(lines, roles, s, e)
    )
    asks = opts.question_run_on and not roles.in_code(e) and asks_question(lines[e])
    if not (leads or asks) or stop <= e:
        return e, stop
    stop = next((i - 1 for i in range(e + 1, stop + 1) if roles.is_heading(i)), stop)
    if stop <= e:
        return e, stop
    if why is not None:
        why.append(
            "end: ran on through what a lead-in line introduces"
            if leads
            else "end: ran on through the answer to the question it ends on"
        )
    return _block_end(lines, roles, e + 1, stop, e), stop


def _inside_list_of_lead_in(lines: Sequence[str], roles: LineRoles, s: int, e: int) -> bool:
    """Whether the quote `s`..`e` ends on an item of a list that a lead-in line of its own
    introduces, the list going on after it: "How do we deaccession an object?" quoted
    "Process:" and step 1 of 5, its window (`quote_window`) holding no other step."""
    if not (roles.is_item(e) and e + 1 < len(lines) and roles.is_item(e + 1)):
        return False
    for i in range(e - 1, s - 1, -1):
        if not roles.is_item(i) and lines[i].strip():
            return not roles.in_code(i) and (introduces(lines[i]) or labels_list(lines, roles, i))
    return False


LABEL_WORDS = 12
"""Most words of a line that labels the list under it (`labels_list`)."""


def labels_list(lines: Sequence[str], roles: LineRoles, i: int) -> bool:
    """Whether line `i` is a label of its own directly over a list, no sentence, as a colon
    would make it a lead-in: "Part 2 — strength/balance (pick 3)" over its five exercises
    ended a quote of the warm-up, none of them quoted ("what are the fifa 11+ warmup
    exercises"). Not an item or an item's indented line (Logseq's "SCHEDULED: <…>"), a
    heading, a table row or code, nor a line ending a sentence or a clause (",")."""
    line = lines[i].strip()
    return (
        bool(line)
        and not lines[i][:1].isspace()
        and i + 1 < len(lines)
        and roles.is_item(i + 1)
        and not roles.is_item(i)
        and not roles.is_heading(i)
        and not roles.in_code(i)
        and not roles.in_table(i)
        and not ends_sentence(line)
        and not line.endswith(",")
        and len(line.split()) <= LABEL_WORDS
    )


_QUESTION_END = re.compile(r"\?[\"')\]*_`]*$")


def asks_question(line: str) -> bool:
    """A line of prose ending with a question ("**Interviewer:** What do you want from the app
    for handover?"): what follows it answers."""
    return bool(_QUESTION_END.search(line.rstrip())) and not line.lstrip().startswith(("|", "#"))


def header_above(
    roles: LineRoles,
    start: int,
    end: int,
    opts: AnswerOptions = DEFAULT_OPTIONS,
    why: list[str] | None = None,
) -> int:
    """The start (1-based) of a quote of lines `start`..`end` of a file that begins among a
    table's rows whose header row is in an earlier piece of the section (a long table is
    embedded in pieces): that header row, while the quote stays within `max_quote_lines`.
    "What port is auth-service on?" quoted its row alone, the columns unnamed. `roles`: the
    file's."""
    head = roles.table_header(start - 1)
    if head is None or head + 1 >= start or end - head > opts.max_quote_lines:
        return start
    if why is not None:
        why.append(f"start: table header row, line {head + 1}, in an earlier piece")
    return head + 1


def _answer_end(lines: Sequence[str], roles: LineRoles, i: int, hi: int) -> int | None:
    """The last line, at most `hi`, of the block after question line `i`, its answer; None
    if nothing but blank lines or a heading follows it."""
    reply = next((j for j in range(i + 1, hi + 1) if lines[j].strip()), None)
    if reply is None or roles.is_heading(reply):
        return None
    return _block_end(lines, roles, reply, hi, reply)


def answer_room(
    file_lines: Sequence[str],
    roles: LineRoles,
    start: int,
    end: int,
    best: int,
    opts: AnswerOptions = DEFAULT_OPTIONS,
    why: list[str] | None = None,
) -> int:
    """The start (1-based) of a quote of lines `start`..`end` of a file that ends on its best
    line (`best`, 1-based), a question whose answer, the block after it (often the next
    chunk: a transcript's next turn), would not fit after it within `max_quote_lines`: a
    later paragraph's start that leaves room for it (the question rule), never past the
    question's own paragraph. `start` if it fits already, if nothing later does, for a
    question that is not the best line (a transcript's next question, after the answer
    asked for), or with the rule off."""
    e, n = end - 1, opts.max_quote_lines
    if not opts.question_run_on or best != end or roles.in_code(e):
        return start
    if not asks_question(file_lines[e]):
        return start
    want = _answer_end(file_lines, roles, e, min(len(file_lines) - 1, e + n))
    if want is None:
        return start
    first = _paragraph_start(file_lines, roles, e, start - 1)
    for t in range(start - 1, first + 1):
        if _opens(file_lines, roles, t, start - 1, first) and want - t + 1 <= n:
            if t != start - 1 and why is not None:
                why.append(f"start: line {t + 1}, room for the answer to the question it ends on")
            return t + 1
    return start


def run_on(
    file_lines: Sequence[str],
    start: int,
    end: int,
    opts: AnswerOptions = DEFAULT_OPTIONS,
    why: list[str] | None = None,
    roles: LineRoles | None = None,
) -> int:
    """The end (1-based) of a quote of lines `start`..`end` of a file, run on past a lead-in
    into the file's next lines (often the next chunk: `run_on_lead_in` over the whole file).
    `roles`: the file's (parsed here if not given)."""
    roles = roles if roles is not None else LineRoles.of(file_lines)
    last = len(file_lines) - 1
    e, stop = run_on_lead_in(file_lines, roles, start - 1, end - 1, last, opts, why)
    if e == end - 1:
        return end
    return _complete(file_lines, roles, start - 1, e, stop, opts, why) + 1


def _block_end(lines: Sequence[str], roles: LineRoles, start: int, stop: int, default: int) -> int:
    """Last line of the block beginning at `start` (blank lines before it skipped): a list, a
    code block or a paragraph, ending at a blank line followed by a new unindented paragraph."""
    last = default
    for i in range(start, stop + 1):
        line = lines[i]
        if roles.is_fence(i) or roles.open_after(i - 1):  # a fence, or a line of a block
            last = i
        elif not line.strip():
            continue
        elif last > default and i > last + 1 and not (roles.is_item(i) or _indent(line)):
            break  # a blank line, then a new paragraph: the block is over
        else:
            last = i
    return last


def slice_lines(chunk: Chunk, start: int, end: int) -> str:
    lines = chunk.text.split("\n")
    return "\n".join(lines[start - chunk.start_line : end - chunk.start_line + 1])


def merge_adjacent(
    citations: Sequence[Citation],
    file_lines: Callable[[str], list[str] | None],
    gap: int = DEFAULT_OPTIONS.merge_gap,
) -> list[Citation]:
    """Quotes of one section that overlap or nearly touch (pieces of a long section, a bold
    label and the list it labels) become one quote, from the first line to the last: still a
    verbatim run of the file (`file_lines` reads it by absolute path). Not when either quote
    no longer matches the file. Citations are numbered afresh."""
    out: list[Citation] = []
    for c in citations:
        prev = out[-1] if out else None
        if (
            prev is not None
            and (prev.path, prev.heading_path) == (c.path, c.heading_path)
            and prev.start_line <= c.start_line <= prev.end_line + 1 + gap
            and not (prev.changed_since_indexed or c.changed_since_indexed)
        ):
            lines = file_lines(c.absolute_path)
            end = max(prev.end_line, c.end_line)  # they overlap when a quote ran on (`run_on`)
            if lines is not None and end <= len(lines):
                quote = "\n".join(lines[prev.start_line - 1 : end])
                score = max(prev.score, c.score)
                excerpt = _merge_excerpts(quote, prev.excerpt, c.excerpt)
                on = c.continues_to if c.end_line >= prev.end_line else prev.continues_to
                out[-1] = prev.model_copy(
                    update={
                        "end_line": end,
                        "quote": quote,
                        "score": score,
                        "excerpt": excerpt,
                        "continues_to": on if on is not None and on > end else None,
                    }
                )
                continue
        out.append(c)
    return [c.model_copy(update={"n": n}) for n, c in enumerate(out, 1)]


class NoteReader:
    """A note's lines as they are now and their roles, each file read and parsed at most once
    (one reader per answer). Called with an absolute path, it gives the lines (None if the
    file cannot be read), as `file_lines` does."""

    def __init__(self, read: Callable[[str], list[str] | None] | None = None) -> None:
        self._read = read or file_lines
        self._lines: dict[str, list[str] | None] = {}
        self._roles: dict[str, LineRoles] = {}

    def __call__(self, path: str) -> list[str] | None:
        if path not in self._lines:
            self._lines[path] = self._read(path)
        return self._lines[path]

    def roles(self, path: str) -> LineRoles | None:
        """The roles of the file's lines, from its Markdown parse (None if unreadable)."""
        lines = self(path)
        if lines is not None and path not in self._roles:
            self._roles[path] = roles_of(tuple(lines))
        return self._roles.get(path)


@functools.lru_cache(maxsize=64)
def roles_of(lines: tuple[str, ...]) -> LineRoles:
    """A note's roles, kept for the notes cited lately: a long-lived engine (the chat, the MCP
    server, eval) cites the same notes again, and a 100 KB note takes ~30 ms to parse."""
    return LineRoles.of(lines)


def cite(
    n: int,
    hit: Hit,
    line_scores: dict[int, float],
    read: NoteReader,
    abs_path_of: Callable[[str], Path],
    opts: AnswerOptions = DEFAULT_OPTIONS,
    why: list[list[str]] | None = None,
    terms: Sequence[str] = (),
) -> list[Citation]:
    """A section's citations: the quote's span shaped in the chunk (and the command rule's
    second quote), run on in the file, re-read from it (`read` reads a file by absolute path;
    `changed_since_indexed` when its lines differ). `why` gets the rules behind each
    citation, one list per citation, for `--explain`."""
    chunk = hit.chunk
    abs_path = abs_path_of(chunk.path)
    lines = read(str(abs_path))
    # The file's lines and roles, if it still holds the chunk where it was: then a later
    # piece of a long code block is known to start inside it, and a quote ending on a
    # lead-in can run on into the lines it introduces, often in the next chunk (or cut from
    # this one: a code block's opening fence without its body).
    same = lines if lines is not None and holds(lines, chunk) else None
    roles = read.roles(str(abs_path)) if same is not None else None
    in_chunk = roles.shifted(chunk.start_line - 1) if roles is not None else None
    if in_chunk is None:  # the chunk's own text, as `quote_span` would parse it
        in_chunk = LineRoles.of(chunk.text.split("\n"), front_matter=False)
    shaped: list[str] = []
    # The next-command rule is for the answer's first section: a further one, quoted beside
    # it, keeps its shortest quote (on calibration its commands grew quotes and found nothing).
    if n > 1 and opts.next_command:
        opts = opts.model_copy(update={"next_command": False})
    span = quote_span(chunk, line_scores, in_chunk, opts, shaped, terms)
    split: list[str] = []
    pieces = command_piece(chunk, line_scores, in_chunk, span, opts, split)
    spans = pieces or (span,)
    # Under the command rule the first quote is cut to the best paragraph: how quote_span
    # ended it no longer holds, and the second quote is the command rule's alone.
    kept = [r for r in shaped if not r.startswith("end:")] if pieces else shaped
    reasons = [kept + split, list(split)] if pieces else [shaped]
    window = same is not None and is_window(same, chunk)  # a piece of a line too long to embed
    best_at = chunk.start_line + max(line_scores, key=lambda i: line_scores[i], default=-1)
    out = []
    for (start, end), rules in zip(spans, reasons, strict=True):
        if why is not None:
            why.append(rules)
        quote = slice_lines(chunk, start, end)
        if same is not None and roles is not None:
            start = header_above(roles, start, end, opts, rules)
            start = answer_room(same, roles, start, end, best_at, opts, rules)
            end = run_on(same, start, end, opts, rules, roles)
            quote = "\n".join(same[start - 1 : end])
        whole = quote.split("\n")
        shown = list(whole)  # as displayed: an over-long line cut to a window of it
        if window and same is not None and start <= chunk.start_line <= end:
            line = same[chunk.start_line - 1]  # cut only when long enough to bury the answer
            shown[chunk.start_line - start] = (
                _elide(line, chunk.text) if len(line) > LONG_LINE_CHARS else line
            )
        shown = [
            _head(line) if line == was and len(line) > LONG_LINE_CHARS else line
            for line, was in zip(shown, whole, strict=True)
        ]
        excerpt = "\n".join(shown) if shown != whole else None
        out.append(
            Citation(
                n=n + len(out),
                path=chunk.path,
                absolute_path=str(abs_path),
                heading_path=chunk.heading_path,
                start_line=start,
                end_line=end,
                quote=quote,
                score=round(hit.dense_score if hit.dense_score is not None else 0.0, 4),
                changed_since_indexed=quote_differs(lines, start, end, quote),
                continues_to=goes_on(same, roles, end) if same and roles else None,
                excerpt=excerpt,
            )
        )
    return out


def goes_on(lines: Sequence[str], roles: LineRoles, end: int) -> int | None:
    """The last line (1-based) of the table, code block or list that a quote ending at line
    `end` stops inside, when there is more of it after `end`: a cut quote says so ("What
    random encounters can happen in the fen?" quoted 10 of a d12 table's 12 rows, and read as
    the whole table). `roles`: the file's."""
    i, n = end - 1, len(lines)
    last = i
    if roles.in_table(i):
        while last + 1 < n and roles.in_table(last + 1) and not roles.is_table_head(last + 1):
            last += 1
    elif roles.in_code(i):
        block = roles.fence_open(i)
        while last + 1 < n and roles.in_code(last + 1) and roles.fence_open(last + 1) == block:
            last += 1
    elif _in_list(lines, roles, i):
        k = i + 1
        while k < n and not roles.is_heading(k):
            if roles.is_item(k) or (lines[k][:1].isspace() and lines[k].strip()):
                last = k
            elif lines[k].strip():
                break  # a paragraph after the list
            k += 1
    while last > i and not lines[last].strip():
        last -= 1
    return last + 1 if last > i else None


def _in_list(lines: Sequence[str], roles: LineRoles, i: int) -> bool:
    """Line `i` is a list item's first line or a line of one (no blank line between)."""
    j = i
    while j >= 0 and lines[j].strip() and not roles.is_heading(j):
        if roles.is_item(j):
            return True
        j -= 1
    return False


def holds(lines: list[str], chunk: Chunk) -> bool:
    """The file still holds the chunk at its lines (a window: inside its one line)."""
    return "\n".join(lines[chunk.start_line - 1 : chunk.end_line]) == chunk.text or is_window(
        lines, chunk
    )


def is_window(lines: list[str], chunk: Chunk) -> bool:
    """The chunk is a piece of one line too long to embed whole (`corpus.markdown` cuts such
    a line into windows at whitespace): its quote is still the whole line."""
    if chunk.start_line != chunk.end_line or chunk.start_line > len(lines):
        return False
    line = lines[chunk.start_line - 1]
    return len(chunk.text) < len(line) and chunk.text in line


def _merge_excerpts(quote: str, a: str | None, b: str | None) -> str | None:
    """The excerpt of two merged quotes (`a`, `b`: their excerpts, None if shown whole): the
    merged quote with each over-long line either cut to a window of shown as the windows
    they show ("… part … other part …"), and one the windows cover whole, if longer than
    `LONG_LINE_CHARS`, to its start. None (shown whole) when no line is cut."""
    if not (a or b):
        return None
    lines = quote.split("\n")
    spans: dict[int, list[tuple[int, int]]] = {}
    for ex in (a, b):
        for shown in (ex or "").split("\n"):
            kept = shown.removeprefix("… ").removesuffix(" …")
            if kept == shown and " … " not in shown:
                continue  # shown whole
            pieces = kept.split(" … ")  # the windows it shows, in order
            at = next((i for i, line in enumerate(lines) if pieces[0] in line), None)
            x = 0
            for piece in pieces if at is not None else ():
                x = lines[at].find(piece, x)
                if x < 0:
                    break
                spans.setdefault(at, []).append((x, x + len(piece)))
                x += len(piece)
    for at, parts in spans.items():
        line, runs = lines[at], []
        for x, y in sorted(parts):  # windows that overlap or touch read as one
            if runs and x <= runs[-1][1] + 1:
                runs[-1] = (runs[-1][0], max(runs[-1][1], y))
            else:
                runs.append((x, y))
        if sum(y - x for x, y in runs) < len(line):
            lead = "… " if line[: runs[0][0]].strip() else ""
            tail = " …" if line[runs[-1][1] :].strip() else ""
            lines[at] = lead + " … ".join(line[x:y].strip() for x, y in runs) + tail
        elif len(line) > LONG_LINE_CHARS:  # windows that cover all of it: its start
            lines[at] = _head(line)
    shown_lines = "\n".join(lines)
    return shown_lines if shown_lines != quote else None


LONG_LINE_CHARS = 1000
"""A quoted line longer than this, shown whole, would bury the answer (a 7,000-character line
of firewall rules): the excerpt shows the window of it that matched, or its start."""


def _head(line: str) -> str:
    """An over-long line shown as its first `LONG_LINE_CHARS` characters (to a space)."""
    cut = line[:LONG_LINE_CHARS]
    return _elide(line, cut.rsplit(" ", 1)[0] if " " in cut else cut)


def _elide(line: str, part: str) -> str:
    """`line` shown as the `part` of it that matched, with '…' where it was cut."""
    at = line.find(part)
    lead = "… " if line[:at].strip() else ""
    tail = " …" if line[at + len(part) :].strip() else ""
    return f"{lead}{part.strip()}{tail}"


def quote_differs(lines: list[str] | None, start: int, end: int, quote: str) -> bool:
    """The file's `lines` (None: unreadable) no longer hold `quote` at start..end (1-based)."""
    return lines is None or "\n".join(lines[start - 1 : end]) != quote


def relocate(lines: list[str] | None, start: int, end: int, quote: str) -> tuple[int, int] | None:
    """Where `lines` hold `quote` whole now: at start..end if still there, else at the
    occurrence nearest `start` (lines added or removed above it move a quote without changing
    it); None if the file no longer holds it anywhere (or cannot be read)."""
    if lines is None:
        return None
    if not quote_differs(lines, start, end, quote):
        return start, end
    if not quote.strip():  # blank lines are everywhere: no place to follow
        return None
    want = quote.split("\n")
    at = [
        i + 1
        for i, line in enumerate(lines)
        if line == want[0] and lines[i : i + len(want)] == want
    ]
    if not at:
        return None
    new = min(at, key=lambda a: abs(a - start))
    return new, new + len(want) - 1


def file_lines(path: str) -> list[str] | None:
    """A note's lines as they are now, or None if it cannot be read."""
    try:
        return split_lines(read_note(Path(path)).text)
    except (NoteReadError, OSError):
        return None


def quote_sections(
    picked: Sequence[Hit],
    line_scores: dict[int, dict[int, float]],
    abs_path_of: Callable[[str], Path],
    opts: AnswerOptions = DEFAULT_OPTIONS,
    terms: Sequence[str] = (),
    again: Mapping[int, dict[int, float]] | None = None,
) -> tuple[list[Citation], list[tuple[Citation, list[str]]]]:
    """The picked sections as numbered citations (`cite`, then `merge_adjacent`), each cited
    file read and parsed once; with each quote before merging and the rules behind it, for
    `--explain`. `terms`: the question's (the tab rule reads them in tabs' titles). `again`:
    the parts rule's line scores of a part whose best section is quoted for the whole
    question ("…, and who signed it?"): quoted at that part's lines too, unless its quote
    holds them ("how many dives" beside "deepest" in one section of running totals)."""
    read = NoteReader()
    citations: list[Citation] = []
    rules: list[list[str]] = []
    for n, h in enumerate(picked, 1):
        scores = line_scores.get(h.chunk.id or -1, {})
        why: list[list[str]] = []
        got = cite(n, h, scores, read, abs_path_of, opts, why, terms)
        part = (again or {}).get(h.chunk.id or -1)
        if part:  # the parts rule: a part's own lines, where this section's quote lacks them
            more: list[list[str]] = []
            cited = cite(n + 1, h, part, read, abs_path_of, opts, more, terms)
            for c, r in zip(cited, more, strict=True):
                if not any(o.start_line <= c.start_line and c.end_line <= o.end_line for o in got):
                    got.append(c)
                    why.append([*r, "parts rule: a part's best lines, which the quote left out"])
            order = sorted(range(len(got)), key=lambda i: got[i].start_line)
            got, why = [got[i] for i in order], [why[i] for i in order]
        citations += got
        rules += why
    if opts.repeats:
        citations, rules = _without_repeats(citations, rules)
    return merge_adjacent(citations, read, opts.merge_gap), list(zip(citations, rules, strict=True))


def _at(c: Citation) -> str:
    """Where a citation is, as --explain names it: "b.md:4", "b.md:4-9"."""
    span = f"{c.start_line}" if c.start_line == c.end_line else f"{c.start_line}-{c.end_line}"
    return f"{c.path}:{span}"


def _without_repeats(
    citations: Sequence[Citation], rules: Sequence[list[str]]
) -> tuple[list[Citation], list[list[str]]]:
    """The repeat rule: a quote word for word the same as an earlier one (trailing spaces
    aside), from another file or place (a tutorial copied into three notes, a transcluded
    section), is left out; the earlier quote's `--explain` rules say where else it is. Under
    another heading it is no repeat: a journal's "Went climbing." under six dates says six
    things, its headings the answer to "when did I go climbing?". Of copies, the one in the
    note of the shortest path is cited, in the first one's place: a copy's name adds to the
    original's ("cell-biology (1).md", "notes copy.md"), and the copy was cited for it.
    `rules[i]`: those of `citations[i]`."""
    first: dict[tuple[str, str], int] = {}
    kept: list[int] = []
    out = list(citations)
    for i, c in enumerate(citations):
        text = "\n".join(line.rstrip() for line in c.quote.strip().split("\n"))
        words = (text, c.heading_path[-1] if c.heading_path else "")
        seen = first.get(words)
        if seen is None or not text:
            first.setdefault(words, i)
            kept.append(i)
            continue
        was = out[seen]
        if (was.path, was.start_line, was.end_line) == (c.path, c.start_line, c.end_line):
            # the same lines, reached through two windows of an over-long line: one quote
            # showing both windows, not a repeat from elsewhere
            excerpt = _merge_excerpts(was.quote, was.excerpt, c.excerpt)
            out[seen] = was.model_copy(update={"excerpt": excerpt})
            rules[seen].append(f"quoted once: two windows of the long line at {_at(c)}")
            continue
        if len(c.path) < len(was.path):  # the original, by its name: cited in the copy's place
            out[seen], c = c.model_copy(update={"n": was.n}), was
        rules[seen].append(f"repeat rule: also word for word at {_at(c)} (left out)")
    return [out[i] for i in kept], [rules[i] for i in kept]
