"""Warm search and ask latency over an index that is already built (no rebuild, no model load).

    python bench/bench_warm.py --notes DIR [--questions N]

Uses the gold questions as a fixed query set; prints p50/p95 with the issue's target beside.
Build the index first (`assistant index --notes DIR`); the same ASSISTANT_HOME must be set.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from assistant.engine import Engine
from assistant.settings import load_settings

GOLD = Path(__file__).resolve().parent.parent / "assistant/eval/data/gold.jsonl"


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=Path, default=None)
    ap.add_argument("--questions", type=int, default=50)
    args = ap.parse_args()
    engine = Engine(load_settings(notes=args.notes))
    if engine.stale_reason():
        raise SystemExit(f"index not fresh ({engine.stale_reason()}); run `assistant index` first")
    questions = [json.loads(x)["question"] for x in GOLD.read_text().splitlines()]
    questions = questions[: args.questions]
    engine.search(questions[0])  # load FAISS and the query model
    info = engine.info()
    print(f"index: {info.files} files, {info.chunks} chunks; load {os.getloadavg()[0]:.1f}")
    print(f"query embedder: {type(engine.query_embedder()).__name__}")
    for name, fn, target in (
        ("search", lambda q: engine.search(q, k=10), "p50 < 50 ms"),
        ("ask", lambda q: engine.ask(q), ""),
    ):
        times = []
        for q in questions:
            t = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - t) * 1000)
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        print(f"warm {name:6} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  {target}")


if __name__ == "__main__":
    main()
