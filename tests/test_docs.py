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


def test_every_exit_code_is_in_the_readme_table() -> None:
    """130 (Ctrl+C: "interrupted") was missing from the table scripts read: every `EXIT_*`
    code and every literal exit code in the package and the chat is one of its rows."""
    import re

    from assistant import errors

    table = (ROOT / "README.md").read_text(encoding="utf-8").split("### Exit codes", 1)[1]
    rows = re.findall(r"^\| ([\d, ]+) \|", table.split("\n\n", 2)[1], flags=re.M)
    documented = {int(c) for row in rows for c in row.split(",")}
    used = {v for k, v in vars(errors).items() if k.startswith("EXIT_")}
    literal = re.compile(r"\b(?:exit|_finish|_fail)\((?:[^()]*, )?(\d+)\)")  # sys.exit(130)
    for path in [*(ROOT / "assistant").rglob("*.py"), *(ROOT / "tui").rglob("*.py")]:
        used |= {int(n) for n in literal.findall(path.read_text(encoding="utf-8"))}
    assert {0, 1, 2, 3, 130} <= used
    assert used <= documented, f"exit codes missing from README: {sorted(used - documented)}"
