"""Line vectors, own or pooled: do the answers stay the same? (the live-notes issue's target
"answer figures kept": per set, at most one answerable question changes whether its section is
in the top 3, and no decline flips, against line vectors embedded on their own).

Each folder of bench_realnotes.py is indexed three times by `assistant index` in a child
process, with `line_vectors = own`, `mixed` (the default) and `pooled` (ASSISTANT_LINE_VECTORS),
cached under bench/out/realnotes/ (mixed: the default, shared with bench_realnotes.py; own/
and pooled/ below it) with their build figures. Every question of the gold and
calibration sets then goes through `Engine.ask` (hybrid) four ways, switched by settings and
options only:

  own          the own index, default options: the reference
  mixed        the mixed index (short lines own, long ones pooled), default options
  pooled       the pooled index, rescore_lines=0 (pooled scores as they are)
  pooled+K     the pooled index, default options (the pooled rule: the K best lines
               re-embedded on their own as the question is answered)

Per set and way: key-phrase recall, answerable questions declined, uncovered ones declined,
decline flips and top-3 changes against `own`, median lines quoted; per folder the warm `ask`
p50/p95 of each way on its gold set (the engine's line cache emptied before each question,
as for a question about new lines). Build time and memory: bench_build.py.

    ASSISTANT_PRECISION=fp32 python bench/bench_line_vectors.py
    ASSISTANT_PRECISION=fp32 python bench/bench_line_vectors.py --folders bundled --sets gold
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from bench_realnotes import CACHE, FOLDERS, build


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--folders", nargs="+", choices=list(FOLDERS), default=list(FOLDERS))
    p.add_argument("--sets", nargs="+", choices=["gold", "calibration"], default=None)
    p.add_argument("--rebuild", action="store_true", help="Build both indexes afresh.")
    return p.parse_args()


def build_kind(name: str, notes: Path, kind: str, rebuild: bool) -> dict:
    """`assistant index` with line_vectors=`kind` (the child reads ASSISTANT_LINE_VECTORS)."""
    before = os.environ.get("ASSISTANT_LINE_VECTORS")
    os.environ["ASSISTANT_LINE_VECTORS"] = kind
    try:
        return build(name, notes, CACHE if kind == "mixed" else CACHE / kind, rebuild)
    finally:
        if before is None:
            os.environ.pop("ASSISTANT_LINE_VECTORS")
        else:
            os.environ["ASSISTANT_LINE_VECTORS"] = before


def main() -> None:
    args = parse_args()
    from assistant.engine import Engine
    from assistant.eval import gold
    from assistant.options import AnswerOptions
    from assistant.settings import load_settings

    common.print_machine()
    k = AnswerOptions().rescore_lines
    ways = {
        "own": ("own", AnswerOptions()),
        "mixed": ("mixed", AnswerOptions()),
        "pooled": ("pooled", AnswerOptions(rescore_lines=0)),
        f"pooled+{k}": ("pooled", AnswerOptions()),
    }
    for name in args.folders:
        notes, gold_file, calib_file = FOLDERS[name]
        if not notes.exists():
            print(f"\n{name}: skipped ({notes} missing)")
            continue
        kinds = ("own", "mixed", "pooled")
        built = {kind: build_kind(name, notes, kind, args.rebuild) for kind in kinds}
        sets = {"gold": gold_file, "calibration": calib_file}
        for which in args.sets or list(sets):
            questions = gold.load_questions(sets[which])
            results: dict[str, dict] = {}
            latency: dict[str, list[float]] = {}
            for way, (kind, opts) in ways.items():
                index = Path(built[kind]["index_dir"])
                settings = load_settings(notes=notes, index=index, line_vectors=kind)
                engine = Engine(settings, options=opts)
                try:
                    if engine.stale_reason() is not None:
                        raise SystemExit(f"{name}: the {kind} index is stale; use --rebuild")
                    engine.ask("warm up")
                    results[way] = {}
                    for q in questions:
                        engine.models.forget_lines()
                        results[way][q.id] = gold.evaluate_question(engine, q, "hybrid")
                    latency[way] = [r.latency_ms for r in results[way].values()]
                finally:
                    engine.close()
            r = common.Report(f"{name} {which} ({len(questions)} questions), hybrid")
            for way in ways:
                r.add(way, _row(questions, results[way], results["own"], latency[way]), key=way)
            r.print()


def _row(questions, res: dict, own: dict, latency: list[float]) -> str:
    ans = [q for q in questions if q.expected]
    unc = [q for q in questions if not q.expected]

    def top3(r) -> bool:
        return any(x in r.gated_ranking[:3] for x in r.expected)

    kp = statistics.mean(res[q.id].key_phrase_recall for q in ans) if ans else 0.0
    flips = [q.id for q in questions if res[q.id].abstained != own[q.id].abstained]
    moved = [q.id for q in ans if top3(res[q.id]) != top3(own[q.id])]
    lines = [res[q.id].quoted_lines for q in questions if not res[q.id].abstained]
    ms = sorted(latency)
    return (
        f"key phrases {kp:.3f}; answerable declined {sum(res[q.id].abstained for q in ans)}; "
        f"uncovered declined {sum(res[q.id].abstained for q in unc)}/{len(unc)}; "
        f"decline flips {len(flips)} {flips[:5]}; top-3 changes {len(moved)}; "
        f"median lines {statistics.median(lines) if lines else 0}; "
        f"ask p50 {statistics.median(ms):.0f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.0f} ms"
    )


if __name__ == "__main__":
    main()
