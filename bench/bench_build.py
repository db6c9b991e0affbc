"""A full first index, line vectors included, against a bare encode of the section texts alone
(the live-notes issue's build target), in one process with the model loaded once:

  1. bare sentence-transformers `model.encode` (fp32, its defaults) of every section text the
     index embeds (`chunk.embed_text()`, one per distinct content hash): the baseline;
  2. a full build through `Engine.refresh()` into a fresh index, line_vectors="mixed" (the
     default: lines under 240 characters embedded on their own, longer ones pooled);
  3. the same with line_vectors="own" (each line embedded on its own) and "pooled" (lines
     from the section pass);
each at the precision ASSISTANT_PRECISION gives (fp32 for the target), with wall times and
their ratios to (1) from this same run.

    ASSISTANT_PRECISION=fp32 python bench/bench_build.py            # the AWS docs
    ASSISTANT_PRECISION=fp32 python bench/bench_build.py --corpus DIR   # another folder
    python bench/bench_build.py --limit 60                          # a quick look
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import Report, log


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--corpus", type=Path, default=common.DEFAULT_CORPUS)
    p.add_argument("--limit", type=int, default=None, help="only the first N notes (by path)")
    kinds = ["mixed", "own", "pooled"]
    p.add_argument("--kinds", nargs="+", default=kinds, choices=kinds)
    return p.parse_args()


def main() -> None:
    args = parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    common.print_machine()
    from assistant.engine import Engine
    from assistant.settings import load_settings
    from corpus.markdown import chunk_note
    from corpus.read import read_note
    from corpus.scan import scan_notes

    work = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        notes = work / "notes"
        files = scan_notes(args.corpus).files[: args.limit]
        for f in files:
            (notes / f.rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f.path, notes / f.rel)
        first = Engine(load_settings(notes=notes, index=work / "idx-own"))
        emb = first.index_embedder()  # one model for every build (loading is not building)
        rep = Report(
            f"bench_build: {len(files)} notes of {args.corpus.name}, index precision "
            f"{emb.precision}"
        )
        texts = {}
        for f in files:
            nc = chunk_note(
                f.rel, read_note(notes / f.rel).text, emb.count_tokens, emb.max_tokens - 2
            )
            texts.update((c.content_hash, c.embed_text()) for c in nc.chunks)
        log(f"bare fp32 encode of {len(texts)} section texts ...")
        from sentence_transformers import SentenceTransformer

        from index.embed import bundled_model_path

        bare = SentenceTransformer(str(bundled_model_path()), device="cpu")
        t0 = time.perf_counter()
        bare.encode(list(texts.values()))
        t_bare = time.perf_counter() - t0
        del bare
        rep.add("bare fp32 encode of the section texts, s", t_bare, "{:.1f}")
        for kind in args.kinds:
            log(f"full build, line_vectors={kind} ...")
            engine = Engine(
                load_settings(notes=notes, index=work / f"idx-{kind}", line_vectors=kind), emb
            )
            t0 = time.perf_counter()
            report = engine.refresh(export=False)
            wall = time.perf_counter() - t0
            engine.close()
            rep.add(
                f"full build, {kind} line vectors: s ({report.chunks} sections, "
                f"{report.lines_embedded} lines)",
                wall,
                "{:.1f}",
            )
            rep.add(
                f"  ratio to the bare fp32 encode ({kind})",
                wall / t_bare,
                "{:.2f}",
                "<= 1.1 (fp32)" if emb.precision == "fp32" else ">= 2x faster (bf16)",
                wall / t_bare <= 1.1 if emb.precision == "fp32" else t_bare / wall >= 2,
            )
        rep.add("peak RSS of this process, MiB", common.peak_rss_mb(), "{:.0f}")
        rep.print()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
