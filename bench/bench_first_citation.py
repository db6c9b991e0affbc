"""How often an answer's first citation is a section the question expects, with the order rule
(`AnswerOptions.best_first`: quoted sections closest line first), in retrieval order, and with
the first-margin rule (`first_margin`: retrieval order unless the first falls that far below
the best line).

    ASSISTANT_PRECISION=fp32 python bench/bench_first_citation.py [--set gold] [--folders ...]
        [--margin 0.12 ...]

Uses the indexes `bench_realnotes.py` builds (run it first). Only the order of the citations
differs between the two runs: ranks, outcomes and quotes are the same. Prints, per folder,
the answered questions whose first citation is expected, out of those answered.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_realnotes

from assistant.engine import Engine
from assistant.eval import gold
from assistant.options import AnswerOptions
from assistant.settings import load_settings


def expected_first(citation, expected: tuple[str, ...]) -> bool:
    """The citation's section is one `expected` names (a heading path, with its file or not)."""
    path = " › ".join(citation.heading_path)
    return any(e in (path, f"{citation.path} › {path}") for e in expected)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=("calibration", "gold"), default="calibration")
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
