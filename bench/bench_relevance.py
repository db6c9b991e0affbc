"""Answer relevance on real documentation: the gold harness on the AWS container docs.

The bundled notes are ten short sections; `assistant eval` measures them. Whether answers
find and quote the right section of a large real corpus is measured here, with the same
harness (`assistant.eval.gold`) and a question set written for the AWS container docs
(`bench/aws_gold.jsonl`: questions written by reading the docs, each with the heading paths
of the sections that answer it and short phrases a good quote contains; the corpus itself is
never committed). In one run over one index it reports, per retriever, the section ranking
(Hit@1, Hit@3, MRR@10), whether the answer cites an expected section, key-phrase recall and
abstention, and the same for `ask` with answer options changed (`assistant.options`):

  - "no name rule": a name the user capitalised that the notes lack does not need a covered
    phrase that names something (`AnswerOptions(names=False)`).

Variants tried earlier and not adopted ("one piece per section", "subject-word search
vector") are no longer in the code; their figures are in docs/evaluating.md.

    python bench/bench_relevance.py                  # the AWS container docs (index cached)
    python bench/bench_relevance.py --gold bench/aws_calibration.jsonl   # the tuning set
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import Report, log

GOLD = Path(__file__).resolve().parent / "aws_gold.jsonl"
FIGURES = (
    ("Hit@1", "hit_at_1"),
    ("Hit@3", "hit_at_3"),
    ("MRR@10", "mrr_at_10"),
    ("answer cites an expected section", "answer_cites_expected"),
    ("key-phrase recall", "key_phrase_recall"),
    ("abstention precision", "abstention_precision"),
    ("abstention recall", "abstention_recall"),
)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--corpus", type=Path, default=common.DEFAULT_CORPUS)
    p.add_argument("--gold", type=Path, default=GOLD)
    return p.parse_args()


VARIANTS = {"no name rule": {"names": False}}
"""Name -> the AnswerOptions fields it changes."""


def main() -> int:
    args = parse_args()
    from assistant.engine import Engine
    from assistant.eval.gold import load_questions, run_mode
    from assistant.settings import load_settings

    questions = load_questions(args.gold)
    out = common.OUT / "answers"  # the same copy and index as bench_answers.py
    notes = out / "notes"
    if not notes.exists():
        common.copy_corpus(args.corpus, notes, None)
    engine = Engine(load_settings(notes=notes, index=out / "index"))
    log("building or refreshing the index (cached under bench/out/) ...")
    engine.ensure_ready(progress=common.progress_logger())

    runs: dict[str, dict] = {}
    for mode in ("bm25", "dense", "hybrid"):
        log(f"{len(questions)} questions, {mode} ...")
        runs[mode] = run_mode(engine, questions, mode)["overall"]
    from assistant.options import AnswerOptions

    for name, changes in VARIANTS.items():
        variant = Engine(engine.settings, options=AnswerOptions(**changes))
        log(f"hybrid, {name} ...")
        runs[f"hybrid, {name}"] = run_mode(variant, questions, "hybrid")["overall"]
        variant.close()

    rep = Report(
        f"Answer relevance on the AWS container docs: {args.gold.name}, {len(questions)} questions"
    )
    names = list(runs)
    for label, key in FIGURES:
        values = [runs[n][key] for n in names]
        rep.add(
            f"{label}: " + " / ".join(names),
            " / ".join("-" if v is None else f"{v:.3f}" for v in values),
            key=key,
        )
    p50 = [runs[n]["p50_ms"] for n in names]
    rep.add("ask p50, ms: " + " / ".join(names), " / ".join(f"{v:.0f}" for v in p50), key="p50")
    rep.print()
    rep.save(f"bench_relevance-{args.gold.stem}", {"runs": runs})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
