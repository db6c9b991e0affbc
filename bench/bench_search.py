"""What listing each section once costs `search`: one hit per section vs the ten best pieces.

`Engine.search` asks `retrieve(..., sections=True)`, which skips the further pieces of a
section already listed, loading chunks batch by batch until it has k sections. This times
hybrid retrieval both ways, alternating per question in one loop over an existing index (no
refresh, so an index built by an older chunker is measured as it is), with the question
embedded beforehand so only retrieval is timed.

    python bench/bench_search.py                                  # bench/out/scale-100000
    python bench/bench_search.py --base bench/out/answers         # the AWS docs index
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import Report, log, pct


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--base", type=Path, default=common.OUT / "scale-100000")
    p.add_argument("--queries", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    if not (args.base / "index" / "manifest.json").exists():
        sys.exit(f"bench_search: no index under {args.base}/index (run bench_scale.py first)")
    os.environ["ASSISTANT_HOME"] = str(common.OUT / "home")
    from assistant.engine import Engine
    from assistant.settings import load_settings
    from assistant.stages.query import all_common, lexical_query
    from index.retrieve import retrieve

    engine = Engine(load_settings(notes=args.base / "notes", index=args.base / "index"))
    questions = common.questions(args.queries)
    log(f"embedding {len(questions)} questions, loading the vector index ...")
    vecs = {q: engine.embed_query(q) for q in questions}
    engine.store().vector_index()

    def pieces(q: str) -> list:
        cov = engine.coverage(q)
        return retrieve(
            engine.store(),
            lexical_query(cov),
            vecs[q],
            k=10,
            mode="hybrid",
            all_common=all_common(cov),
        )

    def sections(q: str) -> list:
        return engine.search(q, k=10, mode="hybrid", qvec=vecs[q])

    variants = {"10 best pieces": pieces, "10 sections (search)": sections}
    for q in questions[:5]:  # warm-up
        for fn in variants.values():
            fn(q)
    ms: dict[str, list[float]] = {name: [] for name in variants}
    repeats = 0
    for _ in range(args.rounds):
        for q in questions:
            for name, fn in variants.items():
                t0 = time.perf_counter()
                hits = fn(q)
                ms[name].append((time.perf_counter() - t0) * 1000)
                if name == "10 best pieces":
                    keys = [h.chunk.section for h in hits]
                    repeats += len(keys) - len(set(keys))

    size = f"{engine.store().chunk_total()} chunks, {len(questions)} questions"
    rep = Report(f"bench_search: {size}")
    for name, xs in ms.items():
        rep.add(f"{name}: p50 / p95, ms", f"{pct(xs, 50):.1f} / {pct(xs, 95):.1f}")
    ratio = pct(ms["10 sections (search)"], 50) / pct(ms["10 best pieces"], 50)
    rep.add("p50 ratio, sections / pieces", ratio, "{:.2f}")
    n = args.rounds * len(questions)
    rep.add("repeated sections among 10 best pieces, per question", repeats / n, "{:.2f}")
    rep.print()
    rep.save(f"bench_search-{args.base.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
