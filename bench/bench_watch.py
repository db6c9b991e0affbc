"""Live notes: seconds from saving a new note until another engine's search finds it.

    python bench/bench_watch.py [--notes DIR] [--trials 5]

Copies the notes (default: the bundled ones) to a temp folder, builds the index with the real
model (default settings), runs `assistant.live.watch_notes` on a thread (as `index --watch`
does), then `--trials` times saves a new note holding a unique sentence and polls `search` in a
second Engine (its own store, as a separate reader would have) every 20 ms until the note's
section is the top hit. Prints each trial, the median and max latency, and the refresh's own
time and embedding time (SyncReport.seconds / embed_seconds). The reader's polling shares the
CPU with the refresh it waits for, as a real reader would.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from assistant.engine import Engine
from assistant.live import watch_notes
from assistant.settings import load_settings
from corpus import BUNDLED_NOTES

SENTENCE = "The {word} quokka recalibrates the {word} zephyr lattice before dawn."
WORDS = ["vermilion", "obsidian", "cerulean", "saffron", "viridian", "magenta", "ochre"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=Path, default=BUNDLED_NOTES)
    ap.add_argument("--trials", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=60.0, help="Seconds a trial may take.")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench_watch_") as tmp:
        notes = Path(tmp) / "notes"
        if args.notes.is_dir():
            shutil.copytree(args.notes, notes)
        else:
            notes.mkdir()
            shutil.copy(args.notes, notes)
        settings = load_settings(notes=notes, index=Path(tmp) / "index")
        writer = Engine(settings)
        t = time.perf_counter()
        built = writer.refresh()
        took = time.perf_counter() - t
        print(f"build: {built.added} files, {built.chunks} sections in {took:.1f} s")

        reader = Engine(settings)
        reader.search("warm up the query model and the vectors")
        reports = []
        stop, ready = threading.Event(), threading.Event()
        thread = threading.Thread(
            target=watch_notes,
            args=(writer, lambda report, batch: reports.append(report)),
            kwargs={"stop": stop, "on_ready": ready.set, "on_notice": print},
            daemon=True,
        )
        thread.start()
        if not ready.wait(60):
            raise SystemExit("the watch did not start")

        latencies: list[float] = []
        for i in range(args.trials):
            word = f"{WORDS[i % len(WORDS)]}{i}"
            sentence = SENTENCE.format(word=word)
            rel = f"live-note-{i}.md"
            before = len(reports)
            (notes / rel).write_text(f"# Live note {i}\n\n{sentence}\n", encoding="utf-8")
            t0 = time.perf_counter()
            while True:
                hits = reader.search(sentence, k=3)
                if hits and hits[0].chunk.path == rel:
                    break
                if time.perf_counter() - t0 > args.timeout:
                    raise SystemExit(f"trial {i}: not found after {args.timeout:.0f} s")
                time.sleep(0.02)
            latency = time.perf_counter() - t0
            latencies.append(latency)
            deadline = time.monotonic() + 10
            while len(reports) == before and time.monotonic() < deadline:
                time.sleep(0.01)  # the refresh's report lands just after its commit
            r = reports[-1] if len(reports) > before else None
            detail = (
                f"refresh {r.seconds * 1000:.0f} ms, embedding {r.embed_seconds * 1000:.0f} ms "
                f"({r.chunks_embedded} sections, {r.lines_embedded} lines)"
                if r
                else "refresh report missing"
            )
            print(f"trial {i + 1}: found after {latency:.2f} s; {detail}")
            time.sleep(0.5)  # let the watch go idle between trials

        stop.set()
        thread.join(10)
        refresh_ms = [r.seconds * 1000 for r in reports]
        embed_ms = [r.embed_seconds * 1000 for r in reports]
        print(
            f"save -> searchable: median {statistics.median(latencies):.2f} s, "
            f"max {max(latencies):.2f} s over {len(latencies)} saves "
            f"(debounce 300 ms included)"
        )
        print(
            f"refreshes: {len(reports)}; refresh median {statistics.median(refresh_ms):.0f} ms, "
            f"embedding median {statistics.median(embed_ms):.0f} ms, max {max(embed_ms):.0f} ms"
        )


if __name__ == "__main__":
    main()
