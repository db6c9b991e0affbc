"""A user's mistakes on the command line and in settings: one line on stderr naming the option,
file or variable and the reason, the documented exit code, no traceback, nothing written.
In-process through click's runner, engines made with the fake embedder (the CLI's seam)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fakes import fake_engine
from helpers_robust import write

from assistant.cli import cli


def invoke(*args: str, input: str | None = None) -> Result:
    """The real CLI in this process; the engine factory is the fake one."""
    obj = {"engine_factory": fake_engine}
    return CliRunner().invoke(cli, list(args), input=input, obj=obj)


def one_error_line(r: Result, code: int = 2) -> str:
    """The single stderr line of a refused invocation (asserting its shape and exit code)."""
    assert r.exit_code == code, (r.exit_code, r.output, r.stderr)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("assistant: error: "), lines[0]
    return lines[0]


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    d = tmp_path / "notes"
    write(d / "a.md", "# Alpha\nalpha one about clusters\n\n## Beta\nbeta two about tasks\n")
    return d


def test_config_file_that_is_not_utf8_is_a_usage_error(
    tmp_path: Path, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_bytes(b"\xff\xfek = 3\n")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(cfg))
    r = invoke("ask", "--notes", str(notes), "--index", str(tmp_path / "idx"), "alpha?")
    line = one_error_line(r)
    assert line == f"assistant: error: cannot read config file {cfg}: not UTF-8 text"
    assert not (tmp_path / "idx").exists()
