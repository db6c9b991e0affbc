"""The docs say what the code does: every answer option is documented, no file is half-merged."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from assistant.options import AnswerOptions

ROOT = Path(__file__).resolve().parent.parent


def tracked(*suffixes: str) -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / p for p in out.splitlines() if p.endswith(suffixes)]


def test_no_merge_conflict_markers_in_tracked_text_files() -> None:
    bad = []
    for path in tracked(".md", ".py", ".toml", ".txt", ".tcss", ".jsonl", ".sh"):
        if not path.exists():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "=======":
                bad.append(f"{path.relative_to(ROOT)}:{n}: {line}")
    assert not bad, "\n".join(bad)


def test_every_answer_option_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    undocumented = [name for name in AnswerOptions.model_fields if f"`{name}`" not in readme]
    assert not undocumented, undocumented
