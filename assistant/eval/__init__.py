"""Evaluation: the gold set for the bundled notes, and BEIR-format retrieval benchmarks.

`metrics` holds pure metric functions (trec_eval / BEIR semantics), `beir` loads BEIR datasets
and writes them out as notes, `gold` runs the gold set through the answer path, and `cli` holds
the `assistant eval` commands. Nothing here is imported by the rest of the product.
"""

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
GOLD_FILE = DATA_DIR / "gold.jsonl"
CALIBRATION_FILE = DATA_DIR / "calibration.jsonl"
THRESHOLDS_FILE = DATA_DIR / "thresholds.toml"
"""Targets: what the evaluation issue asks for; printed beside each figure, not gated."""
FLOORS_FILE = DATA_DIR / "regression.toml"
"""Floors: what `assistant eval` and CI gate on by default (just under today's figures)."""
