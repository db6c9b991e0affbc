#!/usr/bin/env bash
# The README's test command: install (CPU-only torch, pinned versions), lint, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
python -m pip install -q -c constraints.txt -e ".[test]"
ruff check .
ruff format --check .
python -m pytest -q
# The quality gate: `assistant eval` gates on the floors in regression.toml by default and
# prints the targets (thresholds.toml) beside each figure, not gated.
assistant eval --mode all
