"""Live notes (`assistant index --watch`): `index.watch.NotesWatcher` batches the changes that
matter, `assistant.live.watch_notes` refreshes the index after each batch. Real watchfiles,
SQLite and FAISS, the fast fake embedder; every wait is a predicate with a generous timeout.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fakes import FakeEmbedder, fake_engine
from helpers_robust import FAKE_CLI, ROOT

from assistant.cli import cli
from assistant.engine import Engine
from assistant.errors import EngineError
from assistant.live import watch_notes
from assistant.settings import load_settings
from corpus.scan import is_ignored, scan_notes
from index.store import Store
from index.sync import writer_lock
from index.watch import Batch, is_watch_limit

pytestmark = pytest.mark.slow

TIMEOUT = 20.0


def wait_for(pred: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    """Poll `pred` every 50 ms until it is truthy (returned) or `timeout` passes (fail)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def write(p: Path, text: str) -> None:
    """A plain write, as an editor does it (no mtime bump: the watcher sees real saves)."""
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def indexed(idx: Path) -> dict[str, str]:
    """path -> the text of its sections, as the index holds it now."""
    store = Store.open(idx, create=False)
    try:
        paths = [p for p, (h, _, _) in store.file_rows().items() if h]
        return {p: "\n".join(c.text for c in store.chunks_for_path(p)) for p in paths}
    finally:
        store.close()


def make_engine(notes: Path, idx: Path) -> Engine:
    return Engine(load_settings(notes=notes, index=idx), embedder=FakeEmbedder())


class Live:
    """`watch_notes` on a thread, recording what it reports; stopped and joined on exit."""

    def __init__(self, engine: Engine, **options: Any) -> None:
        self.engine = engine
        self.batches: list[Batch] = []
        self.notices: list[str] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.ready = threading.Event()
        self.options = options
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            watch_notes(
                self.engine,
                lambda report, batch: self.batches.append(batch),
                stop=self.stop,
                on_notice=self.notices.append,
                on_ready=self.ready.set,
                **self.options,
            )
        except BaseException as e:
            self.errors.append(e)
            raise

    @property
    def refreshes(self) -> int:
        return len(self.batches)

    def paths(self) -> list[list[str]]:
        return [b.paths for b in self.batches]

    def __enter__(self) -> Live:
        self.thread.start()
        wait_for(lambda: self.ready.is_set() or self.errors, "the watch to start")
        assert not self.errors, self.errors
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive(), "the watcher did not stop on its stop event"
        assert not self.errors, self.errors


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    d = tmp_path / "notes"
    write(d / "a.md", "# Alpha\nalpha one about clusters\n")
    write(d / "b.md", "# Beta\nbeta two about tasks\n")
    return d


@pytest.fixture
def engine(notes: Path, tmp_path: Path) -> Engine:
    eng = make_engine(notes, tmp_path / "idx")
    eng.refresh(export=False)
    return eng


def test_create_edit_rename_delete(engine: Engine, notes: Path) -> None:
    idx = engine.index_dir
    with Live(engine) as live:
        write(notes / "c.md", "# Gamma\ngamma new about registries\n")
        wait_for(lambda: "c.md" in indexed(idx), "the new note indexed")
        write(notes / "a.md", "# Alpha\nalpha edited about pods\n")
        wait_for(lambda: "pods" in indexed(idx)["a.md"], "the edit indexed")
        os.rename(notes / "b.md", notes / "renamed.md")
        wait_for(lambda: set(indexed(idx)) == {"a.md", "c.md", "renamed.md"}, "the rename")
        (notes / "c.md").unlink()
        wait_for(lambda: set(indexed(idx)) == {"a.md", "renamed.md"}, "the deletion")
        assert live.refreshes <= 4 + 1  # one a change; a rename may straddle two batches
    assert engine.check() == []


def test_new_folder_with_a_note(engine: Engine, notes: Path) -> None:
    with Live(engine):
        write(notes / "projects" / "deep" / "p.md", "# Plan\nproject plan about queues\n")
        wait_for(lambda: "projects/deep/p.md" in indexed(engine.index_dir), "the folder's note")
        os.rename(notes / "projects", notes / "work")
        wait_for(
            lambda: {"a.md", "b.md", "work/deep/p.md"} == set(indexed(engine.index_dir)),
            "the renamed folder",
        )


def test_a_notes_folder_deleted_and_made_again_is_watched_again(
    engine: Engine, notes: Path, tmp_path: Path
) -> None:
    """`rm -rf notes` then a restore (a `git checkout`, a copy back): the OS watch went with
    the old folder, so the watcher starts over on the new one instead of going deaf."""
    with Live(engine) as live:
        shutil.copytree(notes, tmp_path / "backup")
        shutil.rmtree(notes)
        wait_for(lambda: any("notes folder not found" in n for n in live.notices), "the notice")
        (tmp_path / "backup").rename(notes)
        write(notes / "c.md", "# Gamma\ngamma after the restore\n")
        wait_for(lambda: "c.md" in indexed(engine.index_dir), "the new folder's note indexed")


@pytest.mark.parametrize("style", ["temp-then-rename", "vim-backup"])
def test_an_editors_save_is_one_refresh(engine: Engine, notes: Path, style: str) -> None:
    with Live(engine) as live:
        target = notes / "a.md"
        if style == "temp-then-rename":  # most editors and atomic-write libraries
            write(notes / ".a.md.tmp", "# Alpha\nalpha saved atomically\n")
            os.replace(notes / ".a.md.tmp", target)
        else:  # vim: probe file 4913, backup a.md~, write a.md, drop the backup; swap file
            write(notes / "4913", "")
            (notes / "4913").unlink()
            write(notes / ".a.md.swp", "swap")
            os.rename(target, notes / "a.md~")
            write(target, "# Alpha\nalpha saved atomically\n")
            (notes / "a.md~").unlink()
        wait_for(lambda: "atomically" in indexed(engine.index_dir)["a.md"], "the save indexed")
        wait_for(lambda: live.refreshes >= 1, "its refresh to end")
        write(notes / "b.md", "# Beta\nbeta sentinel\n")  # anything after the save comes after
        wait_for(lambda: live.refreshes >= 2, "the sentinel's refresh")
        assert "sentinel" in indexed(engine.index_dir)["b.md"]
        assert live.paths() == [["a.md"], ["b.md"]]


def test_a_change_is_said_pending_before_its_refresh(engine: Engine, notes: Path) -> None:
    """A question asked 0.2 s after a save was answered from the text before it, unmarked:
    the watch waits out `debounce_ms` before its refresh. `on_pending` is called as the
    first change of a batch arrives (the chat marks its answers behind from then), once per
    batch, and never for noise."""
    seen: list[float] = []
    with Live(engine, debounce_ms=1500, on_pending=lambda: seen.append(time.monotonic())) as live:
        write(notes / ".a.md.swp", "swap")  # noise: nothing pending
        write(notes / "a.md", "# Alpha\nalpha saved\n")
        saved = time.monotonic()
        wait_for(lambda: seen, "the change said pending")
        assert seen[0] - saved < 1.0 and live.refreshes == 0  # before its refresh
        write(notes / "b.md", "# Beta\nbeta saved\n")  # the same batch: not said again
        wait_for(lambda: live.refreshes >= 1, "the batch's refresh")
        assert len(seen) == 1


def test_a_burst_of_saves_is_a_few_refreshes(engine: Engine, notes: Path) -> None:
    names = ["a.md", "b.md", "c.md", "sub/d.md"]
    with Live(engine) as live:
        for i in range(100):
            name = names[i % len(names)]
            write(notes / name, f"# Note {name}\nversion {i} of {name}\n")
        final = {n: f"version {96 + k} of {n}" for k, n in enumerate(names)}
        wait_for(
            lambda: all(t in indexed(engine.index_dir).get(n, "") for n, t in final.items()),
            "the final versions indexed",
        )
        wait_for(lambda: live.refreshes >= 1, "the refresh to end")
        write(notes / "z.md", "# Zeta\nzeta sentinel\n")  # every burst refresh comes before it
        wait_for(lambda: ["z.md"] in live.paths(), "the sentinel's refresh")
        assert live.paths()[-1] == ["z.md"] and 1 <= live.refreshes - 1 <= 3, live.paths()


def test_noise_and_the_index_folder_never_refresh(notes: Path) -> None:
    engine = make_engine(notes, notes / "index")  # the index inside the notes folder
    engine.refresh(export=False)
    noise = [".a.md.swp", ".a.md.swx", "4913", "a.md~", ".#a.md", "#a.md#", "x.tmp", "pic.png"]
    with Live(engine) as live:
        for name in noise:
            write(notes / name, "noise")
        write(notes / ".git" / "objects" / "ab.md", "hidden folder")
        write(notes / ".obsidian" / "workspace.md", "hidden folder")
        for name in noise:
            (notes / name).unlink()
        write(notes / "a.md", "# Alpha\nalpha first sentinel\n")
        wait_for(lambda: live.refreshes >= 1, "the first sentinel's refresh")
        # That refresh wrote into notes/index: those writes must not cause another one.
        write(notes / "b.md", "# Beta\nbeta second sentinel\n")
        wait_for(lambda: live.refreshes >= 2, "the second sentinel's refresh")
        assert "sentinel" in indexed(engine.index_dir)["b.md"]
        assert live.paths() == [["a.md"], ["b.md"]]
    assert set(indexed(engine.index_dir)) == {"a.md", "b.md"}


def test_assistantignore_edits_apply(engine: Engine, notes: Path) -> None:
    with Live(engine) as live:
        write(notes / "drafts" / "d.md", "# Draft\ndraft about secrets\n")
        wait_for(lambda: "drafts/d.md" in indexed(engine.index_dir), "the draft indexed")
        write(notes / ".assistantignore", "drafts/\nb.md\n")
        wait_for(lambda: set(indexed(engine.index_dir)) == {"a.md"}, "ignored notes leaving")
        wait_for(lambda: [".assistantignore"] in live.paths(), "that refresh to end")
        before = live.refreshes
        write(notes / "b.md", "# Beta\nbeta edited while ignored\n")  # no refresh for these
        write(notes / "drafts" / "e.md", "# E\nignored too\n")
        write(notes / "a.md", "# Alpha\nalpha sentinel\n")
        wait_for(lambda: live.refreshes > before, "the sentinel's refresh")
        assert "sentinel" in indexed(engine.index_dir)["a.md"]
        assert live.paths()[before:] == [["a.md"]]


def test_a_single_note_file_as_the_notes(notes: Path, tmp_path: Path) -> None:
    engine = make_engine(notes / "a.md", tmp_path / "idx")
    engine.refresh(export=False)
    with Live(engine) as live:
        write(notes / "b.md", "# Beta\nnot the watched file\n")
        write(notes / ".a.md.tmp", "# Alpha\nalpha saved atomically\n")
        os.replace(notes / ".a.md.tmp", notes / "a.md")
        wait_for(lambda: live.refreshes >= 1, "the refresh of the watched file")
        assert "atomically" in indexed(engine.index_dir)["a.md"]
        assert live.paths() == [["a.md"]]


def test_is_ignored_agrees_with_the_scan(tmp_path: Path) -> None:
    write(tmp_path / ".assistantignore", "drafts/\n*.txt\n!keep.txt\n")
    write(tmp_path / "sub" / ".assistantignore", "private.md\n")
    rels = ["a.md", "drafts/x.md", "n.txt", "keep.txt", "sub/private.md", "sub/ok.md"]
    rels += ["node_modules/pkg/README.md", "venv/lib/LICENSE.md", "sub/node_modules/x.md"]
    for rel in rels:
        write(tmp_path / rel, "# x\n")
    write(tmp_path / "venv" / "pyvenv.cfg", "home = /usr/bin\n")
    found = {f.rel for f in scan_notes(tmp_path).files}
    assert found == {"a.md", "keep.txt", "sub/ok.md"}
    cache: dict[str, Any] = {}
    assert {r for r in rels if not is_ignored(tmp_path, r, cache=cache)} == found
    assert is_ignored(tmp_path, "drafts", is_dir=True) and not is_ignored(tmp_path, "sub", True)


def test_watch_limit_falls_back_to_polling(engine: Engine, notes: Path) -> None:
    import watchfiles

    tries: list[bool] = []

    def limited_watch(*paths: Any, force_polling: bool | None = None, **kw: Any):
        tries.append(bool(force_polling))
        if not force_polling:  # what watchfiles raises when inotify has no watches left
            raise OSError("OS file watch limit reached. (Error { kind: MaxFilesWatch })")
        return watchfiles.watch(*paths, force_polling=True, **kw)

    with Live(engine, watch_fn=limited_watch, poll_delay_ms=100) as live:
        assert tries == [False, True]
        assert [n for n in live.notices if "polling" in n] == live.notices != []
        write(notes / "c.md", "# Gamma\ngamma found by polling\n")
        wait_for(lambda: "c.md" in indexed(engine.index_dir), "the note indexed by polling")


def test_watch_limit_errors_are_recognised() -> None:
    assert is_watch_limit(RuntimeError("error in underlying watcher: OS file watch limit reached."))
    assert is_watch_limit(OSError(28, "No space left on device"))
    assert is_watch_limit(RuntimeError("Error creating recommended watcher: Too many open files"))
    assert not is_watch_limit(FileNotFoundError("No such file or directory"))


def test_another_writer_is_waited_for_never_blocked(engine: Engine, notes: Path) -> None:
    idx = engine.index_dir
    with Live(engine) as live:
        with writer_lock(idx, timeout=5):  # the idle watcher holds no lock
            write(notes / "c.md", "# Gamma\ngamma while locked\n")
            wait_for(lambda: any("another index run" in n for n in live.notices), "the wait")
            assert "c.md" not in indexed(idx)
        wait_for(lambda: live.refreshes == 1, "the refresh after the lock is released")
        assert "c.md" in indexed(idx)
        # Between two of the watcher's refreshes, another writer takes the lock at once.
        make_engine(notes, idx).refresh(wait=False, export=False)
        write(notes / "d.md", "# Delta\ndelta after the other writer\n")
        wait_for(lambda: "d.md" in indexed(idx), "the watcher's next refresh")


def test_a_failed_refresh_is_reported_and_the_watch_goes_on(
    engine: Engine, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = engine.refresh
    calls: list[int] = []

    def flaky(**kw: Any):
        calls.append(1)
        if len(calls) == 2:  # the first refresh after the catch-up fails
            raise EngineError("cannot load model: broken\nsecond line")
        return real(**kw)

    monkeypatch.setattr(engine, "refresh", flaky)
    with Live(engine) as live:
        write(notes / "c.md", "# Gamma\ngamma lost by the failure\n")
        wait_for(lambda: any("refresh failed" in n for n in live.notices), "the failure notice")
        assert [n for n in live.notices if "refresh failed" in n] == [
            "error: refresh failed: cannot load model: broken second line"
        ]
        write(notes / "d.md", "# Delta\ndelta after the failure\n")
        wait_for(lambda: {"c.md", "d.md"} <= set(indexed(engine.index_dir)), "the next refresh")


def test_watch_with_list_drop_or_check_is_a_usage_error() -> None:
    for flag in ("--list", "--drop", "--check"):
        r = CliRunner().invoke(cli, ["index", "--watch", flag], obj={"engine_factory": fake_engine})
        assert r.exit_code == 2, r.output
        assert r.stderr.strip() == (
            "assistant: error: --watch cannot be combined with --list, --drop or --check"
        )


class Lines:
    """A subprocess stream's lines, read on a thread (so the test can wait with a timeout)."""

    def __init__(self, stream: Any) -> None:
        self.q: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.thread = threading.Thread(target=lambda: [self.q.put(ln) for ln in stream])
        self.thread.daemon = True
        self.thread.start()

    def next_with(self, want: str) -> str:
        end = time.monotonic() + TIMEOUT
        while time.monotonic() < end:
            try:
                line = self.q.get(timeout=0.1)
            except queue.Empty:
                continue
            self.seen.append(line)
            if want in line:
                return line
        pytest.fail(f"no line with {want!r} within {TIMEOUT:.0f} s; saw {self.seen}")

    def rest(self) -> str:
        """Every line not read yet, once the stream has closed."""
        self.thread.join(TIMEOUT)
        while not self.q.empty():
            self.seen.append(self.q.get())
        return "".join(self.seen)


@pytest.mark.slow
@pytest.mark.parametrize(
    "as_json, sig", [(False, signal.SIGINT), (True, signal.SIGINT), (False, signal.SIGTERM)]
)
def test_cli_index_watch_then_ctrl_c(
    notes: Path, tmp_path: Path, as_json: bool, sig: signal.Signals
) -> None:
    """Ctrl+C, or SIGTERM (`kill`, a service manager stopping it), stops the watch cleanly:
    "Stopped watching.", exit 0 (SIGTERM ended it with 143 and nothing said)."""
    args = ["index", "--watch", "--notes", str(notes), "--index", str(tmp_path / "idx")]
    p = subprocess.Popen(
        [sys.executable, FAKE_CLI, *args, *(["--json"] if as_json else [])],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        # A shell running the tests in the background ignores SIGINT for its children; Ctrl+C
        # is what is tested here, so the child gets the default disposition back.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert p.stdout is not None and p.stderr is not None
        out, err = Lines(p.stdout), Lines(p.stderr)
        first = out.next_with('"added": 2' if as_json else "Indexed: 2 added")
        assert first.count("\n") == 1  # JSON Lines: the first report is one line too
        if as_json:  # and of the same shape as the refreshes
            assert (json.loads(first)["event"], json.loads(first)["paths"]) == ("index", [])
        err.next_with(f"Watching {notes.resolve()} for changes (Ctrl+C to stop)")
        write(notes / "a.md", "# Alpha\nalpha edited about pods\n")
        line = out.next_with("refresh")
        if as_json:
            record = json.loads(line)
            assert (record["event"], record["updated"], record["paths"]) == ("refresh", 1, ["a.md"])
        else:
            assert "refreshed: 0 added, 1 updated, 0 removed files; 1 section embedded in" in line
        p.send_signal(sig)
        assert p.wait(timeout=TIMEOUT) == 0
        stderr = err.rest()
        assert "Traceback" not in stderr and "Stopped watching." in stderr, stderr
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_ctrl_c_during_a_refresh_says_the_index_is_behind(monkeypatch, capsys) -> None:
    """Ctrl+C while a watch refresh wrote 175 new notes printed "Stopped watching." and exit
    0, and `index --check` then failed: the refresh cut short left the last consistent index
    (as designed), but nothing said so. It is said now, with what brings it up to date."""
    import assistant.live
    from assistant.cli import watch_index

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(assistant.live, "watch_notes", interrupted)

    class Behind:
        notes_root = Path("notes")

        def stale_reason(self) -> str | None:
            return self.reason

    engine = Behind()
    engine.reason = "index is inconsistent (interrupted update)"
    watch_index(engine, as_json=False)
    err = capsys.readouterr().err
    assert "the index is behind the notes (index is inconsistent (interrupted update))" in err
    assert "next `assistant index`" in err
    engine.reason = None
    watch_index(engine, as_json=False)
    assert capsys.readouterr().err.strip() == "Stopped watching."


def test_the_watch_names_a_newly_skipped_note_once_and_says_when_nothing_changed(
    monkeypatch, capsys
) -> None:
    """A binary file dropped into the notes was never named by `index --watch` (only the
    first index warned), and a refresh that changed nothing printed "0 added, 0 updated, 0
    removed files". Now a note newly skipped is a warning once, again only after it was read
    or skipped for another reason, and a refresh with no change says so."""
    import assistant.live
    from assistant.cli import watch_index
    from index.models import Skipped, SyncReport

    binary = Skipped(path="bin.md", reason="binary file")
    old = Skipped(path="old.md", reason="permission denied")
    reports = [
        SyncReport(added=1, skipped=[old, binary]),
        SyncReport(),  # read no file (a catch-up of line vectors): forgets no skipped note
        SyncReport(updated=1, skipped=[old, binary]),
        SyncReport(unchanged=2, skipped=[old]),
        SyncReport(added=1, skipped=[old, binary]),
    ]

    def watch(engine, show, **kw):
        for r in reports:
            show(r, type("Batch", (), {"paths": []})())

    monkeypatch.setattr(assistant.live, "watch_notes", watch)

    class Engine:
        notes_root = Path("notes")

    watch_index(Engine(), as_json=False, skipped=[old])
    out, err = capsys.readouterr()
    assert err.count("warning: skipped 'bin.md': binary file") == 2, err  # 1st and 5th
    assert "old.md" not in err  # the first index named it already
    lines = out.splitlines()
    assert "refreshed: 1 added" in lines[0] and "refreshed: 0 added, 1 updated" in lines[2]
    assert lines[3].endswith("up to date: no note changed (0 ms)"), lines[3]


def test_the_progress_line_keeps_each_stages_time_when_stages_take_turns(monkeypatch) -> None:
    """A first build with mixed line vectors goes embed, lines, embed, lines…: each return
    to a stage restarted its clock, so its ETA vanished (or raced) every batch."""
    import io

    import assistant.output
    from assistant.output import ProgressLine

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    now = [0.0]
    monkeypatch.setattr(assistant.output.time, "monotonic", lambda: now[0])
    out = Terminal()
    bar = ProgressLine(out)
    for at, stage, done, total in [
        (0, "embed", 0, 100),
        (10, "embed", 50, 100),
        (10, "lines", 0, 10),
        (30, "lines", 5, 10),
        (31, "embed", 60, 100),  # 10 s of embedding so far, 60%: about 6 s left
    ]:
        now[0] = at
        bar(stage, done, total)
    assert out.getvalue().rsplit("\r", 1)[-1].startswith("Embedding sections")
    assert "60/100 ETA 6s" in out.getvalue().rsplit("\r", 1)[-1]


def test_the_progress_line_logs_a_plain_line_every_half_minute_off_a_terminal(
    monkeypatch,
) -> None:
    """`assistant index > log` (or in CI) printed nothing for the 9 minutes of a 20 MB note's
    build: off a terminal there was no progress at all. Now a plain line every 30 s, none for
    a build shorter than that, and no carriage returns in the log."""
    import io

    import assistant.output
    from assistant.output import ProgressLine

    now = [0.0]
    monkeypatch.setattr(assistant.output.time, "monotonic", lambda: now[0])
    out = io.StringIO()
    bar = ProgressLine(out)
    for at, done in [(0, 0), (5, 10), (29, 50), (31, 60), (40, 70), (62, 100)]:
        now[0] = at
        bar("embed", done, 200)
    assert out.getvalue().split("\n")[:-1] == [
        "Embedding sections: 60/200 ETA 72s",
        "Embedding sections: 100/200 ETA 62s",
    ]
    bar.clear()
    assert "\r" not in out.getvalue()
