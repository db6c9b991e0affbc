"""Vector index at scale: the end of a full build, and how many IVF lists to probe.

Works on an index `bench_scale.py` built (default: 100k sections), in one process:
  1. the step that ends a large full build: the exact in-memory index the build grew is
     replaced by an IVF index rebuilt from the vectors in SQLite and written to disk, with the
     model loaded as during a build. Wall time and peak RSS (target 3: the build stays < 2 GB);
  2. recall@10 against exact search and ms/query for several shares of lists probed, for the
     bench questions: why `index.vectors.PROBE_SHARE` is what it is (target: recall >= 0.98).

    python bench/bench_vectors.py                 # after bench_scale.py (100k)
    python bench/bench_vectors.py --chunks 10000
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import Report, log


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--chunks", type=int, default=100_000, help="which bench_scale index")
    p.add_argument("--queries", type=int, default=100)
    args = p.parse_args()
    base = common.OUT / f"scale-{args.chunks}"
    if not (base / "index" / "manifest.json").exists():
        print(f"no index at {base}; run bench/bench_scale.py --chunks {args.chunks} first")
        return 2
    os.environ["ASSISTANT_HOME"] = str(common.OUT / "home")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    common.print_machine()

    import faiss
    import numpy as np

    from assistant.engine import Engine
    from assistant.settings import load_settings
    from index import vectors
    from index.store import one_omp_thread
    from index.sync import writer_lock

    settings = load_settings(notes=base / "notes", index=base / "index")
    engine = Engine(settings)
    engine.index_embedder()  # a build has the model loaded
    rep = Report(f"bench_vectors: {args.chunks} generated sections")
    rep.add("peak RSS with the model loaded, MiB", common.peak_rss_mb(), "{:.0f}")

    # 1. the exact index a build grew, then the switch to IVF when the file is written
    with writer_lock(base / "index", timeout=-1):
        store = engine.store()
        gen = store.generation
        flat = vectors.empty(store.dim())
        for ids, vecs in store.stored_vectors():
            flat.add_with_ids(vecs, ids)
        store.adopt_vector_index(flat, gen)
        del flat
        rss_flat = common.peak_rss_mb()
        rep.add("peak RSS with the exact index in memory, MiB", rss_flat, "{:.0f}")
        t0 = time.perf_counter()
        store.write_vectors(gen)  # not `fits` any more at this size: rebuilt as IVF
        t_switch = time.perf_counter() - t0
    index = store.vector_index()
    rss = common.peak_rss_mb()
    rep.add("index written", f"{type(index).__name__}, {index.ntotal} vectors")
    rep.add("switch to IVF (read SQLite, train, add, write, fsync), s", t_switch, "{:.1f}")
    rep.add("peak RSS after the switch, MiB", rss, "{:.0f}", "< 2048", rss < 2048)

    # 2. recall@10 and speed by share of lists probed
    if vectors.is_ivf(index):
        qemb = engine.query_embedder()
        qs = common.questions(args.queries)
        mat = np.stack([qemb.embed([q])[0] for q in qs]).astype(np.float32)
        exact, id_of = common.exact_index(store)
        with one_omp_thread():
            t0 = time.perf_counter()
            _, top = exact.search(mat, 10)
            t_exact = (time.perf_counter() - t0) / len(mat) * 1000
            truth = [set(id_of[t]) for t in top]
            for share in (0.05, 0.1, 0.2, 0.25, 0.35):
                nprobe = max(1, math.ceil(share * index.nlist))
                params = faiss.SearchParametersIVF(nprobe=nprobe)
                t0 = time.perf_counter()
                found = [index.search(q[None], 10, params=params)[1][0] for q in mat]
                ms = (time.perf_counter() - t0) / len(mat) * 1000
                recall = float(np.mean([len(truth[i] & set(f)) / 10 for i, f in enumerate(found)]))
                chosen = " (chosen)" if nprobe == vectors.nprobe_for(index) else ""
                rep.add(
                    f"probe {share:.0%} ({nprobe} of {index.nlist} lists){chosen}: "
                    "recall@10 / ms per query",
                    f"{recall:.4f} / {ms:.2f}",
                )
        rep.add("exact search, ms per query (1 thread)", t_exact, "{:.2f}")
    else:
        log(f"{index.ntotal} vectors: below {vectors.IVF_MIN_VECTORS}, search is exact")
    engine.close()
    rep.print()
    out = rep.save(f"bench_vectors-{args.chunks}")
    print(f"(json: {out.relative_to(common.REPO)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
