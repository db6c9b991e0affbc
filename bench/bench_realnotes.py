"""Answer quality on real notes folders: every folder's gold set through the path `ask` takes.

Folders (read in place, never copied into the repository; question sets under bench/):

  bundled   corpus/notes (shipped)               assistant/eval/data/{gold,calibration}.jsonl
  aws-docs  ../shared/corpora/aws-container-docs bench/aws_{gold,calibration}.jsonl
  til       ../shared/corpora/til-jbranchaud     bench/til_{gold,calibration}.jsonl
  dendron   ../shared/corpora/dendron-vault      bench/dendron_{gold,calibration}.jsonl

Each folder is indexed once by `assistant index` in a child process (wall time and the child's
peak RSS are the build figures; the index is cached under bench/out/realnotes/ and reused, its
build figures with it, unless --rebuild). Questions then go through `Engine.ask` in this
process on a fresh engine, so they are embedded as a cold `ask` embeds them (the ONNX query
model against the existing index). Per folder and mode it prints:

  Hit@1, Hit@3, MRR@10 (answerable questions; an abstention counts as a miss), key-phrase
  recall, uncovered questions declined, uncovered questions answered naming the missing
  subject (the "partly covered" outcome, where the gold set names one), answerable questions
  declined (false declines), answerable questions answered as partly covered (the partial
  tier aside), verbatim rate (quotes equal to their cited lines re-read now),
  duplicate citations (lines quoted twice in one answer), median lines and words quoted per
  answered question, warm `ask` p50/p95 ms.

    python bench/bench_realnotes.py                      # gold sets, all folders, all modes
    python bench/bench_realnotes.py --set calibration    # the tuning sets
    python bench/bench_realnotes.py --folders til dendron --modes hybrid
    python bench/bench_realnotes.py --set calibration --option line_pool=100 --out lp100.json

--option NAME=VALUE sets an AnswerOptions field for every question (repeatable); the JSON
report (bench/out/realnotes-SET.json, or --out) holds each question's result ("per_question":
rank of the expected section, declined, outcome, key phrases found), for comparing two runs.

Precision: the index is built with ASSISTANT_PRECISION as set (the baseline uses fp32).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import log

SHARED = common.REPO.parent / "shared" / "corpora"
BENCH = common.REPO / "bench"
EVAL_DATA = common.REPO / "assistant" / "eval" / "data"
FOLDERS: dict[str, tuple[Path, Path, Path]] = {
    name: (notes, gold, calibration)
    for name, notes, gold, calibration in (
        ("bundled", common.REPO / "corpus" / "notes", EVAL_DATA / "gold.jsonl",
         EVAL_DATA / "calibration.jsonl"),
        ("aws-docs", SHARED / "aws-container-docs", BENCH / "aws_gold.jsonl",
         BENCH / "aws_calibration.jsonl"),
        ("til", SHARED / "til-jbranchaud" / "notes", BENCH / "til_gold.jsonl",
         BENCH / "til_calibration.jsonl"),
        ("dendron", SHARED / "dendron-vault" / "notes", BENCH / "dendron_gold.jsonl",
         BENCH / "dendron_calibration.jsonl"),
    )
}  # fmt: skip
CACHE = common.OUT / "realnotes"


def built_index(name: str) -> Path:
    """The index this bench built for folder `name` at `ASSISTANT_PRECISION`, for the benches
    that ask its questions again (`bench_first_citation.py`, `bench_quote_ends.py`); exits
    saying so if there is none yet."""
    index = CACHE / f"{name}-{os.environ.get('ASSISTANT_PRECISION', 'auto')}"
    if not (index / "manifest.json").exists():
        sys.exit(f"{name}: no index at {index}: run bench/bench_realnotes.py first")
    return index


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--folders", nargs="+", choices=list(FOLDERS), default=list(FOLDERS))
    p.add_argument("--modes", nargs="+", choices=["bm25", "dense", "hybrid"], default=None)
    p.add_argument("--set", dest="which", choices=["gold", "calibration"], default="gold")
    p.add_argument("--rebuild", action="store_true", help="Build each index afresh.")
    p.add_argument("--cache", type=Path, default=CACHE, help="Where indexes are kept.")
    p.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="An AnswerOptions field for every question (repeatable): --option line_rank=50.",
    )
    p.add_argument("--out", default=None, help="JSON report name (default realnotes-SET.json).")
    return p.parse_args()


def build(name: str, notes: Path, cache: Path, rebuild: bool) -> dict:
    """Index `notes` with `assistant index` in a child process; wall s and the child's peak RSS."""
    index_dir = cache / f"{name}-{os.environ.get('ASSISTANT_PRECISION', 'auto')}"
    figures_file = index_dir.with_suffix(".build.json")
    if not rebuild and figures_file.exists() and (index_dir / "manifest.json").exists():
        figures = json.loads(figures_file.read_text())
        return {**figures, "index_dir": str(index_dir), "reused": True}
    if index_dir.exists():
        import shutil

        shutil.rmtree(index_dir)
    cache.mkdir(parents=True, exist_ok=True)
    log(f"{name}: indexing {notes} ...")
    cmd = [str(Path(sys.executable).with_name("assistant")), "index", "--notes", str(notes)]
    cmd += ["--index", str(index_dir)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name}: assistant index failed:\n{err[-2000:]}")
    figures = {"build_s": wall, "build_peak_rss_mb": usage.ru_maxrss / 1024}
    figures_file.write_text(json.dumps(figures) + "\n")
    return {**figures, "index_dir": str(index_dir), "reused": False}


def answer_options(pairs: list[str]):
    """AnswerOptions from NAME=VALUE pairs (values parsed as JSON where they parse)."""
    from assistant.options import AnswerOptions

    values: dict[str, object] = {}
    for pair in pairs:
        name, _, raw = pair.partition("=")
        try:
            values[name] = json.loads(raw)
        except json.JSONDecodeError:
            values[name] = raw
    return AnswerOptions(**values)


def summarize(results: list[dict], gold_missing: dict[str, list[str]]) -> dict[str, float | None]:
    """The bench's figures from the harness's per-question rows (`gold.run_mode`)."""
    from assistant.eval import gold

    ans = [r for r in results if r["expected"]]
    unc = [r for r in results if not r["expected"]]
    answered = [r for r in results if not r["abstained"]]
    overall = gold.summarize([_row(r) for r in results])
    named = [
        r
        for r in unc
        if not r["abstained"] and gold_missing.get(r["id"]) and _names(r, gold_missing)
    ]
    cites = sum(r["citations"] for r in results)
    return {
        "hit_at_1": overall["hit_at_1"],
        "hit_at_3": overall["hit_at_3"],
        "mrr_at_10": overall["mrr_at_10"],
        "key_phrase_recall": overall["key_phrase_recall"],
        "uncovered_declined": _share([r["abstained"] for r in unc]),
        "uncovered_partly_named": len(named) / len(unc) if unc else None,
        "false_declines": _share([r["abstained"] for r in ans]),
        "answerable_partly": _share(
            [r["outcome"] == "partly_covered" for r in ans if r["tier"] != "partial"]
        ),
        "verbatim": overall["citation_validity"],
        "duplicate_citations": sum(r["duplicate_citations"] for r in results),
        "citations": cites,
        "median_lines": statistics.median([r["quoted_lines"] for r in answered]) if answered else 0,
        "median_words": statistics.median([r["quoted_words"] for r in answered]) if answered else 0,
        "p50_ms": overall["p50_ms"],
        "p95_ms": overall["p95_ms"],
        "answerable": len(ans),
        "uncovered": len(unc),
    }


def _brief(r: dict) -> dict:
    """One question's outcome, for comparing two runs question by question."""
    ranked = r["ranked_sections"] if not r["abstained"] else []
    hit = next((n for n, s in enumerate(ranked, 1) if s in r["expected"]), None)
    keys = ("id", "abstained", "outcome", "key_phrases_found", "quoted_lines")
    return {**{k: r[k] for k in keys}, "answerable": bool(r["expected"]), "rank": hit}


def _row(r: dict):
    from assistant.eval.gold import QuestionResult

    fields = QuestionResult.__dataclass_fields__
    return QuestionResult(**{k: v for k, v in r.items() if k in fields})


def _names(r: dict, gold_missing: dict[str, list[str]]) -> bool:
    from assistant.eval.gold import _same_term

    got = [m.lower() for m in r["missing_terms"]]
    return all(any(_same_term(e.lower(), g) for g in got) for e in gold_missing[r["id"]])


def _share(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


ROWS = (
    ("Hit@1", "hit_at_1", "{:.3f}"),
    ("Hit@3", "hit_at_3", "{:.3f}"),
    ("MRR@10", "mrr_at_10", "{:.3f}"),
    ("key-phrase recall", "key_phrase_recall", "{:.3f}"),
    ("uncovered declined", "uncovered_declined", "{:.3f}"),
    ("uncovered answered naming the missing subject", "uncovered_partly_named", "{:.3f}"),
    ("answerable declined (false declines)", "false_declines", "{:.3f}"),
    ("answerable answered as partly covered (partial tier aside)", "answerable_partly", "{:.3f}"),
    ("verbatim rate", "verbatim", "{:.3f}"),
    ("duplicate citations", "duplicate_citations", "{:d}"),
    ("citations", "citations", "{:d}"),
    ("median lines quoted per answer", "median_lines", "{:g}"),
    ("median words quoted per answer", "median_words", "{:g}"),
    ("warm ask p50 ms", "p50_ms", "{:.1f}"),
    ("warm ask p95 ms", "p95_ms", "{:.1f}"),
)


def main() -> None:
    args = parse_args()
    from assistant.engine import Engine
    from assistant.eval import gold
    from assistant.settings import load_settings

    common.print_machine()
    print(f"question set: {args.which}; precision: {os.environ.get('ASSISTANT_PRECISION', 'auto')}")
    if args.option:
        print("options: " + ", ".join(args.option))
    report: dict[str, dict] = {}
    for name in args.folders:
        notes, gold_file, calib_file = FOLDERS[name]
        qfile = gold_file if args.which == "gold" else calib_file
        if not notes.exists() or not qfile.exists():
            print(f"\n{name}: skipped ({notes if not notes.exists() else qfile} missing)")
            continue
        questions = gold.load_questions(qfile)
        built = build(name, notes, args.cache, args.rebuild)
        settings = load_settings(notes=notes, index=Path(built["index_dir"]))
        engine = Engine(settings, options=answer_options(args.option))
        modes = args.modes or list(gold.MODES)
        per_mode: dict[str, dict] = {}
        try:
            if engine.stale_reason() is not None:
                raise SystemExit(f"{name}: index at {built['index_dir']} is stale; use --rebuild")
            files, sections = engine.store().counts()
            missing = {q.id: list(q.missing) for q in questions}
            for mode in modes:
                log(f"{name}: {len(questions)} questions, {mode}")
                result = gold.run_mode(engine, questions, mode)
                per_mode[mode] = summarize(result["questions"], missing)
                per_mode[mode]["per_question"] = [_brief(r) for r in result["questions"]]
        finally:
            engine.close()
        report[name] = {"build": built, "files": files, "sections": sections, "modes": per_mode}
        r = common.Report(
            f"{name}: {files} files, {sections} sections; {qfile.name}: "
            f"{per_mode[modes[0]]['answerable']} answerable, "
            f"{per_mode[modes[0]]['uncovered']} uncovered"
        )
        for label, key, fmt in ROWS:
            cells = [per_mode[m][key] for m in modes]
            r.add(
                label,
                "  ".join(
                    f"{m}=" + ("-" if v is None else fmt.format(v))
                    for m, v in zip(modes, cells, strict=True)
                ),
                key=key,
            )
        r.add(
            "index build (assistant index, child process)",
            f"{built['build_s']:.1f} s, peak RSS {built['build_peak_rss_mb']:.0f} MiB"
            + (" (cached figures)" if built["reused"] else ""),
        )
        r.print()
    out = common.OUT / (args.out or f"realnotes-{args.which}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"machine": common.machine_info(), "folders": report}, indent=2) + "\n"
    )
    print(f"\nJSON: {out}")


if __name__ == "__main__":
    main()
