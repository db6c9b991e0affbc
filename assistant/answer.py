"""Answer composition: which sections to quote, which lines of them, and when to abstain.

Everything shown as coming from the notes is a verbatim run of whole lines of a note. The
abstention rule combines three signals (see README, "How answers are chosen"):
  1. vocabulary: question terms the notes never mention (after stemming, allowing typos);
  2. dense similarity of the best section to the question;
  3. agreement between the lexical and dense rankings.
Its thresholds live in `Rule` and are calibrated on assistant/eval/data/calibration.jsonl.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.models import Citation, Closest
from corpus.models import HEADING_SEP, Chunk
from index.models import Hit
from index.retrieve import TermInfo

MAX_QUOTE_LINES = 12

# Words that phrase a question rather than name its subject: never reported as "missing".
PHRASING = frozenset(
    """configure configuring configured setup set work works working happen happens difference
    differences differ compare comparison between need needs needed require required requires
    possible support choose pick option options best good recommend recommendation should
    able allow allows enable enables purpose benefit benefits example examples mean meaning
    define definition happen common main key important types type kind difference work
    possible available handle handled handles provide provides offer offers""".split()
)


@dataclass(frozen=True)
class Rule:
    """Abstention thresholds (cosine is the bundled model's; see README for calibration)."""

    min_dense: float = 0.20
    """Below this best-section cosine, abstain whatever else holds."""
    confident_dense: float = 0.55
    """At or above this, a question with no missing subject is answered even without agreement."""
    section_margin: float = 0.12
    """Quote further sections only if their cosine is within this of the best one."""


DEFAULT_RULE = Rule()


@dataclass
class Decision:
    abstain: bool
    missing: list[str]
    reason: str


def subject_terms(coverage: Sequence[TermInfo]) -> list[TermInfo]:
    return [t for t in coverage if t.term not in PHRASING]


def phrases(question: str, subject: Sequence[str]) -> list[list[str]]:
    """The question's runs of adjacent subject terms: its noun phrases, roughly.

    "What is a Kubernetes DaemonSet?" has one phrase [kubernetes, daemonset]; "EKS with
    Karpenter" has two, [eks] and [karpenter]. Stopwords and phrasing words separate phrases,
    except inside a hyphenated word ("on-demand").
    """
    out: list[list[str]] = []
    run: list[str] = []
    for token in question.lower().split():
        parts = re.findall(r"[^\W_]+", token)
        subject_parts = [w for w in parts if w in subject]
        if not subject_parts:
            if parts and run:
                out.append(run)
                run = []
            continue
        run.extend(w for w in subject_parts if w not in run)
        if not re.search(r"[^\W_]$", token) and token.rstrip("'\")").endswith((",", ";", ":", "?")):
            out.append(run)
            run = []
    if run:
        out.append(run)
    return out


def phrase_covered(phrase: Sequence[str], coverage: dict[str, TermInfo], common: set[str]) -> bool:
    """A phrase the notes can speak to: every unusual word in it occurs in the notes, and most
    of its words do ("managed web app runner" yes; "EC2 reserved instance cost" no)."""
    missing = [t for t in phrase if not coverage[t].covered]
    if any(t not in common for t in missing):
        return False
    return len(missing) / len(phrase) < 0.5


def decide(
    question: str,
    coverage: Sequence[TermInfo],
    hits: Sequence[Hit],
    common: set[str] = frozenset(),  # type: ignore[assignment]
    rule: Rule = DEFAULT_RULE,
) -> Decision:
    """Abstain or answer, and which question terms the notes never mention.

    The notes answer (perhaps in part) when at least one of the question's phrases is covered
    by the notes' vocabulary (`phrase_covered`): "EKS with Karpenter" is answered about EKS,
    naming Karpenter as missing, while in "a Kubernetes DaemonSet" the covered "Kubernetes"
    only qualifies the missing "DaemonSet", so the assistant abstains. `common` holds ordinary
    English words (the model's whole-word vocabulary); a missing word outside it is a name.
    """
    subject = subject_terms(coverage)
    missing = [t.term for t in subject if not t.covered]
    if not hits:
        return Decision(True, missing, "no section matched")
    best_dense = max((h.dense_score or -1.0) for h in hits[:5])
    if missing:
        info = {t.term: t for t in subject}
        groups = phrases(question, list(info))
        if not any(phrase_covered(p, info, common) for p in groups):
            return Decision(True, missing, "no phrase of the question is covered by the notes")
    if best_dense < rule.min_dense:
        return Decision(True, missing, "no section is similar enough")
    top = hits[0]
    agree = top.lexical_rank is not None and top.dense_rank is not None
    if not agree and best_dense < rule.confident_dense and not any(t.chunks for t in subject):
        return Decision(True, missing, "retrievers disagree and similarity is low")
    return Decision(False, missing, "answered")


def pick_sections(hits: Sequence[Hit], k: int, rule: Rule = DEFAULT_RULE) -> list[Hit]:
    """The hits worth quoting: the best, plus others close to it in similarity, at most k."""
    if not hits:
        return []
    best = hits[0]
    best_dense = max((h.dense_score or -1.0) for h in hits[:k])
    chosen = [best]
    for h in hits[1:]:
        if len(chosen) >= k:
            break
        close = h.dense_score is not None and h.dense_score >= best_dense - rule.section_margin
        both = h.lexical_rank is not None and h.dense_rank is not None
        if close and (both or h.score >= best.score * 0.8):
            chosen.append(h)
    return chosen


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


_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s")


def parent_start(lines: Sequence[str], i: int, floor: int) -> int:
    """Index of the outermost list item that `lines[i]` is nested under (within the section)."""
    if not _ITEM.match(lines[i]):
        return i
    start = i
    ind = _indent(lines[i])
    j = i - 1
    while j >= floor and ind > 0:
        if lines[j].strip() and _ITEM.match(lines[j]) and _indent(lines[j]) < ind:
            start, ind = j, _indent(lines[j])
        elif lines[j].strip() and not _ITEM.match(lines[j]) and _indent(lines[j]) == 0:
            break
        j -= 1
    return start


def quote_span(chunk: Chunk, terms: Sequence[str]) -> tuple[int, int]:
    """1-based inclusive line span of the quote inside `chunk`: whole lines, one run.

    The heading line is left out (the citation names it). Short sections are quoted whole; in
    longer ones the window of at most MAX_QUOTE_LINES lines with the most matched terms wins,
    widened to start at the parent item of a nested list item.
    """
    lines = chunk.text.split("\n")
    body_from = (
        1 if chunk.heading_path and len(lines) > 1 and lines[0].lstrip().startswith("#") else 0
    )
    # Trim blank lines at either end of the body.
    lo, hi = body_from, len(lines) - 1
    while lo < hi and not lines[lo].strip():
        lo += 1
    while hi > lo and not lines[hi].strip():
        hi -= 1
    if hi - lo + 1 <= MAX_QUOTE_LINES:
        return chunk.start_line + lo, chunk.start_line + hi
    matched = matching_lines(lines, terms)
    best = (-1.0, lo, lo + MAX_QUOTE_LINES - 1)
    for s in range(lo, hi - MAX_QUOTE_LINES + 2):
        e = s + MAX_QUOTE_LINES - 1
        covered: set[str] = set()
        weight = 0.0
        for i in range(s, e + 1):
            covered |= matched[i]
            weight += len(matched[i])
        score = len(covered) * 10 + weight - (s - lo) * 0.01
        if score > best[0]:
            best = (score, s, e)
    _, s, e = best
    # Start where the best-matching line's context starts; keep nested items with their parent.
    first_hit = next((i for i in range(s, e + 1) if matched[i]), s)
    s2 = parent_start(lines, first_hit, lo)
    s = min(s2, first_hit)
    e = min(s + MAX_QUOTE_LINES - 1, hi)
    while e > s and not lines[e].strip():
        e -= 1
    return chunk.start_line + s, chunk.start_line + e


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


def cite_label(path: str, start: int, end: int, heading_path: Sequence[str]) -> str:
    span = f"{start}" if start == end else f"{start}-{end}"
    head = HEADING_SEP.join(heading_path)
    return f"{path}:{span}" + (f" › {head}" if head else "")


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
