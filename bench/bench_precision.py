"""Does a bf16 index answer as an fp32 one does? The measurement behind `precision=auto`.

Tolerance, stated before measuring (issue 15): bf16 may be chosen automatically only if, per
question set, at most one answerable question changes whether its section is in the top 3,
no abstention flips, and the BEIR run on the AWS docs keeps hybrid nDCG@10 and MRR@10 within
0.005 of fp32.

For each precision (forced with ASSISTANT_PRECISION) it builds the bundled notes' index, then
asks the gold and the calibration set through a fresh engine, as a cold `assistant ask` does
(ONNX fp32 query model against the existing index), in every mode; and runs
`assistant eval beir` on a known-item dataset made from the AWS docs (`beir-from-notes`), each
precision in its own cache. It prints per set and mode the figures side by side and the
questions whose top-3 membership or abstention differs.

    python bench/bench_precision.py                 # gold, calibration, BEIR on the AWS docs
    python bench/bench_precision.py --skip-beir     # the bundled sets only (a minute or two)

bf16 runs emulated (slowly) on CPUs without AVX-512 BF16 / AMX; the machine line says which.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import log

PRECISIONS = ("fp32", "bf16")


def ask_sets(precision: str, home: Path, work: Path) -> dict[str, dict]:
    """Per set and mode: the harness's per-question rows, index built under `precision`."""
    from assistant.engine import Engine
    from assistant.eval import gold
    from assistant.settings import load_settings
    from corpus import BUNDLED_NOTES

    os.environ["ASSISTANT_HOME"] = str(home)
    os.environ["ASSISTANT_PRECISION"] = precision
    notes = work / "notes"
    notes.mkdir(parents=True)
    for f in BUNDLED_NOTES.glob("*.md"):
        shutil.copy(f, notes)
    settings = load_settings(notes=notes, index=work / "index")
    builder = Engine(settings)
    t0 = time.perf_counter()
    builder.refresh()
    build_s = time.perf_counter() - t0
    builder.close()
    engine = Engine(settings)  # a new process would not reuse the index embedder
    out: dict[str, dict] = {"build_s": {"all": build_s}}
    try:
        sets = (("gold", gold.load_gold()), ("calibration", gold.load_calibration()))
        for name, questions in sets:
            out[name] = {}
            for mode in gold.MODES:
                log(f"{precision}: {name}, {mode}")
                out[name][mode] = gold.run_mode(engine, questions, mode)
    finally:
        engine.close()
    return out


def top3(row: dict) -> bool:
    return not row["abstained"] and any(e in row["ranked_sections"][:3] for e in row["expected"])


def compare(a: dict, b: dict) -> tuple[list[str], list[str]]:
    """Answerable questions whose top-3 membership differs; questions whose abstention differs."""
    rows_b = {r["id"]: r for r in b["questions"]}
    moved, flipped = [], []
    for ra in a["questions"]:
        rb = rows_b[ra["id"]]
        if ra["expected"] and top3(ra) != top3(rb):
            where = {True: "in", False: "out"}
            moved.append(f"{ra['id']} ({where[top3(ra)]} -> {where[top3(rb)]})")
        if ra["abstained"] != rb["abstained"]:
            flipped.append(f"{ra['id']} (abstained {ra['abstained']} -> {rb['abstained']})")
    return moved, flipped


def beir(precision: str, dataset: Path, work: Path) -> dict:
    env = {**os.environ, "ASSISTANT_PRECISION": precision}
    exe = str(Path(sys.executable).with_name("assistant"))
    log(f"{precision}: BEIR on {dataset.name} (indexes the dataset) ...")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [exe, "eval", "beir", str(dataset), "--mode", "all", "--json", "--cache", str(work)],
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"assistant eval beir failed ({precision}):\n{proc.stderr[-2000:]}")
    report = json.loads(proc.stdout)
    report["wall_s"] = time.perf_counter() - t0
    return report


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--skip-beir", action="store_true")
    p.add_argument("--corpus", type=Path, default=common.DEFAULT_CORPUS)
    args = p.parse_args()
    common.print_machine()
    tmp = Path(tempfile.mkdtemp(prefix="bench-precision-"))
    home = tmp / "home"
    results = {pr: ask_sets(pr, home, tmp / pr) for pr in PRECISIONS}
    report: dict[str, object] = {"machine": common.machine_info()}
    for name in ("gold", "calibration"):
        for mode in ("bm25", "dense", "hybrid"):
            a, b = results["fp32"][name][mode], results["bf16"][name][mode]
            moved, flipped = compare(a, b)
            r = common.Report(f"{name} set, {mode}: fp32 vs bf16 index")
            for label, key in (
                ("Hit@1", "hit_at_1"),
                ("Hit@3", "hit_at_3"),
                ("MRR@10", "mrr_at_10"),
                ("key-phrase recall", "key_phrase_recall"),
                ("abstention recall", "abstention_recall"),
                ("abstention precision", "abstention_precision"),
            ):
                fa, fb = a["overall"].get(key), b["overall"].get(key)
                if fa is None or fb is None:
                    continue
                r.add(label, f"fp32 {fa:.3f}  bf16 {fb:.3f}  diff {fb - fa:+.3f}")
            r.add("answerable questions in/out of top 3 changed", f"{len(moved)} {moved}")
            r.add("abstentions flipped", f"{len(flipped)} {flipped}")
            r.print()
            report[f"{name}-{mode}"] = {"moved": moved, "flipped": flipped}
    if not args.skip_beir:
        dataset = tmp / "beir-aws"
        exe = str(Path(sys.executable).with_name("assistant"))
        subprocess.run(
            [exe, "eval", "beir-from-notes", str(args.corpus), str(dataset)],
            check=True,
            capture_output=True,
        )
        beirs = {pr: beir(pr, dataset, tmp / f"beir-cache-{pr}") for pr in PRECISIONS}
        r = common.Report(f"BEIR known-item run on {args.corpus.name}: fp32 vs bf16 index")
        for mode in ("bm25", "dense", "hybrid"):
            for key in ("ndcg@10", "recall@100", "mrr@10"):
                fa = beirs["fp32"]["modes"][mode][key]
                fb = beirs["bf16"]["modes"][mode][key]
                r.add(f"{mode} {key}", f"fp32 {fa:.4f}  bf16 {fb:.4f}  diff {fb - fa:+.4f}")
        for pr in PRECISIONS:
            r.add(f"{pr} eval beir wall (index + score)", f"{beirs[pr]['wall_s']:.1f} s")
        r.print()
        report["beir"] = beirs
    out = common.OUT / "precision.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"\nJSON: {out}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
