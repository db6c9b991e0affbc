"""A messy notes folder end to end (issue 5 §1 cases through `assistant index`): the generator in
bench/messy_folder.py writes every case, runs the real CLI's `index` on it (staging the
scan/read races, and a PermissionError where the tests run as root), then `index --check`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fakes import FakeEmbedder
from helpers_robust import ROOT

from assistant.engine import Engine
from assistant.settings import load_settings
from index.store import Store

pytestmark = pytest.mark.slow

EXPECTED_WARNINGS = [
    "assistant: warning: skipped 'alias-of-crlf.md': same file as 'eol/crlf.md'",
    "assistant: warning: skipped 'binary-no-nul.md': binary file",
    "assistant: warning: skipped 'binary.md': binary file",
    "assistant: warning: skipped 'broken.md': broken symlink",
    "assistant: warning: skipped 'caf\ufffd-latin1-name.md': file name is not UTF-8",
    "assistant: warning: skipped 'deep/back-up': symlink loop",
    "assistant: warning: skipped 'loop-a.md': symlink loop",
    "assistant: warning: skipped 'loop-b.md': symlink loop",
    "assistant: warning: skipped 'outside.md': symlink points outside the notes folder",
    "assistant: warning: skipped 'pipe.md': not a regular file",
    "assistant: warning: skipped 'secret.md': permission denied",
    "assistant: warning: skipped 'vanish.md': file vanished",
    "assistant: warning: big/one-line-20mb.md (21.0 million characters) is a large note: most of "
    "this run's work; an `.assistantignore` line leaves it out",
]


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("messy")
    r = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "messy_folder.py"), str(out), "--fake", "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    result = json.loads(r.stdout)
    result["exit"] = r.returncode
    result["raw_stderr"] = r.stderr
    return result


def test_index_finishes_with_the_expected_warnings_and_summary(messy: dict) -> None:
    run = messy["index"]
    assert run["exit"] == 0, run["stderr"]
    assert "Traceback" not in run["stderr"] + messy["raw_stderr"]
    assert run["stderr"].splitlines() == EXPECTED_WARNINGS
    summary = run["stdout"].strip().splitlines()[-1]
    # 16 notes indexed (2 of them empty/front matter only: no chunks), 12 skipped and counted.
    assert summary.startswith("Indexed: 16 added, 0 updated, 0 removed, 0 unchanged files;")
    assert summary.endswith("; 12 skipped")


def test_every_case_is_handled_and_the_index_checks_clean(messy: dict) -> None:
    assert messy["check"]["exit"] == 0, messy["check"]
    assert "Index OK" in messy["check"]["stdout"]
    bad = {k: v for k, v in messy["verdicts"].items() if v != "ok"}
    assert not bad, bad
    assert len(messy["verdicts"]) >= 30
    assert messy["exit"] == 0 and messy["ok"]


def test_spans_are_exact_for_odd_encodings_and_line_endings(messy: dict) -> None:
    """Beyond the generator's own verdicts: the stored spans of the odd files, literally."""
    store = Store.open(Path(messy["index_dir"]), create=False)
    try:
        spans = {
            rel: [(c.start_line, c.end_line, c.heading_path) for c in store.chunks_for_path(rel)]
            for rel in ("enc/latin1.md", "enc/utf16le-bom.md", "eol/cr-only.md", "eol/crlf.md")
        }
        latin = store.chunks_for_path("enc/latin1.md")
        big = store.chunks_for_path("big/one-line-20mb.md")
    finally:
        store.close()
    assert spans["enc/latin1.md"] == [(1, 4, ["Café notes"])]
    assert latin[0].text.endswith("Naïve façade, Ä Ö Ü ß ¿¡ ±.")
    assert spans["enc/utf16le-bom.md"] == [
        (1, 3, ["UTF-16 notes"]),
        (5, 6, ["UTF-16 notes", "Second"]),
    ]
    assert spans["eol/cr-only.md"] == [(1, 3, ["CR notes"]), (5, 6, ["CR notes", "Next"])]
    assert spans["eol/crlf.md"] == [(1, 3, ["CRLF notes"]), (5, 6, ["CRLF notes", "Next"])]
    assert len(big) > 1000 and all(c.start_line == c.end_line == 1 for c in big)


def test_a_second_run_is_quiet_about_nothing_and_does_not_go_stale(messy: dict) -> None:
    """Run `index` again (no staged races now): the persistent skips are reported again,
    nothing is re-embedded, and the folder is not seen as stale by `ask`."""
    import os

    notes, idx = Path(messy["notes"]), Path(messy["index_dir"])
    eng = Engine(load_settings(notes=notes, index=idx), embedder=FakeEmbedder())
    if os.geteuid() == 0:
        (notes / "secret.md").unlink()  # root would read it now that nothing is staged
    report = eng.refresh()
    assert report.chunks_embedded == 0
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons["binary.md"] == reasons["binary-no-nul.md"] == "binary file"
    assert reasons["outside.md"] == "symlink points outside the notes folder"
    assert "vanish.md" not in reasons  # it is gone for good
    assert eng.stale_reason() is None, "skipped notes must not make the index look stale"
    assert eng.check() == []
