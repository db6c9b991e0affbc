"""Watching a notes folder: one batch at a time of the changes that could alter what
`corpus.scan.scan_notes` finds, for `assistant index --watch`.

Iterate a `NotesWatcher`: it yields a `Batch` once the notes have been quiet for `debounce_ms`
(or after `max_wait_ms` of unbroken changes), so an editor's save (temp file and rename, swap
and backup files) is one batch and a burst of saves a few. What counts: a note file (a
NOTE_SUFFIXES name not excluded by `.assistantignore`), a folder created, removed or renamed,
an `.assistantignore` written or removed. What never counts: hidden entries (.git, .obsidian,
vim's .x.md.swp, emacs' .#x.md), backup and temp files (x.md~, *.tmp, vim's 4913), the index
folder when it lies inside the notes folder.

Built on `watchfiles` (imported on first iteration). When the OS runs out of file watches
(Linux inotify's max_user_watches), the watcher falls back to polling and says so once.
"""

from __future__ import annotations

import errno
import os
import re
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from corpus.scan import IGNORE_FILE, is_ignored, is_note_name

KINDS = {1: "added", 2: "modified", 3: "deleted"}
"""watchfiles' Change values, by name."""
_NOISE = re.compile(r"(~|\.tmp|\.temp|\.sw[a-p]|\.bak|___jb_(tmp|old)___)$|^4913$|^#.*#$", re.I)
"""Editors' backup, swap and temp files (besides hidden ones), whatever their first suffix."""
TICK_MS = 100
"""How often an idle watch hands control back (to close a quiet batch, to see `stop`)."""
POLLING_NOTICE = (
    "the OS file watch limit is reached (Linux: fs.inotify.max_user_watches); "
    "polling the notes for changes instead, which is slower"
)

Change = tuple[str, str]
"""(kind, path relative to the notes root with "/" separators); kind in KINDS' values."""


@dataclass(frozen=True)
class Batch:
    """Changes to refresh the index for."""

    changes: tuple[Change, ...] = ()
    """Sorted by path; a path's last kind seen."""
    rescan: bool = False
    """The watch has just (re)started: whatever changed before it was missed."""

    @property
    def paths(self) -> list[str]:
        return [rel for _, rel in self.changes]


def is_watch_limit(e: BaseException) -> bool:
    """The OS refused more file watches or watch instances (inotify ENOSPC / EMFILE): the
    error `watchfiles` raises on start, or mid-watch when a new folder cannot be watched."""
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EMFILE):
        return True
    text = str(e).lower()
    signs = ("watch limit", "maxfileswatch", "os error 28", "too many open files", "os error 24")
    return any(s in text for s in signs)


class NotesWatcher:
    """Batches of relevant changes under a notes folder (or to a single note file).

    `stop` ends the iteration within about 0.1 s; so does Ctrl+C in the main thread (as
    KeyboardInterrupt). `force_polling=True` polls from the start (network file systems);
    `watch_fn` replaces `watchfiles.watch` (tests).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        index_dir: str | os.PathLike[str] | None = None,
        *,
        stop: threading.Event | None = None,
        debounce_ms: int = 300,
        max_wait_ms: int = 5000,
        force_polling: bool | None = None,
        poll_delay_ms: int = 300,
        on_notice: Callable[[str], None] | None = None,
        on_pending: Callable[[], None] | None = None,
        watch_fn: Callable[..., Iterable[set[tuple[Any, str]]]] | None = None,
    ) -> None:
        self.root = os.path.realpath(root)
        self.single = os.path.isfile(self.root)
        self.index_dir = os.path.realpath(index_dir) if index_dir is not None else None
        self.stop = stop or threading.Event()
        self.debounce_ms = debounce_ms
        self.max_wait_ms = max_wait_ms
        self.force_polling = force_polling
        """None: watchfiles decides (WATCHFILES_FORCE_POLLING, WSL); the fallback sets True."""
        self.poll_delay_ms = poll_delay_ms
        self.on_notice = on_notice or (lambda _message: None)
        self.on_pending = on_pending or (lambda: None)
        """Called when a change arrives while none is pending: a refresh will follow within
        `debounce_ms` of quiet (a question asked meanwhile is answered from the index before
        it; the chat says so)."""
        self.watch_fn = watch_fn
        self._dirs: set[str] = set()
        self._ignore_specs: dict[str, Any] = {}

    def __iter__(self) -> Iterator[Batch]:
        while not self.stop.is_set():
            try:
                if (yield from self._batches()):
                    continue  # the folder was deleted and made again: watch the new one
                return
            except (OSError, RuntimeError) as e:  # RuntimeError: watchfiles' internal error
                if self.force_polling or not is_watch_limit(e):
                    raise
                self.force_polling = True
                self.on_notice(POLLING_NOTICE)

    def _batches(self) -> Generator[Batch, None, bool]:
        """One watch session: a `rescan` batch once it is up, then the changes. Returns True
        when the notes folder was replaced (deleted, or renamed away, and a folder made at its
        path): the OS watch follows the old one, so a new session must start."""
        fn = self.watch_fn
        if fn is None:
            from watchfiles import watch as fn
        pending: dict[str, str] = {}
        first = last = 0.0
        started = False
        folder = None if self.single else _identity(self.root)
        gone = False
        for raw in fn(
            os.path.dirname(self.root) if self.single else self.root,
            watch_filter=None,  # filtered here, so that noise still hands control back
            debounce=self.debounce_ms,
            step=50,
            rust_timeout=TICK_MS,
            yield_on_timeout=True,
            stop_event=self.stop,
            force_polling=self.force_polling,
            poll_delay_ms=self.poll_delay_ms,
            recursive=not self.single,
            ignore_permission_denied=True,  # an unreadable folder is the scan's to report
        ):
            if self.stop.is_set():
                return False
            if folder is not None:
                now_at = _identity(self.root)
                if now_at is None:
                    gone = True  # the OS watch went with it, even if one comes back here
                elif gone or now_at != folder:  # (a new folder may reuse the old inode)
                    return True
            if not started:
                started = True
                self._dirs = set()
                if not self.single:
                    self._remember_dirs(self.root)
                yield Batch(rescan=True)
            now = time.monotonic()
            # An ignore file first: the notes beside it are judged by its new rules.
            for change, path in sorted(raw, key=lambda c: not c[1].endswith(IGNORE_FILE)):
                rel = self._relevant(KINDS.get(int(change), "modified"), path)
                if rel is not None:
                    if not pending:
                        self.on_pending()
                    pending[rel] = KINDS.get(int(change), "modified")
                    last, first = now, first or now
            quiet = (now - last) * 1000 >= self.debounce_ms
            if pending and (quiet or (now - first) * 1000 >= self.max_wait_ms):
                yield Batch(tuple(sorted(((k, r) for r, k in pending.items()), key=lambda c: c[1])))
                pending, first = {}, 0.0
        return False

    def _relevant(self, kind: str, path: str) -> str | None:
        """`path` relative to the notes root if this change can alter what the scan finds."""
        if self.single:
            return os.path.basename(path) if path == self.root else None
        if path == self.root:
            return "."  # the folder itself removed or replaced
        if not path.startswith(self.root + os.sep) or self._in_index(path):
            return None
        rel = path[len(self.root) + 1 :].replace(os.sep, "/")
        *parents, name = rel.split("/")
        if any(p.startswith(".") for p in parents):
            return None
        if name == IGNORE_FILE:
            self._ignore_specs.clear()
            return rel
        if name.startswith(".") or _NOISE.search(name):
            return None
        if is_note_name(name):
            is_dir = False
        elif kind == "added" and os.path.isdir(path):
            self._remember_dirs(path)
            is_dir = True
        elif kind == "deleted" and rel in self._dirs:
            self._dirs = {d for d in self._dirs if d != rel and not d.startswith(rel + "/")}
            is_dir = True
        else:
            return None  # another kind of file; a folder's own mtime (polling) changes nothing
        return None if is_ignored(self.root, rel, is_dir, self._ignore_specs) else rel

    def _in_index(self, path: str) -> bool:
        d = self.index_dir
        return d is not None and (path == d or path.startswith(d + os.sep))

    def _remember_dirs(self, top: str) -> None:
        """Note the folders under `top` (and `top`), so that removing one later is seen as a
        folder change (a removed path can no longer say what it was)."""

        def rel(path: str) -> str:
            return path[len(self.root) + 1 :].replace(os.sep, "/")

        if top != self.root:
            self._dirs.add(rel(top))
        for dirpath, dirnames, _ in os.walk(top):  # symlinked folders listed, not entered
            dirnames[:] = [
                d
                for d in dirnames
                if not d.startswith(".") and not self._in_index(os.path.join(dirpath, d))
            ]
            self._dirs.update(rel(os.path.join(dirpath, d)) for d in dirnames)


def _identity(path: str) -> tuple[int, int] | None:
    """Which folder is at `path` (device, inode), or None while there is none."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino
