"""Stage: line evidence. Which lines of a section are compared with the question.

Lexical matches first; navigation (lines of nothing but links, and the label introducing
them) is never evidence while the link rule is on, nor are lines of nothing but HTML comment
while the comment rule is on.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import PurePosixPath

import numpy as np

from assistant.options import AnswerOptions
from assistant.stages.source import NotesSource
from corpus.dates import month_names
from corpus.lines import LineRoles
from corpus.markdown import (
    introduces,
    only_links,
    only_markup,
    points_elsewhere,
    says_nothing,
    web_link,
)
from corpus.models import Chunk
from index.models import Hit
from index.retrieve import CLIPPINGS, WEB_WORDS, TermInfo
from index.store import CJK, term_queries

_HTML_HEADING = re.compile(r"^[ \t]*<h([1-6])\b[^>]*>.*</h\1>[ \t]*$", re.IGNORECASE | re.MULTILINE)
"""A line that is an HTML heading ("<h1>WireGuard VPN</h1>"): a title, as a "#" heading is."""

_UNSEEN = re.compile(r"<!--|%%|<(?:style|script)\b", re.IGNORECASE)
"""Text that may hold lines the rendered note never shows (`LineRoles.comments`)."""

_QUERY_FENCE = re.compile(
    r"^[ \t>]*(?:`{3,}|~{3,})[ \t]*(?:dataview|dataviewjs|query|tasks|base)\b", re.M | re.I
)
"""The opening fence of a notes app's query (Obsidian's Dataview, Tasks and search blocks)."""


def query_lines(lines: Sequence[str], roles: LineRoles) -> set[int]:
    """The lines of a notes app's query blocks (`_QUERY_FENCE`), fences included: the app
    shows the query's results in their place, never its words."""
    out: set[int] = set()
    for start, close in roles.fences.items():
        if 0 <= start < len(lines) and _QUERY_FENCE.match(lines[start]):
            out |= set(range(start, len(lines) if close is None else close + 1))
    return out


_BLANK_ITEM = re.compile(r"\s*(?:(?:[-*+]|\d+[.)])(?:\s+\[[ xX]\])?)?[^\w]*")
"""A line with no word of its own: an empty list item or task ("1. ", "- [ ] "), as a
template's blanks are, or punctuation alone."""

_PLACEHOLDER = re.compile(
    r"\s*(?:(?:[-*+>]|\d+[.)])(?:\s+\[[ xX]\])?\s*)?[\W_]*"
    r"(?:todo|tbd|tba|wip|fixme|xxx|stub|placeholder|coming soon|work in progress"
    r"|to (?:do|be (?:written|done|continued|filled in))|nothing (?:here )?yet"
    r"|not (?:yet )?(?:written|filled in|done)(?: up)?(?: yet)?)[\W_]*",
    re.IGNORECASE,
)
"""A line that only marks a note as unwritten ("TODO", "_TBD_", "- WIP", "Coming soon…", "Not
written up yet.")."""

_TODO = re.compile(
    r"\s*(?:(?:[-*+>]|\d+[.)])\s+)?(?:\[ \]\s+)?[*_~]*(?:TODO|FIXME|(?i:todo|fixme)(?=[*_~]*\s*:))"
    r"(?![\w-])(?=.*(?:\?|(?i:\b(?:look(?:ed)? (?:it |this |that )?up|find out|figure out|"
    r"go over|read up|not sure|no idea|unclear|ask \w+)\b)))"
)
"""A to-do line that asks: one opening with "TODO" or "FIXME" (as written in capitals, or
"todo:"), a list item's or unticked box's aside, and asking a question or marking what its
writer does not know ("TODO: what's the difference btwn flippase and scramblase?? look up",
"TODO: she mentioned the Lerner index, didn't define it. look up?"); not one that holds a
fact ("TODO certs expiring: vpn.contoso.com (2024-11), wildcard (2025-01)")."""
TODO_WORDS = frozenset(
    "todo todos task tasks fixme need needs left pending outstanding unfinished remaining "
    "review plan planned".split()
)
"""Question terms that ask about to-dos ("What TODOs are left?", "What do I still need to do
for the move?"): a to-do line answers them."""


def to_dos_count(terms: Iterable[str], opts: AnswerOptions) -> bool:
    """Whether to-do lines are evidence for a question of `terms` (the to-do rule,
    `todo_lines`: only for a question about to-dos)."""
    return not opts.todo_lines or any(t in TODO_WORDS for t in terms)


_BREADCRUMB = re.compile(r"[ \t]*[^/>›»\n]{1,60}?(?:[ \t]+[/>›»][ \t]+[^/>›»\n]{1,60}?)+[ \t]*")
"""A wiki export's breadcrumb above a page's title ("Engineering / Runbooks / Postgres
failover"): where the page is filed."""
_EDITED = re.compile(r"[\W_]*(?:last[ \t]+(?:edited|updated|modified)|page[ \t]+id)\b", re.I)
"""A wiki export's footer line ("Last edited by Priya Nair on 2024-10-02 · Page ID db0001")."""


def evidence_lines(
    chunk: Chunk,
    terms: Sequence[str],
    limit: int,
    links: bool = True,
    comments: bool = True,
    markup: bool = True,
    bookmarks: bool = False,
    todos: bool = True,
    defines: Callable[[str], bool] | None = None,
) -> list[int]:
    """Positions in `chunk.body_lines()` worth scoring, at most `limit`: lexical matches first.
    Navigation is never evidence: lines that only link elsewhere (`only_links`), and the label
    that introduces them ("**Topics**"). Nor, with `comments`, is a line of nothing but HTML
    comment ("<!-- TODO: write the rollback plan -->"): a reader of the note never sees it.
    Nor is a setext heading's text or underline ("Upgrade\\n======="), which `body_lines`
    keeps (it leaves out only a "#" heading line), or an HTML heading ("<h1>WireGuard
    VPN</h1>", outside code): a heading is each line's context, and matching it says nothing
    of what the section says (a note's `<h1>` title scored above its every line). Nor is a
    table's rule ("|---|---|") or its header row, which names the columns as a heading names
    a section ("| Date | Holiday | Office closed? |" was quoted alone for "Is the office
    closed on July 19?"; a row quoted brings its header along), or any line with no word of
    its own (`_BLANK_ITEM`): an
    Obsidian daily-note template's empty "1. " under "## Gratitude" scored 0.56 by its
    heading alone and was quoted, alone, as what the user wrote under gratitude; nor a
    placeholder alone (`_PLACEHOLDER`: a cheat sheet's "# git bisect" over "TODO" scored 0.65
    and "> TODO" was the answer to how to use git bisect); nor a wiki export's breadcrumb
    above the page's first heading ("Engineering / Incidents / 2024-03-12 Billing outage",
    quoted alone for "what happened in the March 2024 incident?") or its "Last edited by …"
    footer (0.81 for "postgres failover", under the page's title: the whole answer). Nor, with
    `markup`, is a line outside code of tags or macros alone (`only_markup`: "<TabItem
    value=\"go\">", "{{query (todo TODO)}}"), which also scores by its heading alone, nor a
    line of a notes app's query block (`_QUERY_FENCE`: "```dataview" over "TASK FROM
    \"Projects\" WHERE !completed" was quoted, "high", for "What are my open tasks?"): the
    app shows its results in its place, never its words; nor the title of a callout over
    lines of its own ("> [!todo] Before the contract ends" scored 0.67 for "When does my
    internet contract end?", above the contract's end date): it heads them, as a heading
    does, and a quote of them starts at it. Nor, unless `todos`, is a to-do line that asks
    (`_TODO`): it names what its writer has yet to find out, no fact ("TODO: what's the
    difference btwn flippase and scramblase?? look up" scored 0.82 for that question and was
    quoted, "high", as its answer). Nor is a line that `defines` an abbreviation of a phrase
    the question writes (the abbreviation rule: "| OA | oxalic acid |" says what the letters
    stand for, not how to do the trickle)."""
    lines = chunk.text.split("\n")
    bare = {i for i, x in enumerate(lines) if only_markup(x)} if markup else set()
    setext = bool(chunk.heading_path) and not lines[0].lstrip().startswith("#")
    queries = markup and _QUERY_FENCE.search(chunk.text)
    roles = (
        LineRoles.of(lines, front_matter=False)
        if setext
        or (comments and _UNSEEN.search(chunk.text))
        or _HTML_HEADING.search(chunk.text)
        or "|" in chunk.text
        or bare  # markup alone, unless in code
        or queries
        or (markup and "[!" in chunk.text)  # a callout's title
        else None
    )
    if queries and roles is not None:  # a notes app's query block: its lines are no text
        bare |= query_lines(lines, roles)
    if markup and roles is not None:  # a callout's title over its lines: their heading
        bare |= {t for i in range(len(lines)) if (t := roles.callout_title(i)) is not None}
    top = 0  # the section's own heading lines, at its start (a later piece has none)
    while setext and roles is not None and top < len(lines) - 1 and roles.is_heading(top):
        top += 1
    body = [
        (n, i)
        for n, (i, _) in enumerate(chunk.body_lines())
        if i >= top
        and not (links and is_navigation(lines, i, wiki=True, bookmarks=bookmarks))
        and not (roles is not None and comments and roles.is_comment(i))
        and not (roles is not None and _HTML_HEADING.match(lines[i]) and not roles.in_code(i))
        and not (roles is not None and (roles.is_table_rule(i) or roles.is_table_head(i)))
        and not _BLANK_ITEM.fullmatch(lines[i])
        and not _PLACEHOLDER.fullmatch(lines[i])
        and (todos or not _TODO.match(lines[i]))
        and not (not chunk.heading_path and _BREADCRUMB.fullmatch(lines[i]))
        and not _EDITED.match(lines[i])
        and not (roles is not None and i in bare and (queries or not roles.in_code(i)))
        and not (defines is not None and defines(lines[i]))
    ]
    if len(body) <= limit:
        return [n for n, _ in body]
    matched = matching_lines([lines[i] for _, i in body], terms)
    first = [n for (n, _), m in zip(body, matched, strict=True) if m]
    taken = set(first)
    rest = [n for n, _ in body if n not in taken]
    return sorted((first + rest)[:limit])


def unwritten(chunk: Chunk) -> bool:
    """A section that only marks itself unwritten ("# k9s" over "TODO"): its heading names a
    subject the note says nothing of yet, so it holds no term for the local coverage rule."""
    text = chunk.text.split("\n")
    lines = [text[i] for i, _ in chunk.body_lines()]
    return bool(lines) and all(_PLACEHOLDER.fullmatch(line) for line in lines)


def is_navigation(
    lines: Sequence[str], i: int, wiki: bool = False, bookmarks: bool = False
) -> bool:
    """A line that only links elsewhere (`only_links`), points to the links after it
    (`points_elsewhere`), or introduces a list of links. With `bookmarks` (the bookmark rule),
    a link to a web page (`web_link`) is not navigation: it is the page the note keeps."""

    def links(line: str) -> bool:
        return only_links(line, wiki) and not (bookmarks and web_link(line))

    if links(lines[i]) or points_elsewhere(lines[i], wiki):
        return True
    if not introduces(lines[i]):
        return False
    after = next((x for x in lines[i + 1 :] if not says_nothing(x)), "")
    return links(after)


def matching_lines(lines: Sequence[str], terms: Sequence[str]) -> list[set[str]]:
    """For each line, the query terms it contains, using FTS5's porter stemmer (same as BM25);
    a Chinese or Japanese term as written inside the line (`index.store.CJK`)."""
    hits: list[set[str]] = [set() for _ in lines]
    if not terms or not lines:
        return hits
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE l USING fts5(t, tokenize='porter unicode61')")
        db.executemany("INSERT INTO l(rowid, t) VALUES(?, ?)", enumerate(lines))
        for term in terms:
            if CJK.search(term):  # a word inside the tokenizer's run of such characters
                for row, line in enumerate(lines):
                    if term in line.lower():
                        hits[row].add(term)
                continue
            q = term_queries(term)[0]  # the term as written ("10k" in "10kΩ")
            for (row,) in db.execute("SELECT rowid FROM l WHERE l MATCH ?", (q,)):
                hits[row].add(term)
    finally:
        db.close()
    return hits


def subject_as_written(coverage: Sequence[TermInfo]) -> list[str] | None:
    """The question's subject terms as the notes write them (a typo as the notes' word), or
    None when one of them the notes (or the top sections) do not cover: then no line, label
    or heading can hold them all."""
    from assistant.stages.decide import subject_terms

    subject = subject_terms(coverage)
    terms = [t.near or t.term for t in subject if t.covered]
    return terms if len(terms) == len(subject) else None


def named_as(chunk: Chunk) -> str:
    """What names a section: its note's file name and its headings (`ADR-0006-auth
    ADR-0006: Auth with Cognito Status`), as the heading rule and the item rules read it."""
    return " ".join([PurePosixPath(chunk.path).stem, *chunk.heading_path])


def specific(terms: Sequence[str]) -> bool:
    """Subject terms specific enough that a line or heading holding them all is what is
    asked: two or more, or one with a digit in it (a code, an ID, "137", "W12", whose vector
    says little of it)."""
    return len(terms) >= 2 or (len(terms) == 1 and any(c.isdigit() for c in terms[0]))


def writes_codes(line: str, codes: Sequence[str]) -> bool:
    """Whether a line writes every one of `codes`, as a line writes them (`decide.bare_code`:
    a version of a name is its version, the name in the section's headings or path)."""
    from assistant.stages.decide import bare_code, writes

    return all(writes(line, bare_code(c)) for c in codes)


def code_line_scores(chunk: Chunk, codes: Sequence[str]) -> dict[int, float]:
    """Line scores for a section the code rule quotes without having scored it: the lines
    writing every code (1.0); none (quoted from its start) when only its headings do."""
    lines = chunk.text.split("\n")
    return {i: 1.0 for i, line in enumerate(lines) if writes_codes(line, codes)}


def line_with_every_code(hits: Sequence[Hit], codes: Sequence[str], opts: AnswerOptions) -> bool:
    """The code rule's decision: a line of the first `evidence_sections` sections writes every
    one of the question's `codes` (`decide.references`: a clause "3.2.2", an issue "#1423"),
    which names one thing exactly, however far the line's cosine falls short ("What does
    clause 3.2.2 say?" of "3.2.2 Approved overtime is compensated…", 0.23); a passage the
    question quotes, the section writing it, over lines or not."""
    from assistant.stages.decide import is_passage, section_writes

    lined = [c for c in codes if not is_passage(c)]  # a passage may run over lines
    return bool(codes) and any(
        all(section_writes(h.chunk, c) for c in codes)
        and (not lined or any(writes_codes(line, lined) for line in h.chunk.text.split("\n")))
        for h in first_units(hits, opts.evidence_sections)
    )


def section_with_every_term(
    hits: Sequence[Hit],
    coverage: Sequence[TermInfo],
    opts: AnswerOptions,
    labels: Callable[[str], str] | None = None,
) -> Hit | None:
    """The whole-line rule: some line of the top `evidence_sections` sections holds every
    subject term of the question (two or more, as the notes write them, or one with a digit
    in it: a code, "137", "5xx", whose vector says little of it), a fact matching the
    question word for word however far its cosine falls short. Or their note's file name or
    front-matter title, aliases and tags (`labels(path)`) do, one term or more: "who is Tob?"
    of a note whose aliases are "Tob" was declined, its lines never saying the alias, and so
    was "What is note 202401151400 about?" of a Zettelkasten's `202401151400.md`. A line is
    read with its section's headings, two terms or more or one with a digit: "what was added
    in 1.4.0?" of a changelog's "[1.4.0] - 2023-03-30 › Added", whose list items read to the
    model as little; "Did we itemize in 2022?" of "not enough to itemize" in "Taxes 2022".
    A table's row is read with its header row and headings (`rows_read_whole`): "What voltage
    was used for the FITC channel on the FACSCanto?" of "| FITC | 480 |" under "| Channel |
    Voltage |" in "Cytometer settings (BD FACSCanto II)", a row scoring 0.20. Returns the first
    such section (of a note so named, its first among them), or None: it is quoted first, as
    the answer the rule found ("What did Jonas say about süffig?" answered by the whole-line
    rule quoted another client's section, its cosine 0.27, and left out the line saying it)."""
    terms = subject_as_written(coverage)
    if not terms:
        return None
    top = first_units(hits, opts.evidence_sections)
    paths = list(dict.fromkeys(h.chunk.path for h in top))
    named = [f"{PurePosixPath(p).stem}\n{labels(p) if labels else ''}" for p in paths]
    for p, m in zip(paths, matching_lines(named, terms), strict=True):
        if len(m) == len(terms):
            return next(h for h in top if h.chunk.path == p)
    if not specific(terms):
        return None
    todos = to_dos_count((t.term for t in coverage), opts)
    owners: list[Hit] = []
    lines: list[str] = []
    for h in top:
        mine = [
            f"{' '.join(h.chunk.heading_path)} {ln}"
            for ln in h.chunk.text.split("\n")
            if todos or not _TODO.match(ln)  # the to-do rule
        ] + rows_read_whole(h.chunk)
        lines += mine
        owners += [h] * len(mine)
    return next(
        (
            h
            for h, m in zip(owners, matching_lines(lines, terms), strict=True)
            if len(m) == len(terms)
        ),
        None,
    )


def rows_read_whole(chunk: Chunk) -> list[str]:
    """Each body row of the chunk's tables with its headings and its table's header row (a
    later piece of a long table has it as its `context`): a row names its columns' values,
    the header what they are, the headings what the table is of."""
    lines = chunk.text.split("\n")
    roles = LineRoles.of(lines, front_matter=False)
    carried = chunk.context if chunk.context.lstrip().startswith("|") else ""
    out = []
    for i, line in enumerate(lines):
        if not line.lstrip().startswith("|") or roles.is_table_head(i) or roles.is_table_rule(i):
            continue
        head = roles.table_header(i)
        header = lines[head] if head is not None else carried
        if header:
            out.append(f"{' '.join(chunk.heading_path)} {header} {line}")
    return out


_WEB_ADDRESS = re.compile(r"\bhttps?://\S", re.IGNORECASE)
_WEB_WORDS = " ".join(sorted(WEB_WORDS))
"""What a web address written in a section is, as a question names it."""
_EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b", re.IGNORECASE)
_EMAIL_WORDS = "email emails e-mail mail address contact"
"""What an email address written in a section is, as a question names it ("whats
Alejandro's email for orders" of "orders: alejandro@figandthistle.com" was partly covered,
"don't mention email")."""
_PHONE_NUMBER = re.compile(r"(?<![\w.:/-])\+?\(?\d[\d ()-]{7,}\d(?![\w.:/-])")
_PHONE_WORDS = "phone phones number cell mobile tel telephone contact"
"""What a phone number written in a section is ("717-555-0198", "+353 87 214 6630"; no
dots: not a date, an IP address or a version; `_phone`)."""


def _phone(text: str) -> bool:
    """Whether `text` writes a phone number: 9 to 13 digits in groups of at most four, the
    last of three or four ("717-555-0198"; not a ticket's "24-0409-77310")."""
    for m in _PHONE_NUMBER.finditer(text):
        groups = [g for g in re.split(r"[ ()+-]+", m[0]) if g]
        grouped = all(len(g) <= 4 for g in groups) and len(groups[-1]) >= 3
        if grouped and 9 <= sum(map(len, groups)) <= 13 and not _DATE_LIKE.search(m[0]):
            return True
    return False


_DATE_LIKE = re.compile(r"\b(?:19|20)\d\d-\d\d-\d\d\b")
_HYPHEN = re.compile(r"(?<=[^\W_])-(?=[^\W_])")
"""A hyphen inside a word ("Pi-hole", "e-mail")."""
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
"""Where a CamelCase name's words join ("KafkaConsumerLagHigh", an alert's runbook)."""
_SPACED_UNIT = re.compile(r"(?<![\w.,])(\d+(?:\.\d+)?)[ \t]+([A-Za-z]{1,3})\b")
"""A number and its unit written apart ("4 oz", "10 mg"), which mention the two as one
("4oz": "What's the SKU for the 4oz tins?" of "4 oz black tin, SKU 4TINBLK" said "The sections
found don't mention 4oz")."""
_NUMBERED_NAME = re.compile(r"(?<![\w.])([^\W\d_]{2,})(?=\d+\b)")
"""A name numbered at its end, a host's or a device's ("nas01", "pve2")."""


def _clipped_in(text: str) -> str:
    """The words the clippings `text` writes stand for (`CLIPPINGS`): a section writing "| Sat
    | 8-11am |" mentions Saturday ("What time is the Saturday shift?" said "The sections found
    don't mention Saturday", another note writing the word), "repo" a repository."""
    words = set(re.findall(r"[^\W\d_]+", text.lower()))
    return " ".join(f for w in sorted(words & CLIPPINGS.keys()) for f in CLIPPINGS[w])


def terms_in(
    hits: Sequence[Hit],
    coverage: Sequence[TermInfo],
    sections: int,
    labels: Callable[[str], str] | None = None,
    joined: bool = False,
) -> set[str]:
    """The question terms that the first `sections` distinct sections (`Hit.unit`) among the hits
    mention (heading path, text or their note's path: a note filed as
    `linux/show-free-memory.md` mentions Linux; `labels(path)`, its front-matter title and
    tags: Dendron keeps a note's title there; all their retrieved pieces; the months of the
    days they write: "2024-07-01" mentions July; a web address they write mentions a URL, a
    link and a website: "What's the staging URL?" of "Staging runs at https://staging…"
    said "Your notes don't mention URL"; an email address an email, a phone number a phone
    and a number), matched as BM25
    matches them (porter stems, a typo as the word the notes use, a crude-stem prefix as
    `Store.term_count`, a clipped word as itself or a full word it stands for:
    `TermInfo.full`; a clipping the section writes as the words it stands for, "Sat" as
    Saturday). `joined` (the split-word rule): a hyphenated word mentions the word
    written whole, "Pi-hole" mentions "pihole", and a name numbered at its end its name,
    "nas01" a NAS ("At what battery percentage does the NAS shut down?" said "The sections
    found don't mention NAS" over "At 30% battery: pve1, pve2 and nas01 shut down"), and a
    CamelCase name its words ("KafkaConsumerLagHigh" mentions Kafka: the together rule quoted
    the runbook's Fix first for "What is the default Kafka topic retention?"), and a number
    and its unit written apart the two as one ("4 oz" mentions "4oz")."""
    top = first_units(hits, sections)
    texts = [h.chunk.embed_text() for h in top]
    texts += [months for t in texts if (months := month_names(t))]  # July of "2024-07-01"
    texts += [full for t in texts if (full := _clipped_in(t))]  # Saturday of "| Sat |"
    texts += [_WEB_WORDS for t in texts if _WEB_ADDRESS.search(t)]
    texts += [_EMAIL_WORDS for t in texts if _EMAIL_ADDRESS.search(t)]
    texts += [_PHONE_WORDS for t in texts if _phone(t)]
    for path in dict.fromkeys(h.unit[0] for h in top):  # each note's path and labels once
        texts.append(f"{PurePosixPath(path).with_suffix('')}\n{labels(path) if labels else ''}")
    if joined:  # "Pi-hole" mentions "pihole"; "nas01", a NAS; "KafkaConsumerLagHigh", Kafka
        texts += [_HYPHEN.sub("", t) for t in texts if _HYPHEN.search(t)]
        texts += [_NUMBERED_NAME.sub(r"\1 ", t) for t in texts if _NUMBERED_NAME.search(t)]
        texts += [_CAMEL.sub(" ", t) for t in texts if _CAMEL.search(t)]
        texts += [_SPACED_UNIT.sub(r"\1\2", t) for t in texts if _SPACED_UNIT.search(t)]
    found: set[str] = set()
    if not texts:
        return found
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE s USING fts5(t, tokenize='porter unicode61')")
        db.executemany("INSERT INTO s(t) VALUES(?)", [(t,) for t in texts])
        for t in coverage:
            written = (t.near_rare or t.near or t.term, *t.full)
            if CJK.search(t.term):  # a word inside the tokenizer's run of such characters
                if any(t.term in x.lower() for x in texts):
                    found.add(t.term)
                continue
            for q in (q for w in written for q in term_queries(w)):
                with contextlib.suppress(sqlite3.OperationalError):
                    if db.execute("SELECT 1 FROM s WHERE s MATCH ? LIMIT 1", (q,)).fetchone():
                        found.add(t.term)
                        break
    finally:
        db.close()
    return found


def with_code_lines(
    line_scores: dict[int, dict[int, float]], hits: Sequence[Hit], codes: Sequence[str]
) -> tuple[dict[int, dict[int, float]], list[str]]:
    """The code-line rule: in each scored section, a line writing every one of the question's
    `codes` (`decide.coded`: "KR2.3", "2.3.1") scores as the section's best line, so the quote
    is of it ("what is KR 2.3?" quoted "KR2.1 …" and "KR2.2 …", read closer by the model
    than "3. KR2.3 Onboarding checklist…"; the code rule's codes too, `decide.references`).
    Returns the scores and, for --explain, the lines it raised ("path:line")."""
    raised: list[str] = []
    if not codes:
        return line_scores, raised
    out = dict(line_scores)
    for h in hits:
        scores = line_scores.get(h.chunk.id or -1)
        if not scores:
            continue
        lines = h.chunk.text.split("\n")
        top = max(scores.values())
        for i, score in scores.items():
            if score < top and writes_codes(lines[i], codes):
                out[h.chunk.id] = {**out[h.chunk.id], i: top}  # type: ignore[index]
                raised.append(f"{h.chunk.path}:{h.chunk.start_line + i}")
    return out, raised


_CELL_WORD = re.compile(r"[^\W_]+")


def row_label(line: str) -> set[str]:
    """The words of a table row's first cell, lower-cased, markup aside ("| **total** | …":
    total); none for a line that is no row."""
    if not line.lstrip().startswith("|"):
        return set()
    cells = line.strip().strip("|").split("|")
    return {w.lower() for w in _CELL_WORD.findall(cells[0])} if len(cells) > 1 else set()


UNITS = (
    "ft feet foot m metres meters km mi miles cm mm in inch inches yd kg g lb lbs oz l ml gal "
    "psi bar v a w kw kwh hz mhz khz mph kph kmh knots c f mg mcg kcal cal gb mb tb min mins "
    "minutes h hr hrs hours s sec secs seconds days awg"
).split()
"""Units a number is written with ("60ft", "2 kg", "12 awg"): the number is a lookup table's
row label (the row-label rule)."""
_MEASURED = re.compile(
    rf"(?<![\w.])(\d+)\s?-?\s?({'|'.join(UNITS)})(?![\w.])|(?<![\w.])#(\d+)(?![\w.])",
    re.IGNORECASE,
)


def measured(text: str) -> set[str]:
    """The numbers `text` writes with a unit ("at 60ft", "12 AWG") or as a gauge ("#12"), and
    those units, lower-cased: the row-label rule's labels of a lookup table ("| 60 | 55 |"
    under "| depth ft | NDL min |" for "no deco limit at 60ft?")."""
    return {w.lower() for m in _MEASURED.finditer(text) for w in m.groups() if w}


def header_words(lines: Sequence[str], roles: LineRoles, i: int) -> set[str]:
    """The words of the header row of the table that row `i` is a body row of, lower-cased;
    none if it is no such row."""
    head = roles.table_header(i)
    return set() if head is None else {w.lower() for w in _CELL_WORD.findall(lines[head])}


ROW_LEAD = 1e-4
"""How far a labelled row scores above its section's best line (the row-label rule): the
quote is drawn around it, not around the first line it ties with."""


def with_row_labels(
    line_scores: dict[int, dict[int, float]],
    hits: Sequence[Hit],
    terms: Sequence[str],
    alone: Collection[str] | None = None,
    numbers: Collection[str] = (),
) -> tuple[dict[int, dict[int, float]], list[str]]:
    """The row-label rule: in each scored section, a table row whose first cell holds only
    words of the question (`terms`, a plural as its singular) scores as the section's best
    line (`ROW_LEAD` above it), so the quote is of it: "What's the total budget for Japan in
    dollars?" quoted a 13-row budget table from its header to the food row, the "| **total**
    | **741,000** | **7,280** |" row below, scoring 0.69 to "IC top-ups" 0.78, left out. The
    section's best over all its pieces: a cut list split from the prose below it ("Drawer
    opening ended up 23 1/2…", 0.72) lost its "| Drawer front |" row (0.53). Only the terms
    written `alone` in the question count: "pro" of "legacy_pro" labels no "| pro |" row.
    `numbers`: the question's numbers written with a unit and their units (`measured`): "no
    deco limit at 60ft?" is of a lookup table's "| 60 | 55 |" row, not the quiz line under
    it. A row whose first cell holds a word of the question, under a header holding another
    ("what's our deductible for hail damage?" of "| Wind/hail | … | 2% of bldg value |" under
    "| Coverage | Carrier | Limit | Deductible |"), is the cell asked for by row and column.
    Returns the scores and, for --explain, the rows it raised ("path:line")."""
    terms = [t for t in terms if alone is None or t in alone]
    asked = set(terms) | {t[:-1] for t in terms if t.endswith("s")} | set(numbers)
    raised: list[str] = []
    out = dict(line_scores)
    tops: dict[tuple[str, tuple[str, ...]], float] = {}  # a section's best, over its pieces
    for h in hits:
        if scores := line_scores.get(h.chunk.id or -1):
            tops[h.chunk.section] = max(tops.get(h.chunk.section, -1.0), max(scores.values()))
    for h in hits:
        scores = line_scores.get(h.chunk.id or -1)
        if not scores or not asked:
            continue
        lines = h.chunk.text.split("\n")
        roles: LineRoles | None = None  # parsed for the first row asked by row and column
        top = tops[h.chunk.section]
        for i, score in scores.items():
            label = row_label(lines[i])
            asked_row = bool(label) and label <= asked
            if not asked_row and any(not w.isdigit() for w in label & asked):  # a cell asked
                roles = roles or LineRoles.of(lines, front_matter=False)  # by row and column
                asked_row = bool((header_words(lines, roles, i) & asked) - label)
            if score < top and asked_row:  # above a tie: the quote's anchor
                out[h.chunk.id] = {**out[h.chunk.id], i: top + ROW_LEAD}  # type: ignore[index]
                raised.append(f"{h.chunk.path}:{h.chunk.start_line + i}")
    return out, raised


def first_units(hits: Sequence[Hit], n: int) -> list[Hit]:
    """The hits of the first `n` sections among `hits` (`Hit.unit`: the subsections a lead-in
    handed its place to count as one)."""
    units: set[tuple[str, tuple[str, ...]]] = set()
    out: list[Hit] = []
    for h in hits:
        if h.unit not in units:
            if len(units) == n:
                continue
            units.add(h.unit)
        out.append(h)
    return out


_TITLE_END = (".", ":", ";", ",", "!", "?")


def title_alone(chunk: Chunk) -> bool:
    """A note's first line alone in a piece of its own, under no heading, short, and ending
    no sentence ("Gift ideas", "Pad thai (serves 2)"): a plain-text note's title, as nvALT or
    Simplenote write one, cut off from a body too long to share its piece. Whether the note
    goes on after it is the caller's to check (`line_evidence`: then it is a title)."""
    if chunk.heading_path or chunk.start_line != 1:
        return False
    lines = [x.strip() for x in chunk.text.split("\n") if x.strip()]
    return (
        len(lines) == 1
        and len(lines[0]) <= 80
        and not lines[0].endswith(_TITLE_END)
        and not _BLANK_ITEM.fullmatch(lines[0])
        and not re.match(r"(?:[-*+>#|]|\d+[.)])\s", lines[0])
    )


def scored_lines(
    hits: Sequence[Hit],
    terms: Sequence[str],
    opts: AnswerOptions,
    titles: frozenset[int] = frozenset(),
    todo_out: list[Chunk] | None = None,
    defines: Callable[[str], bool] | None = None,
) -> list[tuple[int, Hit, list[int]]]:
    """The lines compared with the question: (chunk id, hit, positions in its `body_lines()`)
    for every retrieved piece of the first `evidence_sections` sections among the hits that
    have lines worth scoring (`evidence_lines`; a list of links has none, nor has a note's
    title alone, a chunk id in `titles`). The subsections a lead-in handed its place to count
    as one section (`Hit.unit`). With `todo_lines`, to-do lines are scored only for a
    question about to-dos (`TODO_WORDS`); the sections whose to-do lines were left out are
    added to `todo_out`, for --explain."""
    todos = to_dos_count(terms, opts)
    chosen: list[tuple[int, Hit, list[int]]] = []
    sections: set[tuple[str, tuple[str, ...]]] = set()
    for h in hits:
        if h.chunk.id in titles:
            continue
        if h.unit not in sections and len(sections) == opts.evidence_sections:
            continue
        picked = evidence_lines(
            h.chunk,
            terms,
            opts.evidence_lines,
            opts.links,
            opts.comments,
            opts.markup,
            opts.bookmarks,
            todos,
            defines,
        )
        if (
            todo_out is not None
            and not todos
            and any(_TODO.match(line) for line in h.chunk.text.split("\n"))
        ):
            todo_out.append(h.chunk)
        if h.chunk.id is not None and picked:
            chosen.append((h.chunk.id, h, picked))
            sections.add(h.unit)
    return chosen


def keyword_evidence(
    hits: Sequence[Hit], terms: Sequence[str], opts: AnswerOptions
) -> dict[int, dict[int, float]]:
    """Line evidence without vectors (a first build's keyword preview): for the lines
    `line_evidence` would score, the share of the question's terms each one contains, in
    place of a cosine. chunk id -> {line: share}."""
    out: dict[int, dict[int, float]] = {}
    if not terms:
        return out
    for cid, h, picked in scored_lines(hits, terms, opts):
        at = [h.chunk.body_lines()[n][0] for n in picked]
        lines = h.chunk.text.split("\n")  # the line itself: its heading matches every line
        found = matching_lines([lines[i] for i in at], terms)
        out[cid] = {i: len(f) / len(terms) for i, f in zip(at, found, strict=True)}
    return out


def fill_dense_scores(source: NotesSource, hits: list[Hit], qvec: np.ndarray) -> None:
    """Give every hit its cosine to the question (lexical-only hits lack one)."""
    lacking = [h for h in hits if h.dense_score is None and h.chunk.id is not None]
    if not lacking:
        return
    stored = source.vectors_for_ids([int(h.chunk.id) for h in lacking])  # type: ignore[arg-type]
    for h in lacking:
        vec = stored.get(int(h.chunk.id))  # type: ignore[arg-type]
        if vec is not None and vec.shape == qvec.shape:
            h.dense_score = float(np.dot(vec, qvec))


_PROPERTY_VALUE = re.compile(r"[ \t]*[\w\"' .-]+:[ \t]*(.*)")


def echoes(line: str, asked: Collection[str]) -> bool:
    """Whether a front-matter line's value is a number or code of the question's own words
    (`code: E1042` for "What does error E1042 mean?", `version: 4.3` for "What changed in
    version 4.3?"): it names what is asked about and says nothing of it, though the model
    reads it closest ("code: E1042" scored 0.81 and was quoted alone, over the error's
    description and its troubleshooting steps). A value without a digit may answer ("status:
    done" for "Which projects are done?")."""
    m = _PROPERTY_VALUE.fullmatch(line)
    words = re.findall(r"[^\W_]+", m.group(1).lower()) if m else []
    return bool(words) and any(c.isdigit() for c in m.group(1)) and all(w in asked for w in words)


def line_evidence(
    source: NotesSource,
    hits: Sequence[Hit],
    terms: Sequence[str],
    qvec: np.ndarray,
    opts: AnswerOptions,
    embed_lines: Callable[[list[str]], list[np.ndarray]],
    pooled: bool = False,
    unsaid: list[str] | None = None,
    todo_out: list[Chunk] | None = None,
    defines: Callable[[str], bool] | None = None,
) -> dict[int, dict[int, float]]:
    """Cosine of the question to the `scored_lines`: chunk id -> {line: cos}. A long
    section's best line may sit in a piece ranked below another piece of it ("idle timeout
    of 20 minutes" in piece 3 of "Considerations", ranked 4th, after piece 4).

    The lines' vectors were stored when the index was built; lines of a section that lacks
    them (an index from an older version, or a build stopped early) are embedded by
    `embed_lines`. With `pooled` stored vectors (taken from the section's pass), the
    `rescore_lines` best of them are embedded on their own too and scored so: the decision
    then sees what own line vectors give (docs/evaluating.md, "Line vectors: own, pooled or
    mixed").

    The title rule: a note's title alone in a piece of its own (`title_alone`, the note going
    on after it) is no evidence: "Gift ideas" scored 0.72 for "gift idea for Dad" and was
    quoted alone, the ideas in the 2,876-character line below it left out.

    The property rule: a line of a note's front-matter properties is no evidence where, on its
    own (embedded now, without the note's title), it scores under `property_line`; such lines
    are added to `unsaid` ("path:4,5"), for --explain, as the to-do rule's are to `todo_out`.
    Nor is one whose value is a number or code the question writes (`echoes`)."""
    titles = frozenset(
        int(h.chunk.id)
        for h in hits
        if opts.titles
        and h.chunk.id is not None
        and title_alone(h.chunk)
        and source.chunks_after(h.chunk.path, h.chunk.end_line, 1)
    )
    chosen = scored_lines(hits, terms, opts, titles, todo_out, defines)
    out: dict[int, dict[int, float]] = {cid: {} for cid, _, _ in chosen}
    stored = source.line_vectors(h.chunk.content_hash for _, h, _ in chosen)
    keys: list[tuple[int, int]] = []
    texts_of: list[str] = []  # each key's line as it is embedded on its own
    vecs: list[np.ndarray | str] = []  # a vector, or the text still to embed
    for cid, h, picked in chosen:
        body = h.chunk.body_lines()
        mat = stored.get(h.chunk.content_hash)
        if mat is not None and len(mat) != len(body):
            mat = None  # written for another chunker version: embed afresh
        for n in picked:
            keys.append((cid, body[n][0]))
            texts_of.append(body[n][1])
            vecs.append(mat[n] if mat is not None else body[n][1])
    if not keys:
        return out
    texts = [v for v in vecs if isinstance(v, str)]
    fresh = iter(embed_lines(texts) if texts else [])
    sims = np.stack([next(fresh) if isinstance(v, str) else v for v in vecs]) @ qvec
    if pooled and opts.rescore_lines:
        stored_at = [n for n, v in enumerate(vecs) if not isinstance(v, str)]
        best = sorted(stored_at, key=lambda n: -sims[n])[: opts.rescore_lines]
        own = embed_lines([texts_of[n] for n in best]) if best else []
        for n, v in zip(best, own, strict=True):
            sims[n] = float(v @ qvec)
    props = {cid: h.chunk for cid, h, _ in chosen if h.chunk.properties}
    no_evidence: set[int] = set()  # the property rule's lines, by their place in `keys`
    if props and opts.property_line > 0:  # the property rule: each line scored alone too
        at = [n for n, (cid, _) in enumerate(keys) if cid in props]
        alone = {cid: dict(props[cid].body_lines(titled=False)) for cid in props}
        own = embed_lines([alone[keys[n][0]][keys[n][1]] for n in at])
        no_evidence = {n for n, v in zip(at, own, strict=True) if v @ qvec < opts.property_line}
        asked = set(terms)  # query terms, lower-cased
        no_evidence |= {n for n in at if echoes(alone[keys[n][0]][keys[n][1]], asked)}
    for n, ((cid, i), v) in enumerate(zip(keys, sims, strict=True)):
        if n not in no_evidence:
            out[cid][i] = float(v)
    if unsaid is not None:  # each section's such lines, not its others: "from: Falmouth" is
        for c in sorted({keys[n][0] for n in no_evidence}):  # evidence beside "crew: me"
            lines = sorted(props[c].start_line + keys[n][1] for n in no_evidence if keys[n][0] == c)
            unsaid.append(f"{props[c].path}:{','.join(map(str, lines))}")
    return out
