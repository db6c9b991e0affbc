"""Concurrency (issue 5 §3): one writer at a time, `index` waits (or fails under --no-wait),
`ask` never waits and answers from the last consistent index; readers see consistent states
while a writer commits.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fakes import FakeEmbedder
from helpers_robust import (
    HELPER,
    ROOT,
    make_folder,
    mutate,
    popen_fake_cli,
    run_fake_cli,
    write,
)

from index.store import Store, faiss_ids
from index.sync import sync

pytestmark = pytest.mark.slow

HOLD = (
    "import sys\n"
    "from pathlib import Path\n"
    "from index.sync import writer_lock\n"
    "with writer_lock(Path(sys.argv[1]), timeout=30):\n"
    "    print('locked', flush=True)\n"
    "    sys.stdin.read()\n"
)


class Holder:
    """Another process holding the index's write lock until released."""

    def __init__(self, index: Path) -> None:
        self.p = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(index)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.p.stdout is not None
        assert self.p.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.p.poll() is None:
            assert self.p.stdin is not None
            self.p.stdin.close()
            self.p.wait(timeout=30)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "notes"
    write(d / "a.md", "# Alpha\nalpha one about clusters\n\n## Beta\nbeta two about tasks\n")
    write(d / "b.md", "# Gamma\ngamma three about services\n")
    return d


def test_index_no_wait_fails_clearly_while_another_run_holds_the_lock(
    folder: Path, tmp_path: Path
) -> None:
    idx = tmp_path / "idx"
    holder = Holder(idx)
    try:
        r = run_fake_cli("index", "--no-wait", "--notes", str(folder), "--index", str(idx))
    finally:
        holder.release()
    assert r.returncode == 3, r.stderr
    assert r.stderr.strip() == (
        f"assistant: error: another assistant process is indexing into {idx} "
        "(run without --no-wait to wait for it)"
    )


def test_index_waits_with_a_message_then_runs(folder: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    holder = Holder(idx)
    p = popen_fake_cli("index", "--notes", str(folder), "--index", str(idx))
    lines: list[str] = []

    def read() -> None:
        assert p.stderr is not None
        for line in p.stderr:
            lines.append(line)

    t = threading.Thread(target=read, daemon=True)
    t.start()
    try:
        end = time.monotonic() + 90
        while not any("waiting" in ln for ln in lines) and time.monotonic() < end:
            assert p.poll() is None, "index must wait for the lock, not fail or skip"
            time.sleep(0.05)
        assert any("another index run is in progress; waiting" in ln for ln in lines)
        time.sleep(0.5)
        assert p.poll() is None, "still waiting while the lock is held"
    finally:
        holder.release()
    out, _ = p.communicate(timeout=120)
    t.join(timeout=10)
    assert p.returncode == 0, "".join(lines)
    assert "Indexed: 2 added" in out
    assert (
        run_fake_cli("index", "--check", "--notes", str(folder), "--index", str(idx)).returncode
        == 0
    )


def test_two_index_runs_at_once_serialise(tmp_path: Path) -> None:
    notes, idx = tmp_path / "notes", tmp_path / "idx"
    make_folder(notes, random.Random(3), 150)
    a = popen_fake_cli("index", "--notes", str(notes), "--index", str(idx))
    b = popen_fake_cli("index", "--notes", str(notes), "--index", str(idx))
    (out_a, err_a), (out_b, err_b) = a.communicate(timeout=300), b.communicate(timeout=300)
    assert a.returncode == 0 and b.returncode == 0, err_a + err_b
    outs = sorted([out_a, out_b], key=lambda o: "150 added" not in o)
    assert "150 added" in outs[0], outs
    if "waiting" in err_a + err_b:
        # The run that waited found the other's work done: nothing left to embed.
        assert "0 added, 0 updated, 0 removed, 150 unchanged" in outs[1], outs
    r = run_fake_cli("index", "--check", "--notes", str(notes), "--index", str(idx))
    assert r.returncode == 0, r.stdout


def test_ask_never_waits_and_answers_from_the_last_index(folder: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    base = ("--notes", str(folder), "--index", str(idx))
    assert run_fake_cli("index", *base).returncode == 0
    write(folder / "c.md", "# Delta\ndelta four about registries\n")  # the index is now stale
    write(folder / "b.md", "# Gamma\ngamma three about services, edited\n")
    holder = Holder(idx)
    try:
        t0 = time.monotonic()
        r = run_fake_cli("ask", "gamma services", *base, "--json", timeout=120)
        elapsed = time.monotonic() - t0
        assert holder.p.poll() is None, "the lock was held throughout"
    finally:
        holder.release()
    assert r.returncode in (0, 1), r.stderr
    assert (
        "assistant: warning: a refresh is running in another process; answering from the last index"
        in r.stderr
    )
    import json

    answer = json.loads(r.stdout)
    quotes = [c["quote"] for c in answer["citations"]]
    assert any("gamma three about services" in q for q in quotes), answer
    assert not any("edited" in q for q in quotes), "the last consistent index, not half a refresh"
    changed = [c["changed_since_indexed"] for c in answer["citations"] if c["path"] == "b.md"]
    assert changed == [True], "the citation says the note moved on since it was indexed"
    assert elapsed < 60


def while_held(idx: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The fake CLI run with `args` while another process holds the index's write lock."""
    holder = Holder(idx)
    try:
        return run_fake_cli(*args)
    finally:
        holder.release()


def test_check_while_another_process_writes_says_so(folder: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    base = ("--notes", str(folder), "--index", str(idx))
    assert run_fake_cli("index", *base).returncode == 0
    r = while_held(idx, "index", "--check", *base)
    assert r.returncode == 3
    assert "another assistant process is updating the index" in r.stdout
    assert "to repair" not in r.stderr  # nothing is broken: it is busy
    assert run_fake_cli("index", "--check", *base).returncode == 0


def test_check_during_a_first_build_says_it_is_busy_not_broken(
    folder: Path, tmp_path: Path
) -> None:
    """During another process's first build (no manifest yet) `index --check` said "no
    manifest (index missing or never completed)" and "Run `assistant index` to repair."."""
    idx = tmp_path / "idx"
    r = while_held(idx, "index", "--check", "--notes", str(folder), "--index", str(idx))
    assert r.returncode == 3
    assert r.stdout.strip() == (
        "problem: another assistant process is updating the index; check again when it ends"
    )
    assert "repair" not in r.stderr and "manifest" not in r.stdout


def test_ask_during_a_first_build_is_a_clear_error(folder: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    r = while_held(idx, "ask", "gamma?", "--notes", str(folder), "--index", str(idx))
    assert r.returncode == 3
    assert "being built by another assistant process" in r.stderr
    assert "Traceback" not in r.stderr


def test_readers_see_consistent_snapshots_while_a_writer_commits(tmp_path: Path) -> None:
    """A reader polling during a long refresh always sees FAISS ids == chunk ids of the same
    snapshot, whole files (contiguous chunk ords), and can search without errors."""
    rng = random.Random(11)
    notes, idx = tmp_path / "notes", tmp_path / "idx"
    make_folder(notes, rng, 80)
    sync(idx, notes, FakeEmbedder())
    mutate(notes, rng, 0.6)
    writer = subprocess.Popen(
        [sys.executable, str(HELPER), str(notes), str(idx), "--sleep", "0.02", "--batch", "40"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    reader = Store.open(idx, create=False)
    seen_generations: set[str] = set()
    missing_file_seen = 0
    checks = 0
    qvec = FakeEmbedder().embed(["cluster task service"])[0]
    try:
        while writer.poll() is None or checks == 0:
            with reader.read_snapshot():
                gen = reader.generation
                index = reader.vector_index()
                ids = sorted(r[0] for r in reader.conn.execute("SELECT id FROM chunks"))
                assert sorted(int(i) for i in faiss_ids(index)) == ids
                for path, ords in reader.conn.execute(
                    "SELECT path, group_concat(ord) FROM chunks GROUP BY path"
                ):
                    got = sorted(int(o) for o in ords.split(","))
                    assert got == list(range(len(got))), f"{path}: partial file {got}"
                if reader.vector_problem and "missing" in reader.vector_problem:
                    missing_file_seen += 1
            hits = reader.dense_search(qvec, 5)
            found = reader.chunks([h[0] for h in hits])
            assert set(found) <= {h[0] for h in hits}
            seen_generations.add(gen or "")
            checks += 1
            time.sleep(0.01)
    finally:
        reader.close()
        writer.wait(timeout=120)
    assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    assert checks > 5 and len(seen_generations) >= 2, (checks, seen_generations)
    # While batches were being committed, the FAISS file of the current generation did not
    # exist yet: the reader rebuilt the vectors from SQLite instead.
    assert missing_file_seen >= 1


def test_the_chat_is_behind_while_another_process_indexes_its_notes(
    folder: Path, tmp_path: Path
) -> None:
    """With `index --watch` running, the chat's answers during its refresh of a branch switch
    carried no notice: the chat's own refresh found the write lock taken, and only a refresh
    of its own marked it behind. A refresh that finds the notes changed and another process
    indexing them leaves it behind until a refresh of its own finds them indexed."""
    from fakes import fake_engine

    from assistant.live import LiveNotes
    from assistant.settings import load_settings
    from index.sync import IndexBusy

    idx = tmp_path / "idx"
    eng = fake_engine(load_settings(notes=folder, index=idx))
    eng.refresh()
    live = LiveNotes(eng, threading.Lock(), on_progress=lambda *a: None,
                     on_refreshed=lambda *a: None, on_notice=lambda m: None,
                     on_stopped=lambda m: None)  # fmt: skip
    live._twin = eng.twin()
    write(folder / "c.md", "# Delta\ndelta four about queues\n")
    holder = Holder(idx)
    try:
        with pytest.raises(IndexBusy):
            live.refresh(wait=False)
        assert live.behind
    finally:
        holder.release()
    assert live.refresh(wait=False).added == 1 and not live.behind
    live.refresh(wait=False)  # nothing changed: not behind
    assert not live.behind
