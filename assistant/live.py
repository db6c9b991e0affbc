"""Live notes (`assistant index --watch`): refresh the index each time the notes change.

The loop uses only the engine's public API (`notes_root`, `index_dir`, `refresh`). The write
lock is taken per refresh, never for the watch's lifetime: another `assistant index` or the
chat's re-index run between refreshes, and a refresh that finds the lock taken retries until
it is free. A refresh that fails is reported in one line and the watch goes on.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from index.sync import IndexBusy
from index.watch import Batch, NotesWatcher

if TYPE_CHECKING:
    from assistant.engine import Engine
    from index.models import SyncReport

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
    catch-up if it changed anything). Notices and one-line errors go to `on_notice`.
    `watch_options` go to `index.watch.NotesWatcher` (debounce_ms, force_polling, ...).
    """
    stop = stop or threading.Event()
    watcher = NotesWatcher(
        engine.notes_root, engine.index_dir, stop=stop, on_notice=on_notice, **watch_options
    )
    ready = False
    for batch in watcher:
        report = _refresh(engine, stop, on_notice)
        if report is not None and (report.changed or not batch.rescan):
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
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) <= 300 else text[:299] + "…"
