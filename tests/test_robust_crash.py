"""Crash safety (issue 5 §2): SIGKILL an index run at random moments, then check that a normal
run ends with an index equal, chunk for chunk, to a clean build of the same folder.

The killed process is `tests/helpers_index_run.py`: the real `index.sync.sync` under the real
write lock, with a fake embedder that sleeps a little per batch and a small batch size, so one
run spans startup, scan/read, several embed batches and batch commits, the FAISS write and the
manifest. Most kills come after a random delay spread over the whole run; a few are
self-inflicted at exact points (inside a batch transaction, between the FAISS temp file and its
rename, after the rename, between the manifest temp file and its rename) because those windows
are too short for a random delay to hit reliably. Between runs, notes are added, changed,
deleted and renamed. The outcome of every trial (where the kill landed) is printed (`-s`) and
written to `crash-trials.json` in the test's temp folder.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from fakes import FakeEmbedder
from helpers_robust import HELPER, assert_same_index, make_folder, mutate

from assistant.engine import Engine
from assistant.settings import load_settings
from index.sync import sync, writer_lock

DIM = 64
SLEEP = 0.03  # seconds per 8 texts embedded
BATCH = 100  # chunks per commit (the real default is 2048)
N_FILES = 100
TRIALS = 24
TARGETED = ["tx-mid", "faiss-tmp", "faiss-old", "manifest-tmp"]


def start_run(notes: Path, index: Path, marker: Path, kill_at: str | None = None):
    args = [sys.executable, str(HELPER), str(notes), str(index), "--marker", str(marker)]
    args += ["--sleep", str(SLEEP), "--batch", str(BATCH), "--dim", str(DIM)]
    if kill_at:
        args += ["--kill-at", kill_at]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stage_of(marker: Path) -> str:
    """Where a run was when it died, from its stage markers."""
    try:
        events = [ln.split(" ", 1)[1] for ln in marker.read_text().splitlines() if " " in ln]
    except FileNotFoundError:
        return "startup (before sync)"
    if not events:
        return "startup (before sync)"
    if events[-1] == "done":
        return "completed before the kill"
    open_tx = embed_open = faiss_open = manifest_open = False
    seen_tx = 0
    for e in events:
        if e.startswith("tx-begin"):
            open_tx, seen_tx = True, seen_tx + 1
        elif e.startswith("tx-done"):
            open_tx = False
        elif e.startswith("embed-begin"):
            embed_open = True
        elif e == "embed-end":
            embed_open = False
        elif e == "faiss-begin":
            faiss_open = True
        elif e == "faiss-end":
            faiss_open = False
        elif e == "manifest-begin":
            manifest_open = True
        elif e == "manifest-end":
            manifest_open = False
    if manifest_open:
        return "mid-manifest"
    if faiss_open:
        return "mid-FAISS-write"
    if open_tx:
        return "mid-commit (inside a transaction)"
    if embed_open:
        return "mid-embed"
    if events[-1] == "start":
        return "startup (before sync)"
    if seen_tx <= 2:
        return "scan/read/chunk (before the first batch)"
    if events[-1] == "manifest-end":
        return "after the manifest (exiting)"
    return "between batches"


def timed_full_run(notes: Path, index: Path, marker: Path) -> float:
    """Seconds from the run's "start" marker (imports done) to "done"."""
    p = start_run(notes, index, marker)
    _out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err
    times = {ln.split(" ")[1]: float(ln.split(" ")[0]) for ln in marker.read_text().splitlines()}
    return times["done"] - times["start"]


def wait_started(p: subprocess.Popen, marker: Path, limit: float = 60) -> None:
    """Wait until the run has finished its imports (its first marker), or ended."""
    end = time.monotonic() + limit
    while time.monotonic() < end and p.poll() is None:
        if marker.exists() and marker.stat().st_size:
            return
        time.sleep(0.005)


def recover(notes: Path, index: Path) -> dict:
    """A normal run after the crash (in-process, real sync, the lock must be free again)."""
    with writer_lock(index, timeout=10):
        report = sync(index, notes, FakeEmbedder(dim=DIM))
    return report.model_dump()


@pytest.mark.slow
def test_sigkill_at_random_moments_never_corrupts(tmp_path: Path) -> None:
    rng = random.Random(20240605)
    notes, index = tmp_path / "notes", tmp_path / "idx"
    make_folder(notes, rng, N_FILES)
    # Calibrate: one uninterrupted full build, and one uninterrupted incremental run.
    t_full = timed_full_run(notes, index, tmp_path / "m0")
    mutate(notes, rng, 0.3)
    t_incr = timed_full_run(notes, index, tmp_path / "m1")

    outcomes: list[dict] = []
    for trial in range(TRIALS):
        frac = rng.choice([0.05, 0.2, 0.3, 0.5])
        mutated = mutate(notes, rng, frac)
        wipe_first = trial % 9 == 4  # now and then, a crash during a first build
        if wipe_first:
            import shutil

            shutil.rmtree(index)
        kills = []
        for attempt in range(2 if rng.random() < 0.3 else 1):
            marker = tmp_path / f"m-{trial}-{attempt}"
            targeted = TARGETED[trial % len(TARGETED)] if trial % 3 == 2 and attempt == 0 else None
            expected = t_full if wipe_first and attempt == 0 else t_incr * max(0.3, frac / 0.3)
            delay = None
            p = start_run(notes, index, marker, kill_at=targeted)
            if targeted is None:
                if rng.random() < 0.1:
                    delay = rng.uniform(0.0, 1.0)  # during interpreter start-up and imports
                else:
                    wait_started(p, marker)
                    delay = rng.uniform(0.0, expected * 1.1)
                try:
                    p.wait(timeout=delay)
                except subprocess.TimeoutExpired:
                    p.send_signal(signal.SIGKILL)
            p.communicate(timeout=300)
            kills.append(
                {
                    "kill": targeted or f"random {delay:.2f}s",
                    "returncode": p.returncode,
                    "stage": stage_of(marker),
                }
            )
            if rng.random() < 0.5:
                mutate(notes, rng, 0.05)  # notes change between the crash and the next run
        report = recover(notes, index)
        clean = tmp_path / f"clean-{trial}"
        sync(clean, notes, FakeEmbedder(dim=DIM))
        assert_same_index(index, clean)
        eng = Engine(load_settings(notes=notes, index=index), embedder=FakeEmbedder(dim=DIM))
        problems = eng.check()
        assert problems == [], problems
        assert eng.stale_reason() is None
        eng.close()
        import shutil

        shutil.rmtree(clean)
        outcomes.append(
            {
                "trial": trial,
                "mutated": mutated,
                "first_build": wipe_first,
                "kills": kills,
                "recovery_repaired": report["repaired"],
                "result": "equal to clean build, check clean",
            }
        )

    kills = [k for o in outcomes for k in o["kills"]]
    by_stage = Counter(k["stage"] for k in kills)
    by_kind = Counter("targeted" if not k["kill"].startswith("random") else "random" for k in kills)
    killed = sum(1 for k in kills if k["returncode"] == -signal.SIGKILL)
    summary = {
        "trials": len(outcomes),
        "killed_runs": killed,
        "runs_started": len(kills),
        "by_stage": dict(by_stage),
        "by_kind": dict(by_kind),
        "calibration_seconds": {"full": round(t_full, 2), "incremental": round(t_incr, 2)},
        "all_recovered_equal_to_clean_build": True,
    }
    (tmp_path / "crash-trials.json").write_text(
        json.dumps({"summary": summary, "trials": outcomes}, indent=2)
    )
    print("\ncrash trials:", json.dumps(summary, indent=2))
    assert len(outcomes) >= 20
    assert killed >= 20, "most runs must actually be killed"
    assert by_stage["mid-embed"] >= 3, by_stage
    assert by_stage["mid-commit (inside a transaction)"] >= 1, by_stage
