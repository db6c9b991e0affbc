"""The gold set for the bundled notes: loading it, running it through `ask`, scoring it.

How each figure is computed (also in docs/evaluating.md):

- Every question goes through ``Engine.ask`` exactly as ``assistant ask`` does (same settings,
  same index, ``--mode`` per run). Its wall time is the latency.
- Section ranking: ``Engine.search(searched_query, k=10, mode)`` - the very retrieval ``ask``
  quotes from, before a section that only leads into its subsections hands its place to them
  (the bundled notes have none) - reduced to distinct sections (heading paths) in rank order.
  Hit@1, Hit@3 and MRR@10 are computed on that list, over answerable questions. If ``ask``
  abstained on an answerable question the list counts as empty (a miss): the user got no
  answer. A section hit is a section whose heading path equals an expected one; for a
  two-section question either counts, and "Both@3" counts both in the top 3. The pure
  retrieval figures, without the abstention gate, are in the JSON report under ``retrieval``.
- Key-phrase recall: share of a question's key phrases found (case-insensitively) in the
  answer's quoted text, averaged over answerable questions (an abstention finds none).
- Citation validity: share of all citations whose quote is, re-read from the file now, exactly
  its cited lines (``corpus.quote.verify_quote``).
- Abstention precision / recall: "abstained" is the positive class, "should abstain" means the
  tier is ``unanswerable``.
- Missing terms named: for ``partial`` questions, share whose expected missing terms all appear
  in ``Answer.missing_terms``.
"""

from __future__ import annotations

import json
import time
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import UsageError, os_reason
from assistant.eval import CALIBRATION_FILE, GOLD_FILE, THRESHOLDS_FILE, metrics
from corpus import HEADING_SEP
from corpus.scan import NOTE_SUFFIXES
from index.modes import MODES

TIERS = ("direct", "paraphrase", "multi", "typo", "partial", "unanswerable")
SEARCH_K = 10


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    tier: str
    question: str
    expected: tuple[str, ...]
    """Heading paths (joined with " › ") of the sections that answer it; empty = abstain. In a
    folder of many notes each starts with the note's path ("git/rebase.md › Rebase")."""
    key_phrases: tuple[str, ...] = ()
    """Exact substrings of the notes the quoted answer must contain (matched case-insensitively)."""
    missing: tuple[str, ...] = field(default=())
    """Question terms the notes never mention, which the answer must name (partial questions)."""

    @property
    def answerable(self) -> bool:
        return bool(self.expected)


def load_questions(path: Path | str = GOLD_FILE) -> list[GoldQuestion]:
    """Read a gold/calibration JSONL file, validating each record: a record it cannot take
    is a `UsageError` naming the file and line (a user's own gold set is theirs to fix)."""
    out: list[GoldQuestion] = []
    seen: set[str] = set()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise UsageError(f"{path}: cannot be read ({os_reason(e)})") from None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise UsageError(f"{where}: not valid JSON ({e.msg})") from None
        if not isinstance(obj, dict):
            raise UsageError(f"{where}: a question is a JSON object, not {type(obj).__name__}")
        for key in ("id", "tier", "question"):
            if not isinstance(obj.get(key), str | int) or isinstance(obj.get(key), bool):
                raise UsageError(f"{where}: {key!r} is missing or not a string")
        lists = {}
        for key in ("expected", "key_phrases", "missing"):
            value = obj.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise UsageError(f"{where}: {key!r} must be a list of strings")
            lists[key] = tuple(value)
        q = GoldQuestion(id=str(obj["id"]), tier=str(obj["tier"]), question=str(obj["question"]),
                         **lists)  # fmt: skip
        if q.tier not in TIERS:
            raise UsageError(f"{where}: unknown tier {q.tier!r} (one of {', '.join(TIERS)})")
        if q.id in seen:
            raise UsageError(f"{where}: duplicate id {q.id!r}")
        if (q.tier == "unanswerable") != (not q.expected):
            raise UsageError(f"{where}: only unanswerable questions lack expected sections")
        seen.add(q.id)
        out.append(q)
    if not out:
        raise UsageError(f"{path}: no questions")
    return out


def load_gold() -> list[GoldQuestion]:
    return load_questions(GOLD_FILE)


def load_calibration() -> list[GoldQuestion]:
    """Questions for tuning the abstention rule; never used to measure."""
    return load_questions(CALIBRATION_FILE)


# --------------------------------------------------------------------------- one question


@dataclass
class QuestionResult:
    id: str
    tier: str
    question: str
    expected: list[str]
    abstained: bool
    ranked_sections: list[str]
    """Distinct sections of engine.search(k=10), best first (before the abstention gate)."""
    cited_sections: list[str]
    key_phrases_found: list[bool]
    citations: int
    citations_valid: int
    missing_terms: list[str]
    missing_expected: list[str]
    latency_ms: float
    invalid: list[str] = field(default_factory=list)
    quoted_lines: int = 0
    """Lines quoted by the answer, over all its citations."""
    quoted_words: int = 0
    duplicate_citations: int = 0
    """Citations whose lines overlap an earlier citation of the same answer (same file)."""
    outcome: str = ""
    """The Answer's outcome ("answered", "partly_covered", "not_covered", ...)."""

    @property
    def answerable(self) -> bool:
        return bool(self.expected)

    @property
    def gated_ranking(self) -> list[str]:
        """The ranking the user effectively got: nothing if the answer abstained."""
        return [] if self.abstained else self.ranked_sections

    @property
    def key_phrase_recall(self) -> float:
        return (
            _mean([1.0 if f else 0.0 for f in self.key_phrases_found])
            if self.key_phrases_found
            else 1.0
        )

    @property
    def missing_named(self) -> bool:
        got = [m.lower() for m in self.missing_terms]
        return all(any(_same_term(e.lower(), g) for g in got) for e in self.missing_expected)


def _same_term(expected: str, got: str) -> bool:
    """A reported missing term matches an expected one exactly or as a stem of it
    ("repositori" for "repository"): a shared prefix of at least 4 characters that covers all
    but the last character of the shorter word."""
    if expected == got:
        return True
    n = 0
    for a, b in zip(expected, got, strict=False):
        if a != b:
            break
        n += 1
    return n >= 4 and n >= min(len(expected), len(got)) - 1


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def section_key(heading_path: Iterable[str], path: str | None = None) -> str:
    """How a gold set names a section: its heading path, or with `path` its file first
    ("git/rebase.md › Rebase"; just the file for text before any heading)."""
    return HEADING_SEP.join([path, *heading_path] if path is not None else heading_path)


def names_files(expected: Iterable[str]) -> bool:
    """Does a question name its sections with their file first? Sets for a folder of many
    notes do: there "Summary" or "Details" heads sections in hundreds of files."""
    suffixes = tuple(NOTE_SUFFIXES)
    return any(e.split(HEADING_SEP, 1)[0].lower().endswith(suffixes) for e in expected)


def ranked_sections(hits: Iterable[Any], with_file: bool = False) -> list[str]:
    """Distinct sections of hits, in rank order (a split section counts once)."""
    out: list[str] = []
    for h in hits:
        key = section_key(h.chunk.heading_path, h.chunk.path if with_file else None)
        if key not in out:
            out.append(key)
    return out


def citation_valid(citation: Any) -> bool:
    """Is the quote, re-read from the file now, exactly lines start..end?"""
    from corpus.read import NoteReadError, read_note

    try:
        text = read_note(Path(citation.absolute_path)).text
    except (NoteReadError, OSError):
        return False
    try:
        from corpus.quote import verify_quote
    except ImportError:  # pragma: no cover - older corpus package
        from corpus.read import split_lines

        lines = split_lines(text)
        return "\n".join(lines[citation.start_line - 1 : citation.end_line]) == citation.quote
    return verify_quote(text, citation.start_line, citation.end_line, citation.quote)


def ask(engine: Any, q: GoldQuestion, mode: str) -> Any:
    """`engine.ask`, a question it refuses ("when?") named by its id."""
    try:
        return engine.ask(q.question, mode=mode)
    except UsageError as e:
        raise UsageError(f"question {q.id!r}: {e}") from None


def evaluate_question(engine: Any, q: GoldQuestion, mode: str) -> QuestionResult:
    t0 = time.perf_counter()
    answer = ask(engine, q, mode)
    latency = (time.perf_counter() - t0) * 1000
    hits = engine.search(answer.searched_query, k=SEARCH_K, mode=mode)
    with_file = names_files(q.expected)
    quoted = "\n".join(c.quote for c in answer.citations).casefold()
    invalid = [
        f"{c.path}:{c.start_line}-{c.end_line}" for c in answer.citations if not citation_valid(c)
    ]
    return QuestionResult(
        id=q.id,
        tier=q.tier,
        question=q.question,
        expected=list(q.expected),
        abstained=bool(answer.abstained),
        ranked_sections=ranked_sections(hits, with_file),
        cited_sections=[
            section_key(c.heading_path, c.path if with_file else None) for c in answer.citations
        ],
        key_phrases_found=[p.casefold() in quoted for p in q.key_phrases],
        citations=len(answer.citations),
        citations_valid=len(answer.citations) - len(invalid),
        missing_terms=list(answer.missing_terms),
        missing_expected=list(q.missing),
        latency_ms=latency,
        invalid=invalid,
        quoted_lines=sum(c.end_line - c.start_line + 1 for c in answer.citations),
        quoted_words=sum(len(c.quote.split()) for c in answer.citations),
        duplicate_citations=duplicate_citations(answer.citations),
        outcome=answer.outcome,
    )


def duplicate_citations(citations: Sequence[Any]) -> int:
    """Citations quoting lines that an earlier citation of the same answer already quotes."""
    n = 0
    for i, c in enumerate(citations):
        if any(
            p.path == c.path and p.start_line <= c.end_line and c.start_line <= p.end_line
            for p in citations[:i]
        ):
            n += 1
    return n


# --------------------------------------------------------------------------- summaries


def summarize(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """Figures for one group of questions (a tier, or all of them)."""
    ans = [r for r in results if r.answerable]
    multi = [r for r in ans if len(r.expected) >= 2]
    partial = [r for r in results if r.missing_expected]
    n_cit = sum(r.citations for r in results)
    abst = metrics.abstention_scores(
        [r.abstained for r in results], [not r.answerable for r in results]
    )
    lat = metrics.latency_summary([r.latency_ms for r in results])

    def ranking(rs: Sequence[QuestionResult], gated: bool) -> dict[str, float | None]:
        if not rs:
            return {"hit_at_1": None, "hit_at_3": None, "mrr_at_10": None}
        lists = [r.gated_ranking if gated else r.ranked_sections for r in rs]
        rel = [set(r.expected) for r in rs]
        return {
            "hit_at_1": metrics.hit_rate(lists, rel, 1),
            "hit_at_3": metrics.hit_rate(lists, rel, 3),
            "mrr_at_10": metrics.mean_reciprocal_rank(lists, rel, 10),
        }

    out: dict[str, Any] = {"n": len(results), "answerable": len(ans)}
    out.update(ranking(ans, gated=True))
    out["both_at_3"] = (
        _mean([metrics.all_in_top_k(r.gated_ranking, r.expected, 3) for r in multi])
        if multi
        else None
    )
    out["key_phrase_recall"] = _mean([r.key_phrase_recall for r in ans]) if ans else None
    out["answer_cites_expected"] = (
        _mean([1.0 if set(r.cited_sections) & set(r.expected) else 0.0 for r in ans])
        if ans
        else None
    )
    out["citation_validity"] = sum(r.citations_valid for r in results) / n_cit if n_cit else 1.0
    out["citations"] = n_cit
    out["abstained_rate"] = _mean([1.0 if r.abstained else 0.0 for r in results])
    out["abstention_precision"] = abst["precision"]
    out["abstention_recall"] = abst["recall"]
    out["missing_named"] = (
        _mean([1.0 if r.missing_named else 0.0 for r in partial]) if partial else None
    )
    out.update(lat)
    out["retrieval"] = ranking(ans, gated=False)
    return out


def run_mode(
    engine: Any,
    questions: Sequence[GoldQuestion],
    mode: str,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Ask every question in one mode; return overall and per-tier figures and per-question rows."""
    if questions:
        ask(engine, questions[0], mode)  # warm-up: load models, caches (not timed)
    results: list[QuestionResult] = []
    for i, q in enumerate(questions, 1):
        results.append(evaluate_question(engine, q, mode))
        if progress:
            progress(f"eval {mode}", i, len(questions))
    tiers = {t: summarize([r for r in results if r.tier == t]) for t in TIERS}
    return {
        "overall": summarize(results),
        "tiers": {t: s for t, s in tiers.items() if s["n"]},
        "questions": [{**asdict(r), "key_phrase_recall": r.key_phrase_recall} for r in results],
    }


def run_gold(
    engine: Any,
    questions: Sequence[GoldQuestion],
    modes: Sequence[str] = ("hybrid",),
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    return {
        "questions": len(questions),
        "modes": {m: run_mode(engine, questions, m, progress) for m in modes},
    }


# --------------------------------------------------------------------------- thresholds


def load_thresholds(path: Path | str = THRESHOLDS_FILE) -> dict[str, Any]:
    """A thresholds file: a table per mode of figure = number, and `[compare]`. Anything else
    is a `UsageError` naming the file: a mistyped `[hybird]` gated on nothing, "All
    thresholds met."."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path}: not valid TOML ({e})") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text") from None
    for table, values in data.items():
        if table not in (*MODES, "compare") or not isinstance(values, dict):
            raise UsageError(
                f"{path}: unknown table or key {table!r} (tables: {', '.join(MODES)}, compare)"
            )
        if table == "compare":
            continue
        for key, bound in values.items():
            if isinstance(bound, bool) or not isinstance(bound, int | float):
                raise UsageError(f"{path}: [{table}] {key} must be a number, not {bound!r}")
    return data


def check_thresholds(report: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """Every figure below its minimum (or above a ``max_`` bound), as readable lines. A
    figure the thresholds name that no mode reports (a typo) fails; one the gold set has no
    questions for (`unmeasured`) does not."""
    failures: list[str] = []
    for mode, result in report["modes"].items():
        overall = result["overall"]
        for key, bound in thresholds.get(mode, {}).items():
            name = key[4:] if key.startswith("max_") else key
            value = overall.get(name)
            if name not in overall:
                failures.append(f"{mode}: {name} was not measured")
            elif value is None:
                continue
            elif key.startswith("max_") and value > bound:
                failures.append(f"{mode}: {name} = {value:.3f} above {bound}")
            elif not key.startswith("max_") and value < bound - 1e-12:
                failures.append(f"{mode}: {name} = {value:.3f} below {bound}")
    compare = thresholds.get("compare", {})
    if compare.get("hybrid_mrr_at_least_parts") and set(MODES) <= set(report["modes"]):
        failures.extend(compare_hybrid(report, compare.get("tier_tolerance_questions", 0.0)))
    return failures


def unmeasured(report: dict[str, Any], thresholds: dict[str, Any]) -> list[str]:
    """The gated figures the gold set has no questions for ("hybrid hit_at_1": a set of only
    unanswerable questions has no ranking to score): said, not failed."""
    return [
        f"{mode} {name}"
        for mode, result in report["modes"].items()
        for key in thresholds.get(mode, {})
        if (name := key.removeprefix("max_")) in result["overall"]
        and result["overall"][name] is None
    ]


def compare_hybrid(report: dict[str, Any], tolerance_questions: float = 0.0) -> list[str]:
    """Hybrid MRR@10 must be strictly above both parts overall, and on every tier not below the
    better part by more than `tolerance_questions` questions' worth (each question moves a
    tier's MRR by at most 1/n). One question in a 13-question tier found first by BM25 and
    third by hybrid is 0.051: index numerics alone (bf16) move one rank like that."""
    modes = report["modes"]
    out: list[str] = []
    for tier, s in modes["hybrid"]["tiers"].items():
        h = s["mrr_at_10"]
        if h is None:
            continue
        best = max(modes[m]["tiers"][tier]["mrr_at_10"] for m in ("bm25", "dense"))
        slack = tolerance_questions / s["answerable"] if s.get("answerable") else 0.0
        if h < best - slack - 1e-12:
            allowed = f", more than {tolerance_questions:g} question(s) behind" if slack else ""
            out.append(
                f"hybrid MRR@10 on {tier} = {h:.3f} below the better part ({best:.3f}){allowed}"
            )
    h = modes["hybrid"]["overall"]["mrr_at_10"]
    best = max(modes[m]["overall"]["mrr_at_10"] for m in ("bm25", "dense"))
    if not h > best:
        out.append(f"hybrid MRR@10 overall = {h:.3f}, not above the better part ({best:.3f})")
    return out


def format_targets(report: dict[str, Any], floors: dict[str, Any], targets: dict[str, Any]) -> str:
    """Each gated or targeted figure beside its floor (gated) and its target (not gated)."""
    rows: list[tuple[str, str, str, str, str]] = []
    for mode, result in report["modes"].items():
        keys = list(dict.fromkeys([*floors.get(mode, {}), *targets.get(mode, {})]))
        for key in keys:
            name = key.removeprefix("max_")
            value = result["overall"].get(name)
            floor, target = floors.get(mode, {}).get(key), targets.get(mode, {}).get(key)
            met = "" if target is None or value is None else _verdict(key, value, target)
            rows.append(
                (
                    f"{mode} {name}",
                    "-" if value is None else f"{value:.3f}",
                    "-" if floor is None else f"{floor:g}",
                    "-" if target is None else f"{target:g}",
                    met,
                )
            )
    head = ("figure", "value", "floor (gated)", "target (not gated)", "")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(head[:4], widths, strict=True))
        )
    ]
    for r in rows:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r[:4], widths, strict=True))
        ]
        lines.append("  ".join(cells) + (f"  {r[4]}" if r[4] else ""))
    return "\n".join(lines)


def _verdict(key: str, value: float, bound: float) -> str:
    ok = value <= bound if key.startswith("max_") else value >= bound - 1e-12
    return "target met" if ok else "target not met yet"


# --------------------------------------------------------------------------- text report

_COLS = [
    ("n", "n", "{:d}"),
    ("Hit@1", "hit_at_1", "{:.3f}"),
    ("Hit@3", "hit_at_3", "{:.3f}"),
    ("MRR@10", "mrr_at_10", "{:.3f}"),
    ("Both@3", "both_at_3", "{:.3f}"),
    ("KeyPhr", "key_phrase_recall", "{:.3f}"),
    ("Abst%", "abstained_rate", "{:.2f}"),
    ("p50ms", "p50_ms", "{:.0f}"),
    ("p95ms", "p95_ms", "{:.0f}"),
]


def format_mode(mode: str, result: dict[str, Any]) -> str:
    rows = [(t, s) for t, s in result["tiers"].items()] + [("overall", result["overall"])]
    header = f"{'tier':<13}" + "".join(f"{h:>8}" for h, _, _ in _COLS)
    lines = [f"mode: {mode}", header, "-" * len(header)]
    for tier, s in rows:
        cells = []
        for _, key, fmt in _COLS:
            v = s.get(key)
            cells.append(f"{'-' if v is None else fmt.format(v):>8}")
        lines.append(f"{tier:<13}" + "".join(cells))
    o = result["overall"]
    extra = (
        f"citation validity {o['citation_validity']:.3f} ({o['citations']} citations)   "
        f"abstention precision {o['abstention_precision']:.3f} recall {o['abstention_recall']:.3f}"
    )
    if o.get("missing_named") is not None:
        extra += f"   missing terms named {o['missing_named']:.3f}"
    lines.append(extra)
    return "\n".join(lines)


def format_report(
    report: dict[str, Any], failures: Sequence[str], targets_table: str | None = None
) -> str:
    parts = [format_mode(m, r) for m, r in report["modes"].items()]
    if len(report["modes"]) > 1:
        header = f"{'MRR@10':<13}" + "".join(f"{m:>8}" for m in report["modes"])
        lines = [header, "-" * len(header)]
        tiers = next(iter(report["modes"].values()))["tiers"]
        for t in [*tiers, "overall"]:
            vals = []
            for r in report["modes"].values():
                s = r["overall"] if t == "overall" else r["tiers"].get(t, {})
                v = s.get("mrr_at_10")
                vals.append(f"{'-' if v is None else f'{v:.3f}':>8}")
            lines.append(f"{t:<13}" + "".join(vals))
        parts.append("\n".join(lines))
    if targets_table:
        parts.append(targets_table)
    if report.get("unmeasured"):
        parts.append(
            "Not gated, the gold set has no questions for them: " + ", ".join(report["unmeasured"])
        )
    if failures:
        parts.append("FAILED thresholds:\n" + "\n".join(f"  - {f}" for f in failures))
    else:
        parts.append("All thresholds met.")
    return "\n\n".join(parts)
