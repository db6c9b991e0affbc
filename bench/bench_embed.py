"""Embedding benchmark: indexing throughput (fp32 encode vs index embedder) and cold query start.

    python bench/bench_embed.py [--corpus DIR] [--limit 1500] [--precision auto] [--runs 5]

1. Chunk texts: the corpus's .md files split on blank lines (paragraphs), the first --limit.
   Prints chunks/s for sentence-transformers' default fp32 `encode` and for
   `load_index_embedder(precision)` on the same texts in the same process, their ratio
   (target ≥ 2.5×, issue 6) and the minimum cosine between the two (target ≥ 0.999).
2. Cold start: wall time of a fresh `python` that imports, loads and embeds one question, for the
   ONNX query embedder and for sentence-transformers (median of --runs), beside
   `python -c "import sentence_transformers"`.

Nothing here is a test; figures depend on the machine (and on whatever else it is running).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpora" / "aws-container-docs"
QUESTION = "Which load balancer is preferred for ECS?"


def chunk_texts(corpus: Path, limit: int) -> list[str]:
    texts: list[str] = []
    for f in sorted(corpus.rglob("*.md")):
        for para in f.read_text(encoding="utf-8", errors="replace").split("\n\n"):
            para = para.strip()
            if para:
                texts.append(para)
                if len(texts) >= limit:
                    return texts
    return texts


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def bench_throughput(
    texts: list[str], precision: str, rounds: int, onnx_dir: Path | None = None
) -> dict:
    """fp32 `encode` against the index embedder (and, with `onnx_dir`, against onnxruntime
    fp32 on every inference thread: the other route a CPU without bf16 has)."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from index.cpu import default_threads
    from index.embed import bundled_model_path
    from index.onnx_embed import load_index_embedder

    path = str(bundled_model_path())
    baseline = SentenceTransformer(path, device="cpu", local_files_only=True)
    models_root = onnx_dir.parent.parent if onnx_dir is not None else None
    ours = load_index_embedder(None, precision, models_root)
    warm = texts[:64]
    baseline.encode(warm, normalize_embeddings=True)
    ours.embed(warm)

    base_t: list[float] = []
    ours_t: list[float] = []
    ref = got = None
    for _ in range(rounds):  # interleaved, so background load hits both alike
        ref, t = timed(lambda: baseline.encode(texts, batch_size=32, normalize_embeddings=True))
        base_t.append(t)
        got, t = timed(lambda: ours.embed(texts))
        ours_t.append(t)
    cos = (np.asarray(ref, dtype=np.float32) * got).sum(axis=1)
    b, o = min(base_t), min(ours_t)
    extra: dict = {}
    if onnx_dir is not None:
        from index.onnx_embed import OnnxEmbedder

        onnx = OnnxEmbedder(onnx_dir, num_threads=default_threads(), index=True)
        onnx.embed(warm)
        onnx_t = []
        for _ in range(rounds):
            vecs, t = timed(lambda: onnx.embed(texts))
            onnx_t.append(t)
        ocos = (np.asarray(ref, dtype=np.float32) * vecs).sum(axis=1)
        extra = {"onnx_cps": len(texts) / min(onnx_t), "onnx_ratio": b / min(onnx_t)}
        extra["onnx_min_cos"] = float(ocos.min())
    return {
        **extra,
        "n": len(texts),
        "precision": ours.precision,
        "batch": f"{ours.batch_size} texts/{getattr(ours, 'batch_tokens', '-')} tokens",
        "base_cps": len(texts) / b,
        "ours_cps": len(texts) / o,
        "ratio": b / o,
        "min_cos": float(cos.min()),
        "mean_cos": float(cos.mean()),
    }


COLD_ONNX = """
import time, sys
from pathlib import Path
from index.onnx_embed import load_query_embedder
emb, notice = load_query_embedder(None, Path(sys.argv[1]))
assert notice is None, notice
emb.embed([{q!r}])
heavy = [m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules]
assert not heavy, heavy
"""

COLD_ST = """
from index.embed import SentenceTransformerEmbedder
SentenceTransformerEmbedder(precision="fp32").embed([{q!r}])
"""


def run_child(args: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + sys) of `runs` fresh processes."""
    import resource

    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def bench_cold(runs: int, models_root: Path | None) -> dict:
    from index.onnx_embed import ensure_onnx_export

    with tempfile.TemporaryDirectory() as tmp:
        root = models_root or Path(tmp)
        _, export_s = timed(lambda: ensure_onnx_export(None, root))
        py = sys.executable
        res = {"export_s": export_s}
        for _ in range(2):  # warm the page cache for every contender
            run_child([py, "-c", COLD_ONNX.format(q=QUESTION), str(root)], 1)
        res["onnx"] = run_child([py, "-c", COLD_ONNX.format(q=QUESTION), str(root)], runs)
        res["st"] = run_child([py, "-c", COLD_ST.format(q=QUESTION)], runs)
        res["import_st"] = run_child([py, "-c", "import sentence_transformers"], runs)
        res["python"] = run_child([py, "-c", "pass"], runs)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--limit", type=int, default=1500)
    ap.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"])
    ap.add_argument("--rounds", type=int, default=2, help="throughput rounds (best is kept)")
    ap.add_argument("--runs", type=int, default=5, help="cold-start runs (median is kept)")
    ap.add_argument("--models-root", type=Path, help="reuse an existing ONNX export cache")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-cold", action="store_true")
    ap.add_argument(
        "--onnx", action="store_true", help="also time onnxruntime fp32 for indexing throughput"
    )
    a = ap.parse_args()

    from index.cpu import default_threads, has_native_bf16

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"machine: {os.cpu_count()} CPUs, {default_threads()} inference threads, "
        f"native bf16: {'yes' if has_native_bf16() else 'no'}, load average {load}"
    )
    if not a.skip_throughput:
        if not a.corpus.is_dir():
            sys.exit(f"corpus {a.corpus} not found (--corpus DIR)")
        texts = chunk_texts(a.corpus, a.limit)
        onnx_dir = None
        if a.onnx:
            from index.onnx_embed import ensure_onnx_export

            root = a.models_root or Path(tempfile.mkdtemp(prefix="bench-onnx-"))
            onnx_dir = ensure_onnx_export(None, root)
        r = bench_throughput(texts, a.precision, a.rounds, onnx_dir)
        print(f"\nindexing throughput, {r['n']} chunk texts from {a.corpus.name}")
        print(f"  sentence-transformers fp32 encode   {r['base_cps']:7.1f} chunks/s")
        print(
            f"  index embedder ({r['precision']})              {r['ours_cps']:7.1f} chunks/s"
            f"   (batches <= {r['batch']})"
        )
        print(f"  ratio                               {r['ratio']:7.2f}x   (target >= 2.5x)")
        print(
            f"  cosine to fp32 encode: min {r['min_cos']:.5f}, mean {r['mean_cos']:.6f}"
            "   (target min >= 0.999)"
        )
        if "onnx_cps" in r:
            print(
                f"  onnxruntime fp32, all threads       {r['onnx_cps']:7.1f} chunks/s"
                f"   ratio {r['onnx_ratio']:.2f}x, min cosine {r['onnx_min_cos']:.5f}"
            )
    if not a.skip_cold:
        c = bench_cold(a.runs, a.models_root)
        print(f"\ncold first query embedding (fresh python, median of {a.runs})   wall    CPU")
        print(f"  ONNX export (once per model, in-process)      {c['export_s']:7.2f} s")
        rows = [
            ("onnxruntime query embedder (issue: ~0.3 s)", c["onnx"]),
            ("sentence-transformers query embedder", c["st"]),
            ("python -c 'import sentence_transformers'", c["import_st"]),
            ("python -c pass", c["python"]),
        ]
        for label, (w, cpu) in rows:
            print(f"  {label:44s} {w:6.3f} s {cpu:6.3f} s")
        ratio_w = c["onnx"][0] / c["import_st"][0]
        ratio_c = c["onnx"][1] / c["import_st"][1]
        print(f"  onnx / import sentence_transformers          {ratio_w:6.2f}x  {ratio_c:6.2f}x")
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
