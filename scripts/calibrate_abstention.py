"""Calibrate the abstention threshold (`AnswerOptions.min_line`) on the calibration set.

Never on the gold set: the gold set measures, this file tunes. Prints each question's signals
and the accuracy of every threshold pair on a grid, best first.

    python scripts/calibrate_abstention.py [--data assistant/eval/data/calibration.jsonl]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from assistant.engine import Engine
from assistant.options import AnswerOptions
from assistant.settings import load_settings

DATA = Path(__file__).resolve().parent.parent / "assistant/eval/data/calibration.jsonl"
NEVER = AnswerOptions(min_line=-2.0)
"""Collect the signals with abstention on similarity off (the vocabulary rule still applies)."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.data.read_text().splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(load_settings(index=Path(tmp) / "index"), options=NEVER)
        engine.ensure_ready()
        feats = []
        for r in rows:
            a = engine.ask(r["question"])
            vocab_abstain = a.abstained
            feats.append((r, a.line_score, vocab_abstain))
            print(
                f"{'OUT' if not r['expected'] else 'IN '} {a.line_score:6.3f} "
                f"{'vocab-abstain' if vocab_abstain else '             '} {r['question'][:70]}"
            )
    results = []
    n_out = sum(not r["expected"] for r, _, _ in feats)
    for i in range(51):
        threshold = round(0.10 + 0.01 * i, 2)
        abstains = [(vocab or line < threshold, not r["expected"]) for r, line, vocab in feats]
        tp = sum(a and out for a, out in abstains)
        precision = tp / max(1, sum(a for a, _ in abstains))
        recall = tp / max(1, n_out)
        results.append((min(precision, recall), -threshold, precision, recall))
    # The product needs abstention precision and recall both high, so maximise the smaller;
    # among ties the lowest threshold (answer rather than abstain).
    results.sort(reverse=True)
    print("\nmin(P,R)  min_line  precision  recall")
    for score, neg, precision, recall in results[:8]:
        print(f"{score:8.3f}  {-neg:8.2f}  {precision:9.3f}  {recall:6.3f}")
    print(f"\ncurrent min_line: {AnswerOptions().min_line}")


if __name__ == "__main__":
    main()
