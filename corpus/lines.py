"""What each line of a note is, read from the parse the chunker uses.

Quotes are shaped by a note's structure: a quote starts at a nested item's parent item, at a
table's header row, at a callout's title or at a code fence, ends where a code block closes
and runs on up to the next heading. `LineRoles` answers those questions from markdown-it's
block tokens (the same parse, `corpus.markdown.block_tokens`, that cuts the note into
sections), so they agree with the sections and are fence-aware by construction: a `#
comment` or a `- key: value` inside a code block is neither a heading nor a list item, a
`~~~` fence is a fence, and an indented code block is code.

Every file `corpus.scan` keeps (`.md`, `.markdown`, `.txt`) is chunked as Markdown, so every
note has this parse; there is no regex fallback. A quote whose file no longer holds its chunk
is shaped with the roles of the chunk's own text (`LineRoles.of(lines, front_matter=False)`).

Text-level tests that need no parse (a lead-in's wording, a line of only links, a line that
says nothing) stay in `corpus.markdown`: `introduces`, `only_links`, `says_nothing`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from corpus.markdown import block_tokens, front_matter_end

__all__ = ["LineRoles"]


@dataclass(frozen=True)
class LineRoles:
    """Structural roles of a note's lines, 0-based, computed once per file from its parse.

    Methods take line numbers relative to `offset` (`shifted` gives the view of a chunk whose
    first line is file line `offset`); a line outside the file has no role.
    """

    headings: frozenset[int]
    """Every line of a heading: an ATX heading's line; a setext heading's text and underline."""
    fences: dict[int, int | None]
    """Each fenced code block: its opening fence line -> its closing fence line (None when the
    block is never closed and runs to the end of its container)."""
    fence_of: dict[int, int]
    """Each line after an opening fence, up to and including the closing fence -> the opening
    fence line (the lines a fence left open above them)."""
    code: frozenset[int]
    """Lines inside code blocks: a fenced block's lines between its fences, an indented block."""
    items: dict[int, int | None]
    """First line of each list item -> first line of the item its list is nested in (None for
    an item of a top-level list)."""
    table_of: dict[int, int]
    """Each line of a table (header row, rule, body rows) -> the table's header row."""
    comments: frozenset[int] = frozenset()
    """Lines of HTML blocks that hold nothing but HTML comments ("<!-- TODO -->", each line
    of a comment over several lines; container markers such as "> " aside), lines of
    nothing but Obsidian comment ("%% remember to expense the taxi %%", outside code), and
    every line of a `<style>` or `<script>` block: what the rendered note does not show."""
    callout_of: dict[int, int] = field(default_factory=dict)
    """Each line of a callout (a block quote opening "> [!warning] Title", as Obsidian and
    GitHub write them) after its first -> that first line, the title."""
    offset: int = 0

    @classmethod
    def of(cls, lines: Sequence[str], front_matter: bool = True) -> LineRoles:
        """Roles of `lines` (a whole note; `front_matter=False` for a chunk's own text, whose
        first "---" is no front matter)."""
        body_start = front_matter_end(lines) if front_matter else 0
        headings: set[int] = set()
        fences: dict[int, int | None] = {}
        fence_of: dict[int, int] = {}
        code: set[int] = set()
        items: dict[int, int | None] = {}
        table_of: dict[int, int] = {}
        comments: set[int] = set()
        callout_of: dict[int, int] = {}
        open_items: list[int] = []  # first lines of the list items open at this token
        html: set[int] = set()  # lines of HTML blocks
        n = len(lines)
        for tok in block_tokens(lines, body_start):
            if tok.type == "list_item_close" and open_items:
                open_items.pop()
            if tok.map is None:
                continue
            start, end = tok.map[0], min(tok.map[1], n)
            if tok.type == "list_item_open":
                items[start] = open_items[-1] if open_items else None
                open_items.append(start)
            elif tok.type == "heading_open":
                headings.update(range(start, end))
            elif tok.type == "code_block":
                code.update(range(start, end))
            elif tok.type == "fence":
                close = end - 1 if end - 1 > start and _closes(lines[end - 1], tok.markup) else None
                fences[start] = close
                fence_of.update(dict.fromkeys(range(start + 1, end), start))
                code.update(range(start + 1, end if close is None else close))
            elif tok.type == "table_open":
                table_of.update(dict.fromkeys(range(start, end), start))
            elif tok.type == "html_block":
                comments.update(start + k for k in _comment_only(lines[start:end]))
                html.update(range(start, end))
            elif tok.type == "blockquote_open" and _CALLOUT.match(lines[start]):
                callout_of.update(dict.fromkeys(range(start + 1, end), start))
        comments.update(_unshown(lines, html))
        comments.update(_percent_comments(lines, code, body_start))
        return cls(
            frozenset(headings),
            fences,
            fence_of,
            frozenset(code),
            items,
            table_of,
            frozenset(comments),
            callout_of,
        )

    def is_comment(self, i: int) -> bool:
        """A line of nothing but comment (HTML's or Obsidian's): the reader never sees it."""
        return i + self.offset in self.comments

    def shifted(self, by: int) -> LineRoles:
        """The same roles seen from `by` lines further on (a chunk starting at that line)."""
        return replace(self, offset=self.offset + by)

    def _out(self, line: int | None) -> int | None:
        return None if line is None else line - self.offset

    def is_heading(self, i: int) -> bool:
        """A heading line (never one inside a code block, a `# comment`)."""
        return i + self.offset in self.headings

    def is_fence(self, i: int) -> bool:
        """A code fence line, opening or closing ("```", "~~~json")."""
        j = i + self.offset
        return j in self.fences or (j in self.fence_of and self.fences[self.fence_of[j]] == j)

    def open_after(self, i: int) -> bool:
        """A fenced code block is still open after line `i`: it is an opening fence or a line
        of a block's body (a quote ending there stops inside the block)."""
        j = i + self.offset
        return j in self.fences or (j in self.fence_of and self.fences[self.fence_of[j]] != j)

    def fence_open(self, i: int) -> int | None:
        """The opening fence of the block line `i` opens or lies in (its body or its closing
        fence), if any."""
        j = i + self.offset
        return self._out(j if j in self.fences else self.fence_of.get(j))

    def fence_close(self, i: int) -> int | None:
        """The closing fence of the block line `i` opens or lies in; None if there is none
        (no block, or a block never closed)."""
        opening = self.fence_open(i)
        return None if opening is None else self._out(self.fences[opening + self.offset])

    def in_code(self, i: int) -> bool:
        """A line of code: between a block's fences, or in an indented code block."""
        return i + self.offset in self.code

    def is_item(self, i: int) -> bool:
        """The first line of a list item ("- x", "1. x", at any depth)."""
        return i + self.offset in self.items

    def parent_item(self, i: int) -> int | None:
        """First line of the item that list item `i` is nested in (None: top level, or `i` is
        no list item)."""
        return self._out(self.items.get(i + self.offset))

    def in_table(self, i: int) -> bool:
        """A line of a table: its header row, its rule or a body row."""
        return i + self.offset in self.table_of

    def callout_title(self, i: int) -> int | None:
        """The title line of the callout that line `i` lies in below it (None otherwise)."""
        return self._out(self.callout_of.get(i + self.offset))

    def table_header(self, i: int) -> int | None:
        """The header row of the table whose rule or body row `i` is (None for no table row,
        or for the header row itself)."""
        head = self.table_of.get(i + self.offset)
        return None if head is None or i + self.offset == head else self._out(head)

    def is_table_head(self, i: int) -> bool:
        """A table's header row: the columns' names, for its body rows."""
        return self.table_of.get(i + self.offset) == i + self.offset

    def is_table_rule(self, i: int) -> bool:
        """The rule under a table's header row ("|---|:--:|"): no words, only the table's
        shape."""
        head = self.table_of.get(i + self.offset)
        return head is not None and i + self.offset == head + 1


_CALLOUT = re.compile(r"\s{0,3}>\s?\[![\w-]+\][+-]?(?:\s|$)")
"""A callout's first line: "> [!warning] Title", "> [!tip]- Folded", "> [!NOTE]"."""

_UNSHOWN = re.compile(r"<(style|script)\b", re.IGNORECASE)
"""Where an element the rendered note never shows opens: a notebook export's `<style
scoped>` for its DataFrame tables (quoted as the answer about survival rates), a `<script>`."""


def _unshown(lines: Sequence[str], html: set[int]) -> list[int]:
    """The lines of every `<style>` or `<script>` element opened in an HTML block (`html`),
    to its closing tag: past blank lines too, where the parse ends the block and reads the
    indented CSS after it as code (nbconvert writes `<div>\\n<style scoped>` so)."""
    out: list[int] = []
    closing: str | None = None
    for k, line in enumerate(lines):
        if closing is None and k in html and (m := _UNSHOWN.search(line)):
            closing = f"</{m[1].lower()}>"
        if closing is not None:
            out.append(k)
            if closing in line.lower():
                closing = None
    return out


_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)  # an unclosed one runs to the end


def _percent_comments(lines: Sequence[str], code: set[int], start: int) -> list[int]:
    """The lines (from `start`, outside `code`) holding part of an Obsidian comment, "%% … %%"
    on a line or over several, and no word outside one: Obsidian never shows them, as a
    renderer never shows an HTML comment ("%% she might leave Northwind %%" was quoted at the
    end of an answer about her team, where "<!-- … -->" would not have been)."""
    out: list[int] = []
    inside = False
    for k in range(start, len(lines)):
        if k in code or ("%%" not in lines[k] and not inside):
            continue
        parts = lines[k].split("%%")
        shown = parts[1::2] if inside else parts[0::2]  # the parts outside a comment
        if not any(re.search(r"[^\W_]", p) for p in shown):
            out.append(k)
        inside ^= (len(parts) - 1) % 2 == 1
    return out


def _comment_only(block: Sequence[str]) -> list[int]:
    """Positions of the lines of an HTML block that hold part of an HTML comment and no word
    outside one (a line "<!-- note --> Deploy first" says something)."""
    text = "\n".join(block)
    if "<!--" not in text:
        return []
    bare = _COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text).split("\n")
    return [
        k
        for k, (line, rest) in enumerate(zip(block, bare, strict=True))
        if line != rest and not re.search(r"[^\W_]", rest)
    ]


def _closes(line: str, markup: str) -> bool:
    """`line` closes a fence opened with `markup` ("```", "~~~~"): the same character, at
    least as many, nothing else (after any container markers: "> ```", an item's indent)."""
    text = line.lstrip(" \t>").rstrip()
    return len(text) >= len(markup) and set(text) == {markup[0]}
