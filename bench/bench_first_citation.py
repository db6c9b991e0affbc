"""How often an answer's first citation is a section the question expects, with the order rule
(`AnswerOptions.best_first`: quoted sections closest line first), in retrieval order, and with
the first-margin rule (`first_margin`: retrieval order unless the first falls that far below
the best line).

    ASSISTANT_PRECISION=fp32 python bench/bench_first_citation.py [--set gold|qa] [--folders ...]
        [--margin 0.12 ...]

`--set qa` reads the testers' folders in `bench/qa` instead (their expected lines; indexes as
`bench_regress.py` builds them).

Uses the indexes `bench_realnotes.py` builds (run it first). Only the order of the citations
differs between the two runs: ranks, outcomes and quotes are the same. Prints, per folder,
the answered questions whose first citation is expected, out of those answered.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_realnotes
import common

from assistant.engine import Engine
from assistant.errors import UsageError
from assistant.eval import gold
from assistant.options import AnswerOptions
from assistant.settings import load_settings


def expected_first(citation, expected: tuple[str, ...]) -> bool:
    """The citation's section is one `expected` names (a heading path, with its file or not)."""
    path = " › ".join(citation.heading_path)
    return any(e in (path, f"{citation.path} › {path}") for e in expected)


SPAN = re.compile(r"([\w./ ,()-]+?\.(?:md|txt|markdown)):(\d+)(?:-(\d+))?")
"""A tester's expected lines as `bench/qa` writes them: "people/anna.md:10-12"."""


def on_expected_lines(citation, spans: list[tuple[str, int, int]]) -> bool:
    """The citation overlaps lines a tester expected (a file's path, or its end)."""
    return any(
        (citation.path.endswith(f.strip()) or f.strip().endswith(citation.path))
        and citation.start_line <= end
        and start <= citation.end_line
        for f, start, end in spans
    )


def testers_folders(variants: list[tuple[str, AnswerOptions]]) -> None:
    """`--set qa`: over the testers' folders (`bench/qa`, indexes as `bench_regress.py` builds
    them), the answerable questions whose expected lines parse: how many answers' first
    citation overlaps them, per variant, and the questions that differ."""
    import bench_regress

    totals = dict.fromkeys([label for label, _ in variants], 0)
    asked, moved = 0, []
    for folder in bench_regress.folders():
        qs = json.loads((bench_regress.QA / folder / "questions.json").read_text())
        spans = {
            q["id"]: [(f, int(a), int(b or a)) for f, a, b in SPAN.findall(q.get("expect", ""))]
            for q in qs
            if q["answerable"]
        }
        qs = [q for q in qs if spans.get(q["id"])]
        index = common.OUT / "qa" / f"{folder}-{os.environ.get('ASSISTANT_PRECISION', 'fp32')}"
        notes = bench_regress.QA / folder / "notes"
        engines = {
            label: Engine(load_settings(notes=notes, index=index), options=opts)
            for label, opts in variants
        }
        next(iter(engines.values())).ensure_ready()
        for q in qs:
            got = {}
            for label, eng in engines.items():
                try:
                    a = eng.ask(q["q"])
                except UsageError:  # "When should I use dont?": nothing to search, no citation
                    got[label] = False
                else:
                    got[label] = bool(a.citations) and on_expected_lines(
                        a.citations[0], spans[q["id"]]
                    )
                totals[label] += got[label]
            asked += 1
            if len(set(got.values())) > 1:
                moved.append(f"  {q['id']}: " + ", ".join(f"{k} {v}" for k, v in got.items()))
        for eng in engines.values():
            eng.close()
    print(
        f"testers' folders: first citation on the expected lines, of {asked}: "
        + ", ".join(f"{label} {n}" for label, n in totals.items())
    )
    print("\n".join(moved))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=("calibration", "gold", "qa"), default="calibration")
    ap.add_argument("--folders", nargs="*", default=list(bench_realnotes.FOLDERS))
    ap.add_argument(
        "--margin",
        type=float,
        action="append",
        default=[],
        help="also measure the first-margin rule at this margin (repeatable)",
    )
    args = ap.parse_args()
    variants = [
        ("retrieval order", AnswerOptions(first_margin=1.0)),
        ("closest first", AnswerOptions(best_first=True)),
        (f"first margin {AnswerOptions().first_margin} (default)", AnswerOptions()),
        *((f"first margin {m}", AnswerOptions(first_margin=m)) for m in args.margin),
    ]
    if args.set == "qa":
        testers_folders(variants)
        return
    for name in args.folders:
        notes, gold_file, calibration = bench_realnotes.FOLDERS[name]
        index = bench_realnotes.built_index(name)
        qfile = gold_file if args.set == "gold" else calibration
        questions = [q for q in gold.load_questions(qfile) if q.expected]
        figures = []
        for label, opts in variants:
            eng = Engine(load_settings(notes=notes, index=index), options=opts)
            answers = [eng.ask(q.question) for q in questions]
            firsts = [
                expected_first(a.citations[0], q.expected)
                for q, a in zip(questions, answers, strict=True)
                if a.citations
            ]
            figures.append(f"{label} {sum(firsts)} of {len(firsts)}")
            eng.close()
        print(f"{name} ({args.set}): first citation expected: " + ", ".join(figures), flush=True)


if __name__ == "__main__":
    main()
