"""Markdown notes -> sections -> chunks with exact 1-based line spans.

Definitions (see ../shared/DESIGN.md, "Sections and spans"):

* A *section* is a top-level heading (ATX or setext; never one inside a code fence, list or
  block quote) plus its own text up to the next heading of any level. Its heading path is
  the texts of its ancestor headings and its own, whatever level the note starts at.
* Its span runs from the heading line to the section's last non-blank line. Text before the
  first heading forms a section with an empty heading path, spanning its first to last
  non-blank line. A heading with no body is a one-line section (useful for retrieval).
* YAML front matter (a "---" first line closed by "---" or "...") or TOML front matter ("+++"
  ... "+++", Hugo's) is parsed for `title`, `tags` and `aliases`; its other fields, the
  note's properties (`birthday: 1990-03-14`, `servings: 4`, `mood: 7`), form a section with
  an empty heading path, from the first field that says something to the last
  (`property_span`: ids, timestamps and empty values say nothing), fences left out; line
  numbers still count the real file lines.
* `Chunk.text` is exactly lines `start_line..end_line` joined by "\\n" (lines as
  `corpus.read.split_lines` defines them), including the heading line.

Long sections. When `count_tokens(chunk.embed_text())` exceeds `max_tokens`, the section is
split, coarsest first: top-level blocks (paragraphs, lists, code blocks, tables, ...); a list
into its items; an item into its own first lines and its child items, each child piece carrying
its ancestor items' first lines as `Chunk.context` (embedded, never quoted); any other block
into single lines; and a single line into character windows broken at whitespace. Adjacent
small units with the same context are packed back together up to the limit; a unit ending in
":" (a lead-in: "... consists of the following:") goes with the unit after it when a piece must
end between them and the two fit together. Every piece keeps
the section's heading path. Pieces of whole lines cover the section's non-blank lines without
overlap, but for a line that is only an image or a link and too long to embed: a notebook
export's inline plot (`![png](data:image/png;base64,…)`, 300 KB) is no piece, where its
windows of base64 were hundreds, quoted as answers and crowding out the notes.

Window pieces (a single line too long for the model, e.g. a 20 MB one-line file) have
`start_line == end_line` and `text` = a *substring* of that line; `corpus.quote.verify_quote`
accepts such a quote. Lines over `_EXACT_WINDOW_LINE_CHARS` characters are cut by a sampled
tokens-per-character estimate (densest of 16 samples, 25% safety margin) instead of tokenising
every window (a real tokenizer reads only a few hundred kB/s), so those pieces are within the
limit in practice, not provably.

Text longer than `_CHARS_PER_TOKEN_CAP * max_tokens` characters is taken to be too long without
being tokenised. Token counts of packed units are summed (exact for whitespace or WordPiece
counters, which pre-split on whitespace, and an over-estimate if the counter adds special
tokens per call), and every packed piece is re-counted once to be sure.

`max_tokens` is compared with `count_tokens(embed_text())` as given: a caller whose counter
excludes the model's special tokens ([CLS]/[SEP]) should pass `max_seq_length - 2`.

Everything here is iterative and linear-ish in the note's size: no recursion over headings or
nesting, no re-tokenising of growing concatenations.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import groupby
from typing import TYPE_CHECKING

from pydantic import BaseModel

from corpus.models import (
    HEADING_SEP,
    PROPERTIES,
    Chunk,
    embed_text,
    head,
    labels_text,
    note_title,
    text_hash,
)
from corpus.read import split_lines

if TYPE_CHECKING:  # markdown-it is imported on first parse (`ask`: on its first quote)
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

__all__ = [
    "CHUNKER_VERSION",
    "NoteChunks",
    "Section",
    "block_tokens",
    "chunk_note",
    "front_matter",
    "front_matter_end",
    "front_matter_fields",
    "front_matter_labels",
    "holds_link",
    "introduces",
    "only_links",
    "only_markup",
    "only_tags",
    "points_elsewhere",
    "property_span",
    "says_nothing",
    "section_at",
    "sections",
    "titles_block",
    "web_link",
]

CHUNKER_VERSION: int = 20
"""20 (2026-12-07): a note whose headings start at `##` has its title above them where it is
embedded (`untitled_head`); 19: a blog's `categories` are tags, its `image` no property; 18: a
property's value listing short items is no prose (`_listed`); 17: a top-level list item that is
a heading ("- ## Croissant", Logseq's outline) heads a section (`_outline_headings`); 16: nor is
a field and value the note's path writes (`session: 12`); 15: a site generator's layout fields
(`sidebar_position`; `weight` in TOML) are no property (`_LAYOUT_KEYS`); 14: a note's front-
matter properties are a section (`property_span`); 12 (2026-12-06): a section under no heading
is embedded under its note's title (`head`)."""

CountTokens = Callable[[str], int]

# Heading texts and contexts are capped (a 20 MB "# ..." line must not become a 20 MB path).
_MAX_HEADING_CHARS = 200
_MAX_CONTEXT_CHARS = 300
# Text longer than this many characters per allowed token is "too long" without counting.
_CHARS_PER_TOKEN_CAP = 20
# Character windows for over-long lines: initial guess and cap, in characters per token.
_WINDOW_CHARS_PER_TOKEN = 4
_WINDOW_MAX_CHARS_PER_TOKEN = 16
_MIN_WINDOW = 1
# Lines longer than this are cut by an estimated characters-per-token ratio (sampled, with a
# safety factor) instead of tokenising every window: a real tokenizer reads ~250 kB/s.
_EXACT_WINDOW_LINE_CHARS = 256_000
_SAMPLES = 16
_SAMPLE_CHARS = 2048
_SAMPLE_SAFETY = 0.75


class NoteChunks(BaseModel):
    chunks: list[Chunk]
    title: str | None = None
    """`title` from YAML front matter, if any."""
    tags: list[str] = []
    """`tags` (or `tag`) from YAML front matter: a list, or a comma/space separated string."""
    aliases: list[str] = []
    """`aliases` (or `alias`) from YAML front matter (Obsidian's other names for a note)."""
    names: list[str] = []
    """Names the front matter's other fields give (`front_matter_names`: `author: John
    Ousterhout`, `attendees: [Priya Shah, Tom Berg]`)."""

    @property
    def labels(self) -> str:
        """The words the front matter names the note by, searched with its sections (BM25's
        meta column) and read by the local coverage rule: title, aliases, tags, names."""
        return labels_text(self.title, self.tags, [*self.aliases, *self.names])


@dataclass(frozen=True)
class Section:
    start: int
    """1-based heading line (or first non-blank line of the text before any heading)."""
    end: int
    """1-based last non-blank line."""
    heading_path: list[str]
    region_end: int
    """1-based last line before the next heading (or end of body): start..region_end."""


# ----------------------------------------------------------------------------- parsing


# markdown-it stops at `maxNesting` levels and then swallows the rest of the document into the
# deepest open block (a heading after a 21-deep list would vanish with the default of 20).
# Its block parser recurses about twice per level; 200 levels stay far from Python's limit,
# and a RecursionError falls back to the default.
_MAX_NESTING = 200
_SAFE_NESTING = 20


@lru_cache(maxsize=2)
def _block_parser(max_nesting: int = _MAX_NESTING) -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"maxNesting": max_nesting}).enable("table")
    # Block structure and line maps only: inline parsing of megabytes of text is wasted work.
    md.disable(["inline", "text_join"])
    return md


@lru_cache(maxsize=1)
def _inline_parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def _heading_text(raw: str) -> str:
    """Plain text of a heading's inline Markdown (links -> their text, `code` -> code, an
    image -> its alt text). Empty for a heading of nothing but HTML (`### <a name="x"></a>`,
    an anchor to link to): it names nothing, so it adds no level to heading paths."""
    raw = raw[: _MAX_HEADING_CHARS * 4]
    parts: list[str] = []
    try:
        for tok in _inline_parser().parseInline(raw):
            for child in tok.children or []:
                if child.type in ("text", "code_inline", "image"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
    except Exception:  # never let a heading stop chunking
        parts = [raw]
    text = " ".join("".join(parts).split()) or " ".join(re.sub(r"<[^>]*>", " ", raw).split())
    return _cap(text, _MAX_HEADING_CHARS)


def _cap(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


_FM_OPEN = re.compile(r"^(---|\+\+\+)[ \t]*$")
_FM_CLOSE = {"---": re.compile(r"^(?:---|\.\.\.)[ \t]*$"), "+++": re.compile(r"^\+\+\+[ \t]*$")}


def front_matter_end(lines: Sequence[str]) -> int:
    """Number of lines the front matter takes (0 if none): YAML's "---" on line 1 ... its
    closing fence, or TOML's "+++" ... "+++" (Hugo)."""
    opened = _FM_OPEN.match(lines[0]) if lines else None
    if not opened:
        return 0
    close = _FM_CLOSE[opened.group(1)]
    for i in range(1, len(lines)):
        if close.match(lines[i]):
            return i + 1
    return 0


_LABEL_KEYS = frozenset(("title", "tags", "tag", "aliases", "alias", "categories", "category"))
"""Fields read as the note's labels (`front_matter_fields`; a blog's categories as its tags),
not as its properties."""
_SUMMARY_KEYS = frozenset(("desc", "description", "summary", "excerpt", "abstract"))
"""Fields holding a note's summary of itself, which its body says at length (Dendron's
`desc: Create a daily journal note`): as a section they drew answers from the note's own."""
_DATING_KEYS = frozenset(
    "date created updated modified lastmod last_modified published publishdate pubdate "
    "expirydate created_at updated_at".split()
)
"""Fields dating the note itself (a blog post's `date:`): as a section, "Building My First
Mechanical Keyboard / date: 2021-06-20" ranked among the post's sections for any question
about it, and pushed its parts list out of the quotes."""
_LAYOUT_KEYS = frozenset(
    "sidebar_position sidebar_label sidebar_class_name displayed_sidebar slug "
    "permalink layout nav_order nav_exclude has_children has_toc toc toc_min_heading_level "
    "toc_max_heading_level hide_title hide_table_of_contents pagination_label "
    "pagination_next pagination_prev custom_edit_url linktitle search_exclude sitemap "
    "excerpt_separator render_with_liquid image images cover thumbnail banner featured_image "
    "header_image og_image".split()
)
"""Fields laying out a site's page (Hugo's `weight`, Docusaurus' `sidebar_position`, Jekyll's
`permalink`, `nav_order`; a post's cover `image`), which say nothing of what the note is
about: as a section, `weight = 60` was the first match for "how much traffic does the canary
get?" and took one of the three sections whose lines answer it. `weight` only in Hugo's TOML:
in YAML it is as often a person's (`weight: 78.4` of a daily note)."""
_NO_PROPERTY_KEYS = _LABEL_KEYS | _SUMMARY_KEYS | _DATING_KEYS | _LAYOUT_KEYS
_NO_TOML_PROPERTY_KEYS = _NO_PROPERTY_KEYS | {"weight"}
"""The same in Hugo's TOML front matter, where `weight` orders the site's pages."""
"""Fields kept inside a span between fields that say something, never the reason for one."""
_BLOCK_MARKER = r"[>|][+-]?"
"""A YAML block scalar's marker (`desc: >-`), its text on the lines under it."""
_YAML_KEY = re.compile(r"^([^\s#:\-\[{][^:]*?)\s*:(?:\s|$)(.*)$")
_TOML_KEY = re.compile(r"^([A-Za-z_][\w.-]*)\s*=\s*(.*)$")
_SAYS_NOTHING = re.compile(
    rf"|null|~|\[\]|\{{\}}|true|false|{_BLOCK_MARKER}"  # empty, or a block's marker alone
    r"|\d{10,13}"  # a timestamp in seconds or ms (Dendron's `updated: 1639999999999`)
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # a UUID
    # an opaque id, letters and digits or letters of both cases mixed (Dendron's `id:`,
    # "ZeC74FYVECsf9bpyngVMU", "fzHazEFWTpUVexmv")
    r"|(?=\S*\d|(?-i:\S*[a-z][A-Z]))(?=\S*[a-z])[\w-]{16,}",
    re.IGNORECASE,
)
"""A property value that answers no question: empty, a boolean, a timestamp, an id."""


def property_span(lines: Sequence[str], path: str = "") -> tuple[int, int] | None:
    """0-based first and last line of the front matter's properties worth quoting: from the
    first field (a key and its indented or listed lines) other than its labels, summary and
    dates (`_NO_PROPERTY_KEYS`) whose value says something (`_SAYS_NOTHING`; nor what the
    note's `path` writes: `name: Anna Keller` in `anna-keller.md`, `session: 12` in
    `Session 12 — The Drowned Abbey.md`, which was quoted for "What happened in session
    12?" and its Recap not) to the last. "When is
    Anna Keller's birthday?" quoted her Family and Interests sections, her `birthday:
    1990-03-14` never searched; Dendron's `id`, `created` and `updated` alone make none. None
    if no field does."""
    end = front_matter_end(lines)
    if not end:
        return None
    toml = lines[0].startswith("+")
    fields: list[tuple[str, int, int, list[str]]] = []  # key, first, last, value texts
    for i in range(1, end - 1):
        line = lines[i]
        key = (_TOML_KEY if toml else _YAML_KEY).match(line) if line[:1].strip() else None
        if key is not None:
            fields.append((key.group(1).strip().strip("'\"").lower(), i, i, [key.group(2)]))
        elif fields and line.strip() and not line.lstrip().startswith("#"):
            k, first, _, values = fields[-1]
            item = line.strip().lstrip("- ")  # a listed value, or a nested field's
            nested = _YAML_KEY.match(item) if not toml else None
            fields[-1] = (k, first, i, [*values, nested.group(2) if nested else item])
    named = f" {_words(path)} "

    def says(key: str, value: str) -> bool:
        v = value.strip().strip("'\"").strip()
        said = _words(v)
        in_path = (" " in said or len(said) >= 6) and f" {said} " in named
        keyed = bool(said) and f" {_words(key)} {said} " in named  # `session: 12`, "Session 12"
        return not _SAYS_NOTHING.fullmatch(v) and not in_path and not keyed

    worth = [
        (first, last)
        for key, first, last, values in fields
        if key not in (_NO_TOML_PROPERTY_KEYS if toml else _NO_PROPERTY_KEYS)
        and any(says(key, v) for v in values)
        and not _prose(values)
    ]
    return (worth[0][0], worth[-1][1]) if worth else None


def _words(text: str) -> str:
    """Lower-case words and numbers of `text`, one space between."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


PROSE_WORDS = 8
"""A property value of more words than this is a sentence about the note (Dendron's `desc`,
"Daily journal notes are the central place to organize your everyday tasks"), which its
body says at length: as a section it drew answers from the note's own sections."""


LIST_ITEM_WORDS = 4
"""Most words of an item of a value written as a list ("Jane Smith, Kenton Lee, …")."""


def _prose(values: Sequence[str]) -> bool:
    """Whether a field's value is prose (`PROSE_WORDS`): one of its values, or a block
    scalar's lines (`desc: >-` and the lines under it) together. A list written on one line,
    items of a few words between commas or semicolons, is no prose however long: a paper's
    `authors: Jane Smith, Kenton Lee, Maria Garcia, Wei Chen, Tom Brown` was left out, and
    "Which paper is by Kenton Lee?" told "Your notes don't mention Kenton Lee"."""
    block = re.fullmatch(_BLOCK_MARKER, values[0].strip()) is not None
    texts = [" ".join(values[1:])] if block else values
    return any(len(t.split()) > PROSE_WORDS and not _listed(t) for t in texts)


def _listed(text: str) -> bool:
    """`text` is a list of short items: two or more, between commas or semicolons."""
    items = [i for i in re.split(r"\s*[,;]\s*", text.strip().strip("[]")) if i]
    return len(items) >= 2 and all(len(i.split()) <= LIST_ITEM_WORDS for i in items)


def front_matter(lines: Sequence[str]) -> dict[str, object]:
    """The fields `NoteChunks` takes from a note's front matter (`front_matter_fields`; none
    when it has none)."""
    end = front_matter_end(lines)
    if not end:
        return {}
    return front_matter_fields("\n".join(lines[1 : end - 1]), toml=lines[0].startswith("+"))


def front_matter_labels(lines: Sequence[str]) -> str:
    """A note's front-matter labels (`NoteChunks.labels`) without chunking it."""
    return NoteChunks(chunks=[], **front_matter(lines)).labels  # type: ignore[arg-type]


def front_matter_fields(block: str, toml: bool = False) -> dict[str, object]:
    """title, tags and aliases from YAML front matter text, or TOML with `toml` (None or []
    when absent); tolerant of malformed YAML or TOML."""
    data: object = None
    if toml:
        import tomllib

        with contextlib.suppress(tomllib.TOMLDecodeError):
            data = tomllib.loads(block)
    else:
        try:
            import yaml  # optional: pyyaml

            data = yaml.safe_load(block)
        except Exception:  # ImportError, or YAML it cannot read
            data = _tiny_yaml(block)
    if not isinstance(data, dict):
        return {"title": None, "tags": [], "aliases": [], "names": []}
    tags: list[str] = []
    for key in ("tags", "tag", "categories", "category"):  # a blog's categories: tags too
        raw_tags = data.get(key)
        if isinstance(raw_tags, str):
            tags += [t for t in re.split(r"[,\s]+", raw_tags) if t]
        elif isinstance(raw_tags, list | tuple):
            found = [str(t).strip() for t in raw_tags if isinstance(t, str | int | float)]
            tags += [t for t in found if t]
    tags = list(dict.fromkeys(tags))
    raw_aliases = data.get("aliases", data.get("alias"))
    aliases = [raw_aliases] if isinstance(raw_aliases, str) else raw_aliases
    return {
        "title": _one_line(data.get("title")),
        "tags": [t.lstrip("#") for t in tags],
        "aliases": [a for a in map(_one_line, aliases) if a] if isinstance(aliases, list) else [],
        "names": front_matter_names(data),
    }


_PARTICLES = frozenset("van von de der den da di du la le del bin al".split())
"""Lower-case words a name may hold between its capitalised ones ("Ludwig van Beethoven")."""


def front_matter_names(data: dict) -> list[str]:
    """The values of the front matter's fields other than title, tags and aliases that are
    names: two to four capitalised words and no digit (`author: John Ousterhout`,
    `attendees: [Priya Shah, Tom Berg]`), so "what does Ousterhout say…" finds the note and
    is not told the notes never mention him. Prose (Dendron's `desc`), dates, numbers, ids
    and links are left out: prose among the labels drew answers to wrong sections
    (docs/evaluating.md, "The front matter's other text fields")."""
    out: list[str] = []
    for key, value in data.items():
        if str(key).lower() in _LABEL_KEYS:
            continue
        for v in value if isinstance(value, list) else [value]:
            words = v.split() if isinstance(v, str) else []
            if (
                2 <= len(words) <= 4
                and words[0][0].isupper()
                and words[-1][0].isupper()
                and all(w[0].isupper() or w in _PARTICLES for w in words)
                and not any(c.isdigit() or c in ":/@<>[]{}()" for c in v)
                and (name := " ".join(words)) not in out
            ):
                out.append(name)
    return out


def _one_line(value: object) -> str | None:
    """A front-matter scalar as one line of text (None for none, an empty one or a list)."""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    return " ".join(str(value).split()) or None


def _tiny_yaml(block: str) -> dict[str, object]:
    """Fallback for `key: value` / `key: [a, b]` / `- item` lists when YAML will not do."""
    out: dict[str, object] = {}
    key = None
    for line in block.split("\n"):
        m = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", line)
        if m:
            key, val = m.group(1), m.group(2).strip()
            if val.startswith("[") and val.endswith("]"):
                out[key] = [v.strip().strip("'\"") for v in val[1:-1].split(",") if v.strip()]
            elif val:
                out[key] = val.strip("'\"")
            else:
                out[key] = []
        elif key is not None and re.match(r"^\s*-\s+", line):
            cur = out.get(key)
            if isinstance(cur, list):
                cur.append(line.split("-", 1)[1].strip().strip("'\""))
    return out


@dataclass
class _Node:
    """A block token with its 0-based [start, end) line map and its child blocks."""

    type: str
    start: int
    end: int
    level: int = 0
    """Heading level (1-6) for headings, else 0."""
    content: str = ""
    children: list[_Node] = field(default_factory=list)


_LIQUID_OPEN = re.compile(r"^ {0,3}\{%-?\s*highlight\b[^%]*-?%\}\s*$")
_LIQUID_CLOSE = re.compile(r"^ {0,3}\{%-?\s*endhighlight\s*-?%\}\s*$")


def _liquid_fences(lines: Sequence[str]) -> list[str]:
    """`lines` with each Jekyll `{% highlight lang %}` … `{% endhighlight %}` pair written as a
    code fence, line for line: a shell comment inside one ("# install the agent") read as a
    heading, and the code as prose. An opening tag with no closing one is left as it is."""
    out = list(lines)
    start: int | None = None
    for i, line in enumerate(lines):
        if start is None and _LIQUID_OPEN.match(line):
            start = i
        elif start is not None and _LIQUID_CLOSE.match(line):
            out[start] = out[i] = "```"
            start = None
    return out


def block_tokens(lines: Sequence[str], body_start: int = 0) -> list[Token]:
    """markdown-it's block tokens of lines[body_start:] (after any front matter), their line
    maps in file lines: the one parse behind both sections and `corpus.lines.LineRoles`.
    Jekyll's highlight tags are read as the code fences they stand for (`_liquid_fences`)."""
    body = lines[body_start:]
    if any("highlight" in line for line in body):
        body = _liquid_fences(body)
    src = "\n" * body_start + "\n".join(body)
    try:
        return _block_parser().parse(src)
    except RecursionError:
        return _block_parser(_SAFE_NESTING).parse(src)


def _parse(lines: list[str], body_start: int) -> list[_Node]:
    """Top-level block nodes (with children) of lines[body_start:], maps in file lines."""
    tokens = block_tokens(lines, body_start)
    roots: list[_Node] = []
    stack: list[_Node] = []
    n_lines = len(lines)
    for i, tok in enumerate(tokens):
        if tok.nesting == -1:
            if stack:
                stack.pop()
            continue
        if tok.type == "inline":
            continue
        if tok.map is None:
            if tok.nesting == 1:  # keep the stack balanced
                parent = stack[-1] if stack else None
                node = _Node(tok.type, parent.start if parent else 0, parent.end if parent else 0)
                stack.append(node)
            continue
        start, end = tok.map[0], min(tok.map[1], n_lines)
        node = _Node(tok.type, start, end)
        if tok.type == "heading_open":
            node.level = int(tok.tag[1:]) if tok.tag[1:].isdigit() else 1
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            node.content = nxt.content if nxt is not None and nxt.type == "inline" else ""
        (stack[-1].children if stack else roots).append(node)
        if tok.nesting == 1:
            stack.append(node)
    return roots


_WORD = re.compile(r"[^\W_]")


def _has_text(line: str) -> bool:
    """Not blank (no copy, unlike `strip()`, which matters for a 20 MB line)."""
    return bool(line) and not line.isspace()


def _last_nonblank(lines: list[str], start: int, end: int) -> int:
    """Largest 0-based i in [start, end) with a non-blank line, or -1."""
    for i in range(end - 1, start - 1, -1):
        if _has_text(lines[i]):
            return i
    return -1


def _first_nonblank(lines: list[str], start: int, end: int) -> int:
    for i in range(start, end):
        if _has_text(lines[i]):
            return i
    return -1


def _item_heading(item: _Node) -> _Node | None:
    """The heading a list item opens with ("- ## Croissant"), if it does."""
    first = item.children[0] if item.children else None
    return first if first is not None and first.type == "heading_open" else None


def _outline_headings(roots: list[_Node]) -> list[_Node]:
    """`roots` with each top-level list item that is a heading read as that heading, its
    nested items as the blocks under it: an outliner (Logseq) writes every line as a list
    item, its headings too ("- ## Croissant"), so a page was one section, cut by length, with
    no heading in its citations. The items after a heading item's own are the page's again
    (an `outline_break` before them), not the heading's."""
    out: list[_Node] = []
    for node in roots:
        if node.type != "bullet_list_open" or not any(map(_item_heading, node.children)):
            out.append(node)
            continue
        headed = False  # a heading item came before
        for is_heading, group in groupby(node.children, key=lambda n: _item_heading(n) is not None):
            items = list(group)
            if not is_heading:  # the items between heading items: a list of their own
                if headed:  # the page's items again, not the heading's
                    out.append(_Node("outline_break", items[0].start, items[0].start))
                out.append(_Node(node.type, items[0].start, items[-1].end, children=items))
                continue
            for item in items:
                heading = item.children[0]
                out.append(_Node(heading.type, item.start, heading.end, heading.level,
                                 heading.content))  # fmt: skip
                out.extend(item.children[1:])
            headed = True
    return out


@dataclass
class _RawSection:
    start: int  # 0-based first line
    end: int  # 0-based last non-blank line (inclusive)
    region_end: int  # 0-based exclusive end of the region
    heading_path: list[str]
    heading: _Node | None
    blocks: list[_Node]
    properties: bool = False  # the front matter's properties (`property_span`)


def _sections(lines: list[str], path: str = "") -> list[_RawSection]:
    body_start = front_matter_end(lines)
    roots = _outline_headings(_parse(lines, body_start))
    out: list[_RawSection] = []
    if (props := property_span(lines, path)) is not None:  # the note's properties: a section
        out.append(_RawSection(props[0], props[1], body_start - 1, [], None, [], True))
    stack: list[tuple[int, str]] = []
    cur_head: _Node | None = None
    cur_blocks: list[_Node] = []
    cur_path: list[str] = []
    region_start = body_start

    def flush(region_end: int) -> None:
        if cur_head is not None:
            first = cur_head.start
        else:
            first = _first_nonblank(lines, region_start, region_end)
            if first < 0:
                return
        last = _last_nonblank(lines, first, region_end)
        if last < first:  # cannot happen for a heading line, but stay safe
            last = first
        out.append(_RawSection(first, last, region_end, list(cur_path), cur_head, cur_blocks))

    for node in roots:
        if node.type == "outline_break":  # an outline's page-level items after a heading's
            flush(node.start)
            stack, cur_head, cur_blocks, cur_path = [], None, [], []
            region_start = node.start
            continue
        if node.type != "heading_open":
            cur_blocks.append(node)
            continue
        flush(node.start)
        while stack and stack[-1][0] >= node.level:
            stack.pop()
        stack.append((node.level, _heading_text(node.content)))
        cur_head, cur_blocks, cur_path = node, [], [t for _, t in stack if t]
        region_start = node.start
    flush(len(lines))
    return out


def sections(text: str, path: str = "") -> list[Section]:
    """Every section of a note at `path` (no length splitting), in file order."""
    lines = split_lines(text)
    raw = _sections(lines, path)
    return [Section(s.start + 1, s.end + 1, s.heading_path, s.region_end) for s in raw]


def section_at(text: str, line: int, path: str = "") -> tuple[int, int, list[str]] | None:
    """(start, end, heading_path) of the section of the note at `path` whose region holds
    1-based `line`.

    A section's region runs from its heading to just before the next heading, so blank lines
    after a section belong to it. None for front matter outside its properties
    (`property_span`), leading blank lines, or out of range.
    """
    for s in sections(text, path):
        if s.start <= line <= s.region_end:
            return s.start, s.end, s.heading_path
    return None


# ----------------------------------------------------------------------------- chunking


@dataclass
class _Unit:
    start: int  # 0-based first line
    end: int  # 0-based last line, inclusive
    context: str
    node: _Node | None  # the block this unit is (for list / item refinement), if any


@dataclass
class _Piece:
    start: int
    end: int
    context: str
    text: str
    cost: int
    window: bool = False


class _Chunker:
    def __init__(
        self, rel_path: str, lines: list[str], count: CountTokens, max_tokens: int, title: str = ""
    ):
        self.rel_path = rel_path
        self.title = title  # `Chunk.title`
        self.lines = lines
        self.count = count
        self.max_tokens = max(1, int(max_tokens))
        self._head_cost: dict[tuple[str, str], int] = {}

    # -- token accounting
    def cost(self, text: str) -> int:
        """Token count, or a certain over-limit for text too long to be worth tokenising."""
        if len(text) > _CHARS_PER_TOKEN_CAP * self.max_tokens:
            return self.max_tokens * 1000 + len(text)
        return self.count(text)

    def budget(self, heading: str, context: str) -> int:
        key = (heading, context)
        if key not in self._head_cost:
            head = "\n".join(p for p in (heading, context) if p)
            self._head_cost[key] = self.count(head) if head else 0
        return max(1, self.max_tokens - self._head_cost[key])

    def text(self, start: int, end: int) -> str:
        return "\n".join(self.lines[start : end + 1])

    def make(self, sec: _RawSection, start: int, end: int, text: str, context: str) -> Chunk:
        fields = {
            "path": self.rel_path,
            "heading_path": sec.heading_path,
            "start_line": start + 1,
            "end_line": end + 1,
            "text": text,
            "context": context,
            "title": self.title if sec.heading_path else "",
        }
        above = head(sec.heading_path, self.rel_path, self.title)
        embed = embed_text(above, context, text)  # == Chunk's
        return Chunk(**fields, content_hash=text_hash(embed))

    # -- sections
    def chunk_section(self, sec: _RawSection) -> list[Chunk]:
        text = self.text(sec.start, sec.end)
        above = head(sec.heading_path, self.rel_path, self.title)
        heading = HEADING_SEP.join(above)
        marked = PROPERTIES if sec.properties else ""  # a properties piece says it is one
        full = embed_text(above, marked, text)
        if self.cost(full) <= self.max_tokens:
            return [self.make(sec, sec.start, sec.end, text, marked)]
        pieces = self.split(sec, heading)
        out: list[Chunk] = []
        for p in pieces:
            out.append(self.make(sec, p.start, p.end, p.text, marked or p.context))
        return out

    def _partition(self, nodes: list[_Node], start: int, end: int, context: str) -> list[_Unit]:
        """Units for lines start..end (inclusive), one per node, each running to the line
        before the next node, trailing blank lines trimmed. Lines before the first node go
        with the first unit."""
        units: list[_Unit] = []
        nodes = [n for n in nodes if start <= n.start <= end]
        for i, n in enumerate(nodes):
            u_start = _first_nonblank(self.lines, start if i == 0 else n.start, n.end)
            if u_start < 0:
                u_start = n.start
            nxt = nodes[i + 1].start - 1 if i + 1 < len(nodes) else end
            last = _last_nonblank(self.lines, u_start, nxt + 1)
            if last >= u_start:
                units.append(_Unit(u_start, last, context, n))
        if not nodes:
            last = _last_nonblank(self.lines, start, end + 1)
            first = _first_nonblank(self.lines, start, end + 1)
            if first >= 0:
                units.append(_Unit(first, last, context, None))
        return units

    def _item_context(self, item: _Node, outer: str, heading: str) -> str:
        """Ancestor items' first lines (or a table's header row), nearest last; the farthest
        are dropped when the heading and context would take more than half of `max_tokens`."""
        first = _cap(self.lines[item.start][: _MAX_CONTEXT_CHARS * 2].strip(), _MAX_CONTEXT_CHARS)
        parts = [*outer.split("\n"), first] if outer else [first]
        while parts:
            ctx = "\n".join(parts)
            if len(ctx) <= _MAX_CONTEXT_CHARS and (
                self.max_tokens - self.budget(heading, ctx) <= self.max_tokens // 2
            ):
                return ctx
            parts.pop(0)
        return ""

    def refine(self, u: _Unit, heading: str) -> list[_Unit] | None:
        """Split a unit one level finer; None if it is a single line (-> windows)."""
        node = u.node
        if node is not None and node.type == "table_open" and u.end > u.start:
            # One unit per row, each with the header row as context: rows split off from
            # their header are still embedded with what their columns mean.
            ctx = self._item_context(node, u.context, heading)
            return [
                _Unit(i, i, ctx, None)
                for i in range(u.start, u.end + 1)
                if _has_text(self.lines[i])
            ]
        if node is not None and node.type in ("bullet_list_open", "ordered_list_open"):
            items = [c for c in node.children if c.type == "list_item_open"]
            if len(items) == 1:
                return [_Unit(u.start, u.end, u.context, items[0])]
            if len(items) > 1:
                units = self._partition(items, u.start, u.end, u.context)
                if len(units) > 1:
                    return units
        if node is not None and node.type == "list_item_open":
            kids = [c for c in node.children if c.start > node.start]
            if kids:
                # The item's own first lines, then its later children (nested lists expand to
                # their items); everything after the first line carries the item as context.
                head_end = kids[0].start - 1
                units = []
                last = _last_nonblank(self.lines, u.start, head_end + 1)
                if last >= u.start:
                    units.append(_Unit(u.start, last, u.context, None))
                ctx = self._item_context(node, u.context, heading)
                for i, k in enumerate(kids):
                    k_end = kids[i + 1].start - 1 if i + 1 < len(kids) else u.end
                    k_last = _last_nonblank(self.lines, k.start, k_end + 1)
                    if k_last < k.start:
                        continue
                    if k.type in ("bullet_list_open", "ordered_list_open"):
                        items = [c for c in k.children if c.type == "list_item_open"]
                        units.extend(self._partition(items, k.start, k_last, ctx))
                    else:
                        units.append(_Unit(k.start, k_last, ctx, k))
                if len(units) > 1 or (units and units[0].node is not None):
                    return units
        if u.end > u.start:
            out = []
            for i in range(u.start, u.end + 1):
                if _has_text(self.lines[i]):
                    out.append(_Unit(i, i, u.context, None))
            return out
        return None

    def too_long(self, line: str) -> bool:
        """Longer than the model reads, alone under no heading."""
        return self.cost(line) > self.max_tokens

    def windows(self, line_no: int, context: str, budget: int) -> list[_Piece]:
        line = self.lines[line_no]
        n = len(line)
        pieces: list[_Piece] = []
        width = max(16, budget * _WINDOW_CHARS_PER_TOKEN)
        cap = max(16, budget * _WINDOW_MAX_CHARS_PER_TOKEN)
        estimate: float | None = None  # tokens per character, for huge lines
        if n > _EXACT_WINDOW_LINE_CHARS:
            estimate = self._tokens_per_char(line)
            width = max(_MIN_WINDOW, min(cap, int(budget / estimate)))
        pos = 0
        while pos < n:
            while True:
                hard = min(n, pos + width)
                cut = hard
                if hard < n:
                    # Break after the last whitespace in the second half of the window.
                    ws = max(line.rfind(" ", pos + width // 2, hard), line.rfind("\t", pos, hard))
                    if ws >= pos + width // 2:
                        cut = ws + 1
                piece = line[pos:cut]
                if estimate is not None:
                    c = min(budget, int(len(piece) * estimate) + 1)
                    break
                c = self.count(piece) if _has_text(piece) else 0
                if c <= budget or width <= _MIN_WINDOW:
                    break
                width = max(_MIN_WINDOW, int(width * budget / c * 0.9))
            if _has_text(piece):
                pieces.append(_Piece(line_no, line_no, context, piece, c, window=True))
            pos = cut
            if c < budget // 2 and width < cap:
                width = min(cap, width * 2)
        return pieces

    def _tokens_per_char(self, line: str) -> float:
        """Conservative tokens-per-character of a huge line, from evenly spaced samples:
        the densest sample, over a safety factor (an estimate, not a bound)."""
        n = len(line)
        step = max(1, (n - _SAMPLE_CHARS) // max(1, _SAMPLES - 1))
        densest = 1.0 / _WINDOW_MAX_CHARS_PER_TOKEN
        for k in range(_SAMPLES):
            sample = line[k * step : k * step + _SAMPLE_CHARS]
            if _has_text(sample):
                densest = max(densest, self.count(sample) / len(sample))
        return densest / _SAMPLE_SAFETY

    def split(self, sec: _RawSection, heading: str) -> list[_Piece]:
        # Initial units: the heading (plus any stray lines before the first block), then
        # one unit per top-level block.
        if sec.heading is not None:
            head_end = sec.heading.end - 1
            blocks = [b for b in sec.blocks if b.start > head_end]
            first_block = blocks[0].start if blocks else sec.end + 1
            h_last = _last_nonblank(self.lines, sec.start, min(first_block, sec.end + 1))
            units = [_Unit(sec.start, max(h_last, sec.start), "", None)]
            if blocks:
                units += self._partition(blocks, blocks[0].start, sec.end, "")
        else:
            units = self._partition(sec.blocks, sec.start, sec.end, "")

        heading_unit = units[0] if sec.heading is not None else None
        final: list[_Piece] = []
        todo = list(reversed(units))
        while todo:
            u = todo.pop()
            budget = self.budget(heading, u.context)
            text = self.text(u.start, u.end)
            if u is not heading_unit and all(says_nothing(x) for x in text.split("\n")):
                continue  # a lone thematic break ("------"): a chunk of it would say nothing
            c = self.cost(text)
            if c <= budget:
                final.append(_Piece(u.start, u.end, u.context, text, c))
                continue
            finer = self.refine(u, heading)
            line = self.lines[u.start]
            if finer is None and u.start == u.end and only_links(line) and self.too_long(line):
                continue  # an image or link too long to embed (a notebook's inline plot)
            if finer is None:
                final.extend(self.windows(u.start, u.context, budget))
            else:
                todo.extend(reversed(finer))
        return self.pack(final, heading)

    def pack(self, pieces: list[_Piece], heading: str) -> list[_Piece]:
        """Merge adjacent whole-line pieces with the same context while they fit."""
        out: list[_Piece] = []
        group: list[_Piece] = []
        total = 0

        def close() -> None:
            nonlocal total
            if not group:
                return
            if len(group) == 1:
                out.append(group[0])
            else:
                merged = _Piece(
                    group[0].start,
                    group[-1].end,
                    group[0].context,
                    self.text(group[0].start, group[-1].end),
                    total,
                )
                head = "\n".join(x for x in (heading, merged.context) if x)
                full = f"{head}\n{merged.text}" if head else merged.text
                if self.cost(full) <= self.max_tokens:
                    out.append(merged)
                else:  # the sum under-estimated: keep the parts (each fits on its own)
                    out.extend(group)
            group.clear()
            total = 0

        for p in pieces:
            if p.window:
                close()
                out.append(p)
                continue
            if group:
                g = group[-1]
                budget = self.budget(heading, p.context)
                if p.context == g.context and total + p.cost <= budget and p.start > g.end:
                    group.append(p)
                    total += p.cost
                    continue
                # "... consists of the following components:" starts the next piece, with the
                # list it introduces, rather than ending this one without it.
                # (The next piece's context may add to the lead-in's: a table's header row, a
                # list item's parent. The merged piece keeps the lead-in's, the outer one.)
                lead = (
                    len(group) > 1
                    and p.context.startswith(g.context)
                    and g.cost + p.cost <= budget
                    and introduces(g.text)
                )
                if lead:
                    group.pop()
                    total -= g.cost
                close()
                if lead:
                    group.append(g)
                    total = g.cost
            group.append(p)
            total += p.cost
        close()
        return out


_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")  # a thematic break: "---", "* * *"


def says_nothing(line: str) -> bool:
    """A blank line or a thematic break: never a chunk, or the end of a quote, on its own."""
    return not line.strip() or bool(_BREAK.match(line))


_LABEL = re.compile(r"(\*\*|__)(?=[^\s*_]).*(\*\*|__):?")  # "**Custom schedulers**"


_SUMMARY = re.compile(r"<summary\b[^>]*>.*</summary>$", re.IGNORECASE)
"""An HTML `<details>` element's summary line, what its folded body is about."""
_FOLLOWING = re.compile(
    r"(?:\bthe following\b"  # "The following use cases are supported\."
    r"|^(?:to\b[^,]*,\s*)?(?:follow|complete|use|perform)\s+(?:these|the)\s+steps\b)"
    r"[^.]*\\?\.$",
    re.IGNORECASE,
)


_BLOCK_TITLE = re.compile(
    r"[ \t]*(?:===[+!]?[ \t]+\"[^\"]*\"|(?:!!!|\?\?\?\+?)[ \t]+[\w-]+(?:[ \t]+\"[^\"]*\")?)[ \t]*"
)


def titles_block(line: str) -> bool:
    """A line that titles the indented block under it, as MkDocs writes a content tab
    (`=== "PostgreSQL"`) or an admonition (`!!! warning "Port change"`, `??? note`): like a
    lead-in, it says nothing without what follows (the steps under `=== "PostgreSQL"` were
    left out of the answer to how to upgrade PostgreSQL)."""
    return bool(_BLOCK_TITLE.fullmatch(line))


def introduces(text: str) -> bool:
    """Text whose last line introduces what follows: it ends with a colon ("... consists of
    the following:"), is a sentence about "the following" ("The following use cases are
    supported\\.") or one asking to follow steps ("Follow these steps to ..."), is a bold
    label alone ("**To view your scheduled tasks**") or an HTML `<details>` element's
    summary (`<summary>Why not use a personal token in CI?</summary>`, over the body it
    folds away). The chunker keeps it with what follows; answers quote on past it.
    (English, like the stemmer.)"""
    last = text.rstrip()
    last = last[last.rfind("\n") + 1 :].strip()
    return last.endswith(":") or bool(
        _LABEL.fullmatch(last) or _FOLLOWING.search(last) or _SUMMARY.search(last)
    )


_LINKS = re.compile(
    r"!?\[[^\]]*\]\([^)]*\)"  # [text](url), ![alt](image)
    r"|!?\[[^\]]*\]\[[^\]]*\]"  # [text][ref]
    r"|<[a-z][a-z0-9+.-]*:[^>\s]*>"  # <https://...>
    r"|\b[a-z][a-z0-9+.-]*://\S+",  # a bare URL
    re.IGNORECASE,
)


_WIKI_LINKS = re.compile(r"!?\[\[[^\]\n]*\]\]")  # [[wiki link]], ![[transclusion]]
_CITES = re.compile(r"\[(?:[^\[\]\n]*?[\s;-])?@\w[^\[\]\n]*\]")  # [@key], [see @a; @b, p. 3]
_ID_LINK = re.compile(r"\[\[\d{6,}(?:\|[^\]\n]*)?\]\][^\[\]\n.!?:;]*(?=\[\[|$)")
"""A Zettelkasten link to a note named by its ID, with the title written after it ("[[202303031100]]
ALiBi", as the link shows only the ID): the title is the link's text, up to the next link or
the line's end, with no sentence's punctuation."""
_EMBEDS = re.compile(r"(?:!\[\[[^\]\n]*\]\]\s*)+")  # transclusions and nothing else
_TAGS = re.compile(r"(?<![\w#&/])#[^\W\d_][\w/-]*")  # #homelab, #project/alpha, not "# x"
_BLOCK_REF = re.compile(r"\(\([0-9a-fA-F][0-9a-fA-F-]{7,}\)\)")  # Logseq's ((uuid)) reference
_BLOCK_ID = re.compile(r"\s*id::\s*[0-9a-fA-F-]{8,}\s*")  # Logseq's anchor of a block


def holds_link(line: str) -> bool:
    """A line that points elsewhere, whatever else it says ("- Deploy Docker on ECS -
    https://…", "see [[schemas]]")."""
    return bool(_LINKS.search(line) or _WIKI_LINKS.search(line))


_REF_DEF = re.compile(r"\s{0,3}\[[^\]]+\]:\s*\S+(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*")
"""A link reference definition ("[mysql]: https://github.com/… \"issue 212\""): the target of
a "[text][mysql]" link elsewhere, never shown to the reader."""

_TAG = re.compile(r"</?[A-Za-z][\w.:-]*(?:\s[^<>]*)?/?>")
"""An HTML or JSX tag: "<Tabs>", "</TabItem>", "<TabItem value=\"py\" label=\"Python\">"."""

_MACRO = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{/\*.*?\*/\}")
"""A template or outline macro: "{{query (todo TODO)}}", "{{< figure >}}", "{% include x %}", an
MDX comment "{/* … */}"."""

_ESM = re.compile(
    r"\s*(?:import\s+(?:[\w*{}\s,]+\s+from\s+)?['\"][^'\"]+['\"]"
    r"|export\s+(?:(?:default|const|let|var|function)\b|\{)).*"
)
"""An MDX file's import or export line ("import Tabs from '@theme/Tabs';")."""

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_OUTLINER_STATE = re.compile(
    r"\s*(?:(?:[-*+]\s+)?(?:(?:collapsed|heading)::\s*(?:true|false|\d)|id::\s*" + _UUID + r")"
    r"|(?:[-*+]\s+)?\(\(" + _UUID + r"\)\)"
    r"|:(?:LOGBOOK|PROPERTIES|END):|CLOCK:\s*\[[^\]]*\].*)\s*",
    re.IGNORECASE,
)
"""An outliner's state of a block, not its text: Logseq's "collapsed:: true", a block's
"id:: 6601f0c2-…" (quoted as an answer's second line), a bare block reference
"((6601f0c2-…))" (whose text is elsewhere), its time log (":LOGBOOK:", "CLOCK:
[2026-11-10 Tue 09:12]--[…] =>  03:27:29", ":END:")."""


def only_markup(line: str) -> bool:
    """A line that shows its reader no words of its own, outside code: tags alone ("<Tabs>",
    "</TabItem>", "<details>", an image tag), a template or outline macro ("{{query (and
    [[todo]])}}", "{{embed [[page]]}}", "{{< figure >}}"), an MDX import or export, or an
    outliner's state of a block (Logseq's "collapsed:: true", a block's "id::", a bare block
    reference, its ":LOGBOOK:" of clock lines). An MDX page's `<TabItem value=\"go\">`
    scored 0.74 for a question under its heading and was quoted in place of the sentence
    that answers. A tag with words beside it
    ("<summary>How long are jobs kept?</summary>") says something."""
    if _ESM.fullmatch(line) or _OUTLINER_STATE.fullmatch(line):
        return True
    rest = _MACRO.sub(" ", _TAG.sub(" ", line))
    return rest != line and not _WORD.search(rest)


def only_tags(line: str) -> bool:
    """A line of nothing but #tags ("#finance/budget #finance", Bear's last line): it files
    the note, and says nothing."""
    rest = _TAGS.sub(" ", line)
    return rest != line and not _WORD.search(rest)


def link_definition(line: str) -> bool:
    """A link reference definition ("[2.3.1]: https://…", a changelog's last lines): never
    shown where the Markdown is rendered, so never the end of a quote."""
    return bool(_REF_DEF.fullmatch(line))


def only_links(line: str, wiki: bool = False) -> bool:
    """A line that only points elsewhere ("+ [Installing the agent](ecs-agent-install.md)", an
    image, a bare URL): it names a topic without saying anything about it, so it is no
    evidence that a section answers a question (a "Topics" list matches every question about
    the topics it lists). With `wiki`, wiki links and transclusions count as links too
    ("- [[prioritySymbols|dendron.topic.tasks.config.priority-symbols]]", "![[schema.lib]]"):
    such a line is no evidence either, but a list of them stays in a quote, since in a wiki
    a list of page names is often the answer ("supports the following symbols: [[Wiki
    Links]], ..."). With `wiki`, a line of nothing but #tags ("#homelab #networking") is a
    list of links to tag pages too: it files the note, and says nothing; so is an outline's
    block reference ("((65f1c2a0-…))", shown in place of a block elsewhere) and a block's
    anchor ("id:: 65f1c2a0-…"); and a Zettelkasten ID link with the note's title after it
    ("- [[202303031100]] ALiBi", an index note's line, quoted for "What is ALiBi?" in place of
    the note itself). A link reference definition ("[mysql]: https://…") is a link too, never
    shown, and so is a citation key alone ("[@press2022alibi]", pandoc's: a literature note's
    first line, quoted alone as the answer to "What is ALiBi?")."""
    if (wiki and _BLOCK_ID.fullmatch(line)) or link_definition(line):
        return True
    text = rest = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", line)  # a list marker
    wikis = (_ID_LINK, _WIKI_LINKS, _TAGS, _BLOCK_REF)
    for links in (*wikis, _LINKS, _CITES) if wiki else (_LINKS, _CITES):
        rest = links.sub(" ", rest)
    return rest != text and not _WORD.search(rest.replace("\\", ""))


_WEB_LINK = re.compile(
    r"(?<!!)\[[^\]]*[^\W_][^\]]*\]\(\s*<?https?://[^)]*\)|(?<!\()\bhttps?://\S+", re.I
)
"""A link to a web page with its title ("[Helm chart best practices](https://helm.sh/…)"), or a
bare web address: a page the note keeps, not another note, nor an image ("![…](https://…)")."""
_LIST_ITEM = re.compile(r"\s*(?:[-*+]|\d+[.)])\s+\S")
"""A list item's marker: "- ", "* ", "1. "."""


def web_link(line: str) -> bool:
    """A list item linking to a web page (`_WEB_LINK`), not only to other notes or images: a
    bookmark. A bookmark collection's line is the answer to "where's that article on …?". Not
    a paragraph's lone link: a til note's last line, "[source](http://stackoverflow.com/…/
    how-to-show-first-commit-by-git-log)", scored 0.86 by its address's words and was quoted
    alone for "How do I find the very first commit…?"."""
    return _LIST_ITEM.match(line) is not None and _WEB_LINK.search(line) is not None


_POINTER = re.compile(
    r"\b(?:see|learn|read|refer|reference|details|documentation|docs|links?|related)\b",
    re.I,
)


def points_elsewhere(line: str, wiki: bool = False) -> bool:
    """A line whose words only send the reader to the links that end it ("To learn more about
    scratch notes, see: [[Scratch Note]]", "Reference: [API docs](https://…)"): it names a
    topic and says where to read about it, not what it is, so, like `only_links`, it is no
    evidence. Its words end on a colon and say "see", "learn", "read", "refer" and the like
    (in "supports one source code repository provider: [GitHub](…)" the link is the answer),
    or are "see" alone, or after a label and its colon ("Marco's conditions: see [[…]]"), or
    only label the notes it draws on ("Sources: [[Atomic Habits]], [[Deep Work]]", a
    synthesis note's line quoted first for "Which habit strategies worked for me?"; "up::"),
    or point at them with an arrow ("does she know how to swim?? → [[continuity-fixes]]", the
    one line quoted for "Can Maren swim?"), unless a sentence ends before the arrow's words
    ("led by Mayor Osric Fenn. Watch → [[Captain Harrow]].": the mayor's line is a fact, and
    was never quoted for "Who is the mayor?"). With `wiki`, wiki links count as links."""
    links = _LINKS.pattern + (("|" + _WIKI_LINKS.pattern) if wiki else "")
    first = re.search(links, line, re.IGNORECASE)
    if first is None:
        return False
    words = line[: first.start()].rstrip()
    rest = line[first.start() :]
    if wiki and words.endswith(":") and _EMBEDS.fullmatch(rest):
        return True  # "Embed of the decisions: ![[Meeting#Decisions]]": shown from elsewhere
    if (_SEE.fullmatch(words) or _SOURCES.fullmatch(words)) and only_links(rest, wiki):
        return True  # "See [[Note]]", "- Marco's conditions: see [[Marco Bellini#Q3 budget]]"
    if words.endswith(_ARROWS) and only_links(rest, wiki) and not _SENTENCE_BEFORE.search(words):
        return True  # "- does she know how to swim?? → [[continuity-fixes]]": asked elsewhere
    return words.endswith(":") and bool(_POINTER.search(words)) and only_links(rest, wiki)


_ARROWS = ("→", "->", "=>", "⇒", "⟶")
"""An arrow pointing a line's words at the links after it."""
_SENTENCE_BEFORE = re.compile(r"[.!?;]\S*\s+\w")
"""A sentence ending before the last one, whose words an arrow points at its links."""
_SOURCES = re.compile(r"[-*+>\s]*(?:\*\*|__)?(?:sources?|backlinks?|up)(?:\*\*|__)?\s*::?", re.I)
"""A label that only lists the notes a note draws on or sits under ("Sources:", "up::")."""
_SEE = re.compile(r"[-*+>\s]*(?:[^:\n]{0,60}:\s*)?(?:see(?:\s+also)?|cf\.?|refer\s+to)", re.I)
"""Words that only say "see" the links after them, alone or after a label and its colon."""


def chunk_note(rel_path: str, text: str, count_tokens: CountTokens, max_tokens: int) -> NoteChunks:
    """Chunk one note (text as `corpus.read.read_note` returns it) into sections.

    `count_tokens` counts the tokens of a string as the embedder would (the chunker needs no
    model); chunks whose `embed_text()` exceeds `max_tokens` are split (module docstring).
    """
    lines = split_lines(text)
    raw = _sections(lines, rel_path)
    labels = front_matter(lines)
    title = untitled_head(raw, rel_path, labels.get("title"))  # type: ignore[arg-type]
    chunker = _Chunker(rel_path, lines, count_tokens, max_tokens, title)
    chunks: list[Chunk] = []
    for sec in raw:
        chunks.extend(chunker.chunk_section(sec))
    return NoteChunks(chunks=chunks, **labels)  # type: ignore[arg-type]


def untitled_head(raw: list[_RawSection], path: str, title: str | None) -> str:
    """The title above every heading path of a note that has a front-matter title and no
    level-1 heading (`Chunk.title`): that title, then the words of its file name's title
    (`note_title`) it does not repeat. A Jekyll post, a Hugo page, a Dendron note write their
    subject in the front matter, never as a `#` heading, and a post's "## Feeding schedule"
    is about the sourdough starter its title names (Dendron's calibration Hit@1 0.478 ->
    0.543). "" for a note with a level-1 heading (its heading path starts with its title) or
    no front-matter title: the bundled notes, one file of `###` sections, lost gold Hit@1
    0.897 -> 0.845 under their file name "aws containers" (docs/evaluating.md)."""
    if not title or any(s.heading is not None and s.heading.level == 1 for s in raw):
        return ""
    words = title.split()
    seen = {w.casefold() for w in words}
    words += [w for w in note_title(path).split() if w.casefold() not in seen]
    return " ".join(words)[:_MAX_HEADING_CHARS]
