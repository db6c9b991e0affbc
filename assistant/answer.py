"""Answer composition: which sections to quote, which lines of them, and when to abstain.

Everything shown as coming from the notes is a verbatim run of whole lines of a note. The
abstention rule combines two signals (see README, "When it abstains"):
  1. vocabulary: question terms the notes never mention (after stemming, allowing typos);
  2. similarity: the highest cosine between the question and a single line of the top
     sections.
Its thresholds, and every other number or switch of composition, live in
`assistant.options.AnswerOptions` (calibrated on assistant/eval/data/calibration.jsonl).
Functions that take a `why` list append the name of each rule that moved a quote's span, for
`ask --explain`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.models import Citation, Closest
from assistant.options import DEFAULT_OPTIONS, AnswerOptions
from assistant.output import cite_label
from corpus.markdown import (
    inside_code,
    introduces,
    is_atx_heading,
    is_fence,
    is_list_item,
    is_setext_underline,
    is_table_row,
    is_table_rule,
    only_links,
    says_nothing,
)
from corpus.models import HEADING_SEP, Chunk
from index.models import Hit
from index.retrieve import TermInfo

# Words that phrase a question rather than name its subject: never reported as "missing".
PHRASING = frozenset(
    """configure configuring configured setup set work works working happen happens difference
    differences differ compare comparison between need needs needed require required requires
    possible support choose pick option options best good recommend recommendation should
    able allow allows enable enables purpose benefit benefits example examples mean meaning
    define definition happen common main key important types type kind difference work
    possible available handle handled handles provide provides offer offers say says said
    notes note""".split()
)


@dataclass
class Decision:
    abstain: bool
    missing: list[str]
    reason: str


def subject_terms(coverage: Sequence[TermInfo]) -> list[TermInfo]:
    return [t for t in coverage if t.term not in PHRASING]


@dataclass(frozen=True)
class Phrase:
    terms: tuple[str, ...]
    capitalised: frozenset[str]
    """Its terms the user wrote as names (`capitalised`: "Azure Container Apps"), in this
    phrase."""


def phrases(question: str, subject: Sequence[str]) -> list[Phrase]:
    """The question's runs of adjacent subject terms: its noun phrases, roughly.

    "What is a Kubernetes DaemonSet?" has one phrase [kubernetes, daemonset]; "EKS with
    Karpenter" has two, [eks] and [karpenter]. Stopwords and phrasing words separate phrases,
    except inside a hyphenated word ("on-demand").
    """
    out: list[Phrase] = []
    run: list[str] = []
    caps: set[str] = set()
    first = True
    for token in question.split():
        parts = re.findall(r"[^\W_]+", token)
        capital = {w.lower() for i, w in enumerate(parts) if capitalised(w, first and i == 0)}
        first = first and not parts
        parts = [w.lower() for w in parts]
        subject_parts = [w for w in parts if w in subject]
        if not subject_parts:
            if parts and run:
                out.append(Phrase(tuple(run), frozenset(caps)))
                run, caps = [], set()
            continue
        run.extend(w for w in subject_parts if w not in run)
        caps |= capital & set(subject_parts)
        if not re.search(r"[^\W_]$", token) and token.rstrip("'\")").endswith((",", ";", ":", "?")):
            out.append(Phrase(tuple(run), frozenset(caps)))
            run, caps = [], set()
    if run:
        out.append(Phrase(tuple(run), frozenset(caps)))
    return out


def anchored(phrase: Phrase, info: dict[str, TermInfo], common: set[str]) -> bool:
    """A covered phrase that names something of the notes: a term capitalised there or not an
    ordinary word ("ECS", "binpack"). "ECS with Loki" is about ECS, naming Loki as missing;
    "scale a deployment on Heroku" is about Heroku, and "scale a deployment" alone is too
    general to answer it."""
    named = [t for t in phrase.terms if t in phrase.capitalised or not is_common(t, common)]
    return any(info[t].covered and not t.isdigit() for t in named)


def is_neutral(term: str) -> bool:
    """Short tokens and numbers ("lb", "svc", "53") are too ambiguous to decide coverage."""
    return len(term) <= 3 or term.isdigit()


def capitalised(word: str, first: bool = False) -> bool:
    """Written as a name: with a capital letter, or for the question's first word (capitalised
    anyway) with one after its first letter ("EKS with Karpenter", "FastAPI on ...")."""
    return any(c.isupper() for c in (word[1:] if first else word))


def names_in(question: str) -> set[str]:
    """Words the user capitalised ("Azure", "MySQL"; a first word only if "EKS" or "FastAPI"):
    names, not plain words."""
    words = re.findall(r"[^\W_]+", question)
    return {w.lower() for i, w in enumerate(words) if capitalised(w, first=i == 0)}


def phrase_covered(
    phrase: Sequence[str],
    coverage: dict[str, TermInfo],
    common: set[str],
    names: set[str],
    max_missing: float = DEFAULT_OPTIONS.max_missing_in_phrase,
) -> bool:
    """A phrase the notes can speak to: every name in it occurs in the notes, and most of its
    words do ("managed web app runner" yes; "EC2 reserved instance cost" no). Short tokens
    such as "lb" count neither way, but a phrase needs at least one covered word."""
    judged = [t for t in phrase if not is_neutral(t) or coverage[t].covered]
    if not any(coverage[t].covered for t in judged):
        return False
    missing = [t for t in judged if not coverage[t].covered]
    if any(t in names or not is_common(t, common) for t in missing):
        return False
    return len(missing) / len(judged) <= max_missing


_BRITISH = (
    ("isation", "ization"),
    ("ise", "ize"),
    ("ise", "ice"),
    ("yse", "yze"),
    ("our", "or"),
    ("tre", "ter"),
    ("ence", "ense"),
)
"""British spellings and their American forms (the model's vocabulary is American English)."""

_INFLECTIONS = (
    ("s", ""),
    ("es", ""),
    ("ies", "y"),
    ("ing", ""),
    ("ing", "e"),
    ("ed", ""),
    ("ed", "e"),
)


def is_common(term: str, common: set[str]) -> bool:
    """An ordinary word, allowing for plurals, verb endings and British spelling ("passwords",
    "deploying", "practise", "optimised"), so that it is never mistaken for a name."""
    stems = {term}
    for suffix, repl in _INFLECTIONS:
        if term.endswith(suffix):
            stems.add(term[: -len(suffix)] + repl)
    forms = set(stems)
    for stem in stems:
        for brit, us in _BRITISH:
            if stem.endswith(brit):
                forms.add(stem[: -len(brit)] + us)
    return any(f in common for f in forms)


def decide(
    question: str,
    coverage: Sequence[TermInfo],
    hits: Sequence[Hit],
    best_line: float,
    common: set[str] = frozenset(),  # type: ignore[assignment]
    opts: AnswerOptions = DEFAULT_OPTIONS,
) -> Decision:
    """Abstain or answer, and which question terms the notes never mention.

    Two signals: the vocabulary (`phrase_covered`: "EKS with Karpenter" is answered about EKS,
    naming Karpenter as missing, while in "a Kubernetes DaemonSet" the covered "Kubernetes"
    only qualifies the missing name "DaemonSet", so the assistant abstains) and `best_line`, the
    highest cosine between the question and any single line of the top sections (a specific
    fact matching the question, which a whole-section cosine blurs). `common` holds ordinary
    English words (the model's whole-word vocabulary); a missing word outside it is a name.
    A name the user capitalised that the notes lack ("Heroku") also needs a covered phrase
    that names something (`anchored`): in a large corpus "scale a deployment" is always
    covered, and answering "How do I scale a deployment on Heroku?" from it misleads.
    """
    subject = subject_terms(coverage)
    missing = [t.term for t in subject if not t.covered]
    if not hits:
        return Decision(True, missing, "no section matched")
    if missing:
        info = {t.term: t for t in subject}
        names = names_in(question)
        named = [t for t in missing if t in names or not is_common(t, common)]
        covered = [
            p
            for p in phrases(question, list(info))
            if phrase_covered(p.terms, info, common, names, opts.max_missing_in_phrase)
        ]
        if named and not covered:
            return Decision(True, missing, "the question is about something the notes never name")
        proper = [t for t in missing if t in names and not is_neutral(t)]  # not "VM"
        if opts.names and proper and not any(anchored(p, info, common) for p in covered):
            return Decision(
                True,
                missing,
                "the question names something the notes never mention, and the "
                "rest of it names nothing they cover",
            )
    if best_line < opts.min_line:
        return Decision(
            True, missing, f"no line is similar enough ({best_line:.2f} < {opts.min_line})"
        )
    return Decision(False, missing, "answered")


def pick_sections(
    hits: Sequence[Hit],
    k: int,
    section_best: dict[int, float],
    opts: AnswerOptions = DEFAULT_OPTIONS,
) -> list[Hit]:
    """The hits worth quoting, best first: the top hit, plus any whose best line is nearly as
    close to the question as the best line overall, at most k."""
    if not hits:
        return []
    scored = [h for h in hits if h.chunk.id in section_best]
    if not scored:
        return list(hits[:1])
    top = max(section_best.values())
    best = {h.chunk.id: section_best[h.chunk.id] for h in scored}  # type: ignore[index]
    chosen = [h for h in scored if best[h.chunk.id] >= top - opts.line_margin]
    if hits[0] not in chosen and best.get(hits[0].chunk.id, -1.0) >= top - 2 * opts.line_margin:
        chosen.insert(0, hits[0])
    return chosen[:k]


def reading_order(hits: Sequence[Hit]) -> list[Hit]:
    """Pieces of one section together, in file order, where its best piece ranked: a long
    section's pieces picked as lines 44, 39 and 41-43 read as 39, 41-43, 44."""
    groups: dict[tuple[str, tuple[str, ...]], list[Hit]] = {}
    for h in hits:
        groups.setdefault(h.chunk.section, []).append(h)
    return [h for g in groups.values() for h in sorted(g, key=lambda h: h.chunk.start_line)]


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
                out[-1] = prev.model_copy(update={"end_line": end, "quote": quote, "score": score})
                continue
        out.append(c)
    return [c.model_copy(update={"n": n}) for n, c in enumerate(out, 1)]


def evidence_lines(chunk: Chunk, terms: Sequence[str], limit: int, links: bool = True) -> list[int]:
    """Positions in `chunk.body_lines()` worth scoring, at most `limit`: lexical matches first.
    Navigation is never evidence: lines that only link elsewhere (`only_links`), and the label
    that introduces them ("**Topics**")."""
    lines = chunk.text.split("\n")
    body = [
        (n, i)
        for n, (i, _) in enumerate(chunk.body_lines())
        if not (links and _navigation(lines, i))
    ]
    if len(body) <= limit:
        return [n for n, _ in body]
    matched = matching_lines([lines[i] for _, i in body], terms)
    first = [n for (n, _), m in zip(body, matched, strict=True) if m]
    taken = set(first)
    rest = [n for n, _ in body if n not in taken]
    return sorted((first + rest)[:limit])


def _navigation(lines: Sequence[str], i: int) -> bool:
    if only_links(lines[i]):
        return True
    if not introduces(lines[i]):
        return False
    after = next((x for x in lines[i + 1 :] if not says_nothing(x)), "")
    return only_links(after)


def _is_heading(line: str, chunk: Chunk) -> bool:
    return bool(chunk.heading_path) and is_atx_heading(line)


def leads_in(chunk: Chunk) -> bool:
    """A section whose own text only introduces its subsections: a heading with nothing under
    it, or with one line that introduces what follows (`introduces`: "Manage auto scaling
    using one of the following methods:"), thematic breaks aside; or the last piece of a long
    section that is only such a line ("Follow these steps to check stopped tasks for
    errors\\."). Quoted alone it answers nothing."""
    lines = chunk.text.split("\n")
    if _is_heading(lines[0], chunk):
        body = lines[1:]
    elif (
        chunk.heading_path and len(lines) > 1 and lines[0].strip() and is_setext_underline(lines[1])
    ):
        body = lines[2:]
    else:  # a later piece of a long section (no heading line), or text before the first one
        said = [line for line in lines if not says_nothing(line)]
        return bool(chunk.heading_path) and len(said) == 1 and introduces(said[0])
    said = [line for line in body if not says_nothing(line)]
    return not said or (len(said) == 1 and introduces(said[0]))


def matching_lines(lines: Sequence[str], terms: Sequence[str]) -> list[set[str]]:
    """For each line, the query terms it contains, using FTS5's porter stemmer (same as BM25)."""
    hits: list[set[str]] = [set() for _ in lines]
    if not terms or not lines:
        return hits
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE l USING fts5(t, tokenize='porter unicode61')")
        db.executemany("INSERT INTO l(rowid, t) VALUES(?, ?)", enumerate(lines))
        for term in terms:
            q = '"' + term.replace('"', "") + '"'
            for (row,) in db.execute("SELECT rowid FROM l WHERE l MATCH ?", (q,)):
                hits[row].add(term)
    finally:
        db.close()
    return hits


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def parent_start(lines: Sequence[str], i: int, floor: int) -> int:
    """Index of the outermost list item that `lines[i]` is nested under (within the section)."""
    if not is_list_item(lines[i]):
        return i
    start = i
    ind = _indent(lines[i])
    j = i - 1
    while j >= floor and ind > 0:
        if lines[j].strip() and is_list_item(lines[j]) and _indent(lines[j]) < ind:
            start, ind = j, _indent(lines[j])
        elif lines[j].strip() and not is_list_item(lines[j]) and _indent(lines[j]) == 0:
            break
        j -= 1
    return start


def quote_span(
    chunk: Chunk,
    line_scores: dict[int, float],
    in_code: bool = False,
    opts: AnswerOptions = DEFAULT_OPTIONS,
    why: list[str] | None = None,
) -> tuple[int, int]:
    """1-based inclusive line span of the quote inside `chunk`: whole lines, one run.

    The heading line and any blank lines or thematic breaks at either end are left out (the
    citation names the heading). A short section is quoted whole; in
    a longer one the quote runs from the first to the last line that is nearly as close to the
    question as its best line (at most `max_quote_lines`), starting at the parent item of a
    nested list item so the item keeps its context, at the header row of a table or at the
    fence of a code block, and never ending on a list of links. `in_code`: the chunk starts
    inside a code block opened above it.
    """
    why = why if why is not None else []
    n = opts.max_quote_lines
    lines = chunk.text.split("\n")
    lo = 1 if len(lines) > 1 and _is_heading(lines[0], chunk) else 0
    hi = len(lines) - 1
    while lo < hi and says_nothing(lines[lo]):  # blank lines and thematic breaks ("------")
        lo += 1
    while hi > lo and says_nothing(lines[hi]):
        hi -= 1
    if hi - lo + 1 <= n or not line_scores:
        fits = hi - lo + 1 <= n
        why.append(f"whole: the section fits in {n} lines" if fits else f"first {n} lines")
        e = _complete(lines, lo, min(hi, lo + n - 1), hi, in_code, opts, why)
        return chunk.start_line + lo, chunk.start_line + _trim_links(lines, lo, e, opts, why)
    best_i = max(line_scores, key=lambda i: line_scores[i])
    good = [i for i, v in line_scores.items() if v >= line_scores[best_i] - opts.quote_window]
    why.append(
        f"best line {chunk.start_line + best_i} ({line_scores[best_i]:.2f}) and lines within "
        f"{opts.quote_window} of it"
    )
    s = parent_start(lines, best_i, lo)
    if s != best_i:
        why.append(f"start: parent list item, line {chunk.start_line + s}")
    e = best_i
    for i in sorted(good):
        if i < s and best_i - i < n:
            s = min(s, parent_start(lines, i, lo))
        if i > e and i - s < n:
            e = i
    s = max(s, lo)
    # A quote from inside a code block starts at its fence, one from a table's rows at its
    # header row (what each column means), when that still leaves room for the best line.
    head, kind = _open_fence(lines, lo, s, in_code), "code fence"
    if head is None:
        head, kind = _table_header(lines, lo, s), "table header row"
    if head is not None and best_i - head < n:
        s = head
        why.append(f"start: {kind}, line {chunk.start_line + s}")
    e = min(max(e, s), s + n - 1, hi)
    while e > s and says_nothing(lines[e]):
        e -= 1
    e = _complete(lines, s, e, hi, in_code, opts, why)
    return chunk.start_line + s, chunk.start_line + _trim_links(lines, s, e, opts, why)


def _trim_links(lines: Sequence[str], s: int, e: int, opts: AnswerOptions, why: list[str]) -> int:
    """`_drop_trailing_links` under the link rule's switch, saying when it trimmed."""
    if not opts.links:
        return e
    end = _drop_trailing_links(lines, s, e)
    if end != e:
        why.append("end: a trailing list of links left out")
    return end


def _drop_trailing_links(lines: Sequence[str], s: int, e: int) -> int:
    """The end of a quote without a trailing list of links (a "Topics" list) and the label
    that introduces it: navigation, not an answer. A quote of nothing but links is kept."""
    end = e
    while end > s and (only_links(lines[end]) or says_nothing(lines[end])):
        end -= 1
    if end == e or _navigation(lines, s) or is_list_item(lines[end]):
        return e  # no links, nothing but navigation, or a list only partly of links
    if end > s and introduces(lines[end]):
        end -= 1  # "**Topics**"
        while end > s and says_nothing(lines[end]):
            end -= 1
    return end


def _fences(lines: Sequence[str], a: int, b: int) -> list[int]:
    return [i for i in range(a, b) if is_fence(lines[i])]


def _open_fence(lines: Sequence[str], lo: int, s: int, in_code: bool) -> int | None:
    """The opening fence of the code block that line `s` is inside, if it is and the fence is
    in the chunk (`in_code`: the chunk starts inside a block opened above it)."""
    fences = _fences(lines, 0, s)
    if (in_code + len(fences)) % 2 and fences and fences[-1] >= lo:
        return fences[-1]
    return None


def _table_header(lines: Sequence[str], lo: int, s: int) -> int | None:
    """The header row of the Markdown table that row `s` belongs to, if it is a body row."""
    if not is_table_row(lines[s]):
        return None
    h = s
    while h > lo and is_table_row(lines[h - 1]):
        h -= 1
    if h + 1 < s and is_table_rule(lines[h + 1]):
        return h
    return None


def _complete(
    lines: Sequence[str],
    s: int,
    e: int,
    hi: int,
    in_code: bool = False,
    opts: AnswerOptions = DEFAULT_OPTIONS,
    why: list[str] | None = None,
) -> int:
    """The end of a quote starting at `s` that does not stop where the reader needs the rest:
    on a line that introduces what follows ("... consists of the following components:"),
    which is extended through the block it introduces, or inside a code block, which is
    closed, or else left out. Never past `hi` or `max_quote_lines`. `in_code`: the chunk
    starts inside a code block opened above it (a later piece of a long block)."""
    why = why if why is not None else []
    limit = min(hi, s + opts.max_quote_lines - 1)
    if opts.lead_in_run_on and introduces(lines[e]) and e < limit:
        e = _block_end(lines, e + 1, limit, e)
        why.append("end: ran on through what a lead-in line introduces")
    fences = _fences(lines, s, e + 1)
    if (in_code + inside_code(lines, s) + len(fences)) % 2:  # it ends inside a block
        close = next((i for i in range(e + 1, limit + 1) if is_fence(lines[i])), None)
        if close is not None:
            e = close
            why.append("end: the code block closed")
        elif fences and fences[-1] > s:
            e = fences[-1] - 1
            while e > s and says_nothing(lines[e]):
                e -= 1
            why.append("end: a code block too long to close left out")
    return e


def run_on(
    file_lines: Sequence[str],
    start: int,
    end: int,
    opts: AnswerOptions = DEFAULT_OPTIONS,
    why: list[str] | None = None,
) -> int:
    """The end (1-based) of a quote of lines `start`..`end` of a file that ends on a lead-in:
    on through the block it introduces, in the file's next lines (often in the next chunk), up
    to the next heading and at most `max_quote_lines` in all. Unchanged if the last line is no
    lead-in, or with the lead-in rule off."""
    e = end - 1
    if not opts.lead_in_run_on or not introduces(file_lines[e]):
        return end
    stop = min(len(file_lines) - 1, start - 1 + opts.max_quote_lines - 1)
    fenced = False
    for i in range(e + 1, stop + 1):  # up to the next heading; a `# comment` in code is none
        if is_fence(file_lines[i]):
            fenced = not fenced
        elif not fenced and is_atx_heading(file_lines[i]):
            stop = i - 1
            break
    if stop <= e:
        return end
    last = _block_end(file_lines, e + 1, stop, e)
    if why is not None:
        why.append("end: ran on past a lead-in into the file's next lines")
    return _complete(file_lines, start - 1, last, stop, False, opts, why) + 1


def _block_end(lines: Sequence[str], start: int, stop: int, default: int) -> int:
    """Last line of the block beginning at `start` (blank lines before it skipped): a list, a
    code block or a paragraph, ending at a blank line followed by a new unindented paragraph."""
    last, fenced = default, False
    for i in range(start, stop + 1):
        line = lines[i]
        if is_fence(line):
            fenced = not fenced
        elif fenced or not line.strip():
            if fenced:
                last = i
            continue
        elif last > default and i > last + 1 and not (is_list_item(line) or _indent(line)):
            break  # a blank line, then a new paragraph: the block is over
        last = i
    return last


def slice_lines(chunk: Chunk, start: int, end: int) -> str:
    lines = chunk.text.split("\n")
    return "\n".join(lines[start - chunk.start_line : end - chunk.start_line + 1])


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
