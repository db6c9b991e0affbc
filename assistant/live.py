"""Live notes: refresh the index each time the notes change (`assistant index --watch`), and
follow the notes in the background of a long-lived process (the chat, `assistant mcp`).

`watch_notes` uses only the engine's public API (`notes_root`, `index_dir`, `refresh`). The
write lock is taken per refresh, never for the watch's lifetime: another `assistant index` or
the chat's re-index run between refreshes, and a refresh that finds the lock taken retries
until it is free. A refresh that fails is reported in one line and the watch goes on.

`LiveNotes` runs `watch_notes` on a daemon thread of its own, over a twin of the process's
engine (`Engine.twin`: its own SQLite connection, the same models), so that engine is never
used from two threads and a question is answered from the last committed index while a
refresh runs (SQLite WAL; the engine's store reloads FAISS when the generation moves on).
One writer per process at a time: a refresh holds the process's write lock, as do its other
builds (the chat's start-up build and Ctrl+R, the MCP server's refresh job); a refresh that
finds it taken waits for it (`watch_notes` retries), and across processes the index's write
lock does the same. Nothing is loaded to watch: a batch that leaves the notes as indexed (the
catch-up once the watch is up, a save of the same text) is answered without a refresh, and the
index model loads on the first real change unless the engine has it already. The catch-up also
fills in line vectors a build left to it: the chat's start-up build does (`lines=False`), so
it answers once the sections are embedded, and the line pass runs here, in the background.
A daemon thread, so that quitting never waits for a refresh: an interrupted refresh is safe
(the index keeps its last committed state).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.output import counted, cut
from corpus.scan import is_note_name
from index.models import IndexInfo, SyncReport
from index.sync import IndexBusy
from index.watch import Batch, NotesWatcher

if TYPE_CHECKING:
    from assistant.engine import Engine

LOCK_RETRY_S = 0.25
"""Pause between tries while another process holds the index's write lock."""


def _to_stderr(message: str) -> None:
    print(f"assistant: {message}", file=sys.stderr, flush=True)


def watch_notes(
    engine: Engine,
    on_refresh: Callable[[SyncReport, Batch], None],
    *,
    stop: threading.Event | None = None,
    on_notice: Callable[[str], None] = _to_stderr,
    on_ready: Callable[[], None] | None = None,
    **watch_options: Any,
) -> None:
    """Refresh `engine`'s index after each batch of note changes until `stop` is set (or
    Ctrl+C in the main thread raises KeyboardInterrupt).

    Once the watch is up, one catch-up refresh covers changes made before it; then `on_ready`
    is called. `on_refresh(report, batch)` follows every refresh a change caused (and the
    first catch-up if it changed anything or embedded line vectors; a later one, after the
    watch started over on a re-made notes folder, always). Notices and one-line errors go
    to `on_notice`. `watch_options` go to `index.watch.NotesWatcher` (debounce_ms, ...).
    """
    stop = stop or threading.Event()
    watcher = NotesWatcher(
        engine.notes_root, engine.index_dir, stop=stop, on_notice=on_notice, **watch_options
    )
    ready = False
    for batch in watcher:
        report = _refresh(engine, stop, on_notice)
        # The first catch-up is said only if it did something; a later one (the watch started
        # over on a notes folder deleted and made again) always, like any refresh: the chat
        # re-checks its citations and leaves "refreshing" even when the notes came back as
        # they were.
        if report is not None and (
            report.changed or report.lines_embedded or not batch.rescan or ready
        ):
            on_refresh(report, batch)
        if not ready:
            ready = True
            if on_ready is not None:
                on_ready()


def _refresh(
    engine: Engine, stop: threading.Event, on_notice: Callable[[str], None]
) -> SyncReport | None:
    """One refresh under the write lock; None if it failed or `stop` came while waiting."""
    waiting = False
    while not stop.is_set():
        try:
            return engine.refresh(wait=False, export=False)
        except IndexBusy:
            if not waiting:
                on_notice("another index run is in progress; refreshing after it")
                waiting = True
            stop.wait(LOCK_RETRY_S)
        except Exception as e:  # a model or index error, a full disk: say so, keep watching
            on_notice(f"error: refresh failed: {_one_line(e)}")
            return None
    return None


def _one_line(e: Exception) -> str:
    return cut(" ".join(str(e).split()) or type(e).__name__, 300)


BUSY_NOTICE = "another index run is in progress"
"""How `watch_notes` starts the notice it gives while it waits for the write lock."""


def refresh_summary(
    report: SyncReport, paths: Sequence[str], root: Path | None = None
) -> str | None:
    """The status line after a refresh: "papers/notes.md refreshed" (its path in the notes
    folder: two folders may each hold a notes.md), "a.md renamed old/a.md" (the new path is
    the one under `root` now), "3 files refreshed", "3 files removed from the index", or None
    when the refresh changed no file."""
    files = report.added + report.updated + report.removed + report.renamed
    if files == 0:
        return "index repaired" if report.repaired else None
    notes = [p for p in paths if is_note_name(p)]  # not the folder a note was moved into
    if files == 1 and len(notes) == 1:
        return f"{notes[0]} removed from the index" if report.removed else f"{notes[0]} refreshed"
    if files == report.renamed == 1 and len(notes) == 2 and root is not None:
        new = [n for n in notes if (root / n).exists()]
        if len(new) == 1:  # the old path and the new one
            old = next(n for n in notes if n != new[0])
            return f"{old} renamed {new[0]}"
    if files == report.removed:  # an .assistantignore edit, a folder deleted
        return f"{counted(files, 'file')} removed from the index"
    return f"{counted(files, 'file')} refreshed"


class LiveNotes:
    """Watch the chat engine's notes folder and refresh its index after each batch of changes.

    The callbacks run on the watch thread (post a message from them): `on_progress(stage, done,
    total)` while a refresh runs, `on_refreshed(report, paths, info)` after a batch (`info` is
    None when nothing changed), `on_notice(text)` for the watch's notices and one-line errors,
    `on_stopped(reason)` if the watch ends without being asked to. `watch_options` go to
    `index.watch.NotesWatcher` (debounce_ms, force_polling, ...).
    """

    def __init__(
        self,
        engine: Any,
        write_lock: threading.Lock,
        *,
        on_progress: Callable[[str, int, int], None],
        on_refreshed: Callable[[SyncReport, list[str], IndexInfo | None], None],
        on_notice: Callable[[str], None],
        on_stopped: Callable[[str], None],
        **watch_options: Any,
    ) -> None:
        self.engine = engine
        self.write_lock = write_lock
        self.on_progress = on_progress
        self.on_refreshed = on_refreshed
        self.on_notice = on_notice
        self.on_stopped = on_stopped
        self.watch_options = watch_options
        self.stop = threading.Event()
        """Set to end the watch (within about 0.1 s when no refresh is running)."""
        self.ready = threading.Event()
        """The watch is up and has caught up with changes made before it."""
        self.done = threading.Event()
        """The watch thread has ended."""
        self.refreshes = 0
        """Refreshes that changed the index."""
        self._twin: Any = None
        self._waiting_for_us = False
        self._caught_up = False
        """The first refresh (the catch-up) also fills in line vectors a build left to it."""
        self.behind = False
        """A saved change is waiting to be refreshed or a refresh of one is running, here or
        in another process: the index is behind the notes (not a catch-up that only fills in
        line vectors)."""
        self._thread: threading.Thread | None = None

    @property
    def active(self) -> bool:
        return self._thread is not None and not self.done.is_set()

    @property
    def notes_root(self) -> Path:
        return self.engine.notes_root

    @property
    def index_dir(self) -> Path:
        return self.engine.index_dir

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="watch-notes", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from assistant.live import watch_notes

        reason = "the watch ended"
        try:
            self._twin = self.engine.twin()
            # `self` is what watch_notes refreshes: notes_root, index_dir and refresh().
            watch_notes(
                self,
                self._refreshed,
                stop=self.stop,
                on_notice=self._notice,
                on_ready=self.ready.set,
                on_pending=self._saw_change,
                **self.watch_options,
            )
        except Exception as e:  # the folder removed, the watch refused by the OS
            reason = " ".join(str(e).split()) or type(e).__name__
        finally:
            if self._twin is not None:
                self._twin.close()
            self.done.set()
        if not self.stop.is_set():
            self.on_stopped(reason)

    def refresh(self, wait: bool = True, export: bool = True) -> SyncReport:
        """One refresh by the twin engine, for `watch_notes`; IndexBusy while this process
        writes the index already (the start-up build, Ctrl+R): watch_notes then retries."""
        if not self.write_lock.acquire(blocking=False):
            self._waiting_for_us = True
            raise IndexBusy("the chat is indexing")
        self._waiting_for_us = False
        twin = self._twin
        stale = elsewhere = False
        try:
            catch_up, self._caught_up = not self._caught_up, True
            stale = twin.stale_reason() is not None
            if not stale and not (catch_up and twin.lines_missing()):
                return SyncReport()  # the notes are as indexed: no model needed, nothing written
            self.behind = stale
            self.on_progress("refresh", 0, 0)
            return twin.refresh(progress=self.on_progress, wait=wait, export=export)
        except IndexBusy:
            elsewhere = True  # another process (`index --watch`) is indexing the change
            raise
        finally:
            # Behind until a refresh of ours finds the notes as indexed: answers meanwhile
            # come from the index before the change, whoever is indexing it.
            self.behind = stale and elsewhere
            twin.close()
            self.write_lock.release()

    def _saw_change(self) -> None:
        """A saved change the watch waits out (`debounce_ms`) before refreshing: the index is
        behind the notes already (a question asked 0.2 s after a save was answered from the
        text before it, unmarked)."""
        if self.ready.is_set():
            self.behind = True

    def _refreshed(self, report: SyncReport, batch: Any) -> None:
        info = None
        if report.changed:
            self.refreshes += 1
        if report.changed or batch.paths:  # another process may have indexed the change
            info = self._twin.info()  # (the chat said 24 files after `assistant index` made 25)
            self._twin.close()
        self.on_refreshed(report, list(batch.paths), info)

    def _notice(self, message: str) -> None:
        if message.startswith(BUSY_NOTICE) and self._waiting_for_us:
            return  # our own build or Ctrl+R: the status line says so already
        self.on_notice(message)
