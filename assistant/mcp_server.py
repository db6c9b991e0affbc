"""`assistant mcp`: the notes served to coding agents and chat clients over the Model Context
Protocol, as four read-only tools (search, ask, read, status) over the engine's public API.

Everything here is a thin layer: `ask` returns the `Answer` exactly as `assistant ask --json`
prints it, `search` the sections `assistant search` lists. What this module adds is what a
long-lived server needs: one engine (and model) for its lifetime, a lock so concurrent calls
never share the SQLite connection unguarded, and an index kept fresh without blocking a call
for minutes (a build runs in the background while calls get a tool error saying how far it
is, or, once a big folder's keyword preview is written, keyword matches with a notice; a
refresh of an existing index answers from the last one with a notice), following the notes
in the background once the index is ready, as the chat does (`assistant.live.LiveNotes`).

`mcp` itself is imported only by `serve` (invariant 5: `assistant --help` stays cheap).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.errors import EngineError, UsageError
from assistant.follow import note_path
from assistant.models import Answer, SectionHit
from assistant.output import counted, cut

MAX_SEARCH_K = 50
"""Most sections one `search` call returns."""
MAX_ASK_K = 10
"""Most sections one `ask` call quotes."""
MAX_READ_LINES = 500
"""Most lines one `read` call returns; a longer span is cut there (`truncated`)."""
MAX_READ_CHARS = 100_000
"""Most characters one `read` call returns (about 25k tokens): the span is cut before the line
that would pass it (`truncated`); a first line longer than that alone is refused."""
PROGRESS_LOG_S = 5.0
"""Seconds between progress lines on stderr while the index is built or refreshed."""
REFRESH_WAIT_S = 3.0
"""How long a call waits for a refresh it started (an edited note takes well under a second)
before answering from the last index with a notice."""
OUTLASTED_WAIT_S = 0.5
"""How long a call waits for a refresh that has outlasted an earlier call's wait."""
FIRST_BUILD_WAIT_S = 20.0
"""How long a call waits while there is no index to answer from: until a small folder's
first build ends (under 200 sections: seconds, model load included), or a big folder's
keyword preview is written (a moment), each call in full. A tool error says nothing a wait
of seconds would not; clients allow a call a minute or more."""
PREVIEW_POLL_S = 0.1
"""How often a call waiting on a first build looks for its keyword preview."""


class SearchResult(BaseModel):
    query: str
    hits: list[SectionHit]
    notices: list[str] = Field(default_factory=list)


class NoteLines(BaseModel):
    """Exact lines of a note, as they are on disk now."""

    path: str
    start_line: int
    end_line: int = Field(description="Last line returned (inclusive).")
    total_lines: int = Field(description="Lines in the whole note.")
    truncated: bool = Field(
        description=f"The span asked for was cut at {MAX_READ_LINES} lines or "
        f"{MAX_READ_CHARS:,} characters."
    )
    text: str = Field(description="The lines joined with newlines, verbatim.")
    notices: list[str] = Field(default_factory=list)


class Status(BaseModel):
    notes: str = Field(description="The notes folder (or file) served.")
    index: str
    files: int
    sections: int
    last_refresh: str | None = Field(description="When the index was last written (UTC ISO).")
    model: str | None
    precision: str | None
    building: str | None = Field(
        default=None, description="Progress of an index build or refresh running now."
    )
    stale: str | None = Field(
        default=None,
        description="Why the index is behind the notes, when no refresh runs yet (the next "
        "call refreshes it first, or the server's watch does in a moment).",
    )
    problem: str | None = None


class NotesServer:
    """The tools' logic, independent of the MCP SDK (so it is testable without a client)."""

    def __init__(
        self, engine: Any, builder: Any = None, watch_options: dict[str, Any] | None = None
    ) -> None:
        """`builder`: the engine that builds and refreshes the index on the refresh thread
        (default: a new one with `engine`'s settings, made when first needed).
        `watch_options` go to the notes watcher (`index.watch.NotesWatcher`: debounce_ms...)."""
        self.engine = engine
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        """One writer in this process: the refresh job, or a refresh of `live`."""
        self.live: Any = None
        """Following the notes (`assistant.live.LiveNotes`), once the index is first ready and
        if the `watch` setting is on; None until then."""
        self._watch_options = dict(watch_options or {})
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="refresh")
        self._job: concurrent.futures.Future[list[str]] | None = None
        self._builder: Any = builder
        self._progress = "starting"
        self._logged = 0.0
        self._verified = False
        self._new_skips: Any = None  # assistant.output.NewSkips, made with the first report
        self._outlasted: concurrent.futures.Future[list[str]] | None = None
        """The refresh job a call has waited out REFRESH_WAIT_S for: later calls do not wait."""

    def warm(self) -> threading.Thread:
        """Check the index and load the query model on a thread while the SDK is imported
        (about 0.4 s each): the first call then finds both ready. Errors are left for that
        call to report."""

        def run() -> None:
            with self._lock:
                with contextlib.suppress(Exception):  # starts any build, waits for none: a
                    self._fresh(wait_s=0.0)  # call's wait is its own
                with contextlib.suppress(Exception):
                    self.engine.embed_query("warm up")

        t = threading.Thread(target=run, name="warm", daemon=True)
        t.start()
        return t

    # ------------------------------------------------------------------ freshness
    def _on_progress(self, stage: str, done: int, total: int) -> None:
        self._progress = f"{stage}: {done} of {total}" if total else stage
        now = time.monotonic()
        if now - self._logged >= PROGRESS_LOG_S:  # a client's server log shows stderr
            self._logged = now
            _say(f"index: {self._progress}")

    def _refresh(self) -> list[str]:
        """Runs on the refresh thread, through an engine of its own (its own connections).
        Says on stderr what it does: stdout is the protocol's."""
        if self._builder is None:
            from assistant.engine import Engine

            self._builder = Engine(self.engine.settings)
        self._logged = time.monotonic()
        with self._write_lock:  # after a refresh `live` is running, which then often has done it
            report = self._builder.ensure_ready(progress=self._on_progress)
        notices, self._builder.notices = self._builder.notices, []
        if report is not None:
            self._say_report(report)
        for n in notices:
            _say(f"warning: {n}")
        return notices

    def _has_index(self) -> bool:
        from index.store import read_manifest

        return read_manifest(self.engine.index_dir) is not None

    def _fresh(self, wait_s: float | None = None) -> list[str]:
        """Bring the index up to date before a call (lock held), never blocking for minutes.

        The notes are scanned on every call (about 10 µs a note): a call made right after an
        edit must see it, and an agent often edits a note and asks at once. A refresh that
        began before this call (another call's, or one that outlasted its call's wait) read
        the notes before the edit may have happened, so once it ends they are checked again.
        Returns notices for the call's result: a refresh that outlasts REFRESH_WAIT_S leaves
        the call answering from the last consistent index with a notice saying so, never
        silently. Raises UsageError while a first build runs. `wait_s` (default
        REFRESH_WAIT_S, or FIRST_BUILD_WAIT_S while there is no index): the server's warm-up
        starts a refresh and waits for none, and does not count as a call that waited it out
        (the first call on a new folder then got OUTLASTED_WAIT_S, and a build of a few
        seconds failed the first three calls)."""
        notices: list[str] = []
        wait = wait_s
        if wait is None:
            wait = REFRESH_WAIT_S if self._has_index() else FIRST_BUILD_WAIT_S
        deadline = time.monotonic() + wait
        own = False  # a job this call started read the notes after any edit made before it
        while True:
            job = self._job
            if job is None:
                if own or self.engine.stale_reason() is None:  # "no index yet" when none
                    if not self._verified:  # once: what the scan cannot see (damaged vectors)
                        self.engine.ensure_ready()
                        self._verified = True
                    self._follow()
                    return notices
                self._progress = "starting"
                job = self._job = self._pool.submit(self._refresh)
                own = True
            try:
                notices += self._wait(job, deadline)
            except concurrent.futures.TimeoutError:
                if wait > 0:
                    self._outlasted = job
                return [*notices, self._refreshing_notice()]
            except Exception as e:  # the job is done either way: the next call starts a new one
                self._job = None
                if isinstance(e, UsageError):  # the notes folder is gone: nothing to answer from
                    raise
                if not isinstance(e, EngineError):
                    e = EngineError(f"index refresh failed ({type(e).__name__}: {e})")
                if not self._has_index():
                    raise e from None
                notices.append(f"index refresh failed: {e}; answered from the last index")
                return notices
            self._job = None
            self.engine.close()  # reopen on the new generation

    def _wait(self, job: concurrent.futures.Future[list[str]], deadline: float) -> list[str]:
        """The job's notices once it ends by `deadline`; TimeoutError when it does not, and at
        once during a first build whose keyword preview can answer. A job that has outlasted
        a call's wait already gets OUTLASTED_WAIT_S (each call of a long refresh waited it
        out again)."""
        if job is self._outlasted and self._has_index():
            deadline = min(deadline, time.monotonic() + OUTLASTED_WAIT_S)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or (not self._has_index() and self.engine.previewing()):
                if job.done():
                    return job.result()
                raise concurrent.futures.TimeoutError
            try:
                return job.result(timeout=min(left, PREVIEW_POLL_S))
            except concurrent.futures.TimeoutError:
                continue

    def _refreshing_notice(self) -> str:
        """What a call answered while a build or refresh goes on says (or raises, with no
        index to answer from)."""
        if not self._has_index():
            if self.engine.previewing():
                return (
                    f"the index is being built ({self._progress}); keyword matches until it "
                    "is ready"
                )
            raise UsageError(
                f"the index of {self.engine.notes_root} is being built ({self._progress}); "
                "call again shortly"
            ) from None
        return (
            f"the notes changed and the index is being refreshed ({self._progress}); "
            "answered from the last consistent index, which may not have the latest changes"
        )

    def _say_report(self, report: Any, always: bool = True) -> None:
        """A sync's report as `assistant index` says it (unless nothing changed and not
        `always`), and each note it skipped that no earlier report of this server named (not
        again on every refresh while it stays so)."""
        from assistant.output import NewSkips, format_report, skipped_note

        if self._new_skips is None:
            self._new_skips = NewSkips()
        if always or report.changed:
            _say(format_report(report))
        for skipped in self._new_skips(report):
            _say(f"warning: {skipped_note(skipped)}")

    def _follow(self) -> None:
        """Follow the notes as the chat does, once the index is ready (unless `watch` is off):
        a saved change is indexed in the background, so a call rarely finds the index stale
        (the per-call check stays: a call right after an edit still waits for its refresh)."""
        if self.live is not None or not self.engine.settings.watch:
            return
        from assistant.live import LiveNotes

        def refreshed(report: Any, paths: list[str], info: Any) -> None:
            self._say_report(report, always=False)

        self.live = LiveNotes(
            self.engine,
            self._write_lock,
            on_progress=self._on_progress,
            on_refreshed=refreshed,
            on_notice=_say,
            on_stopped=lambda why: _say(f"stopped following the notes: {why}"),
            **self._watch_options,
        )
        self.live.start()

    # ------------------------------------------------------------------ tools
    def search(self, query: str, k: int = 10, paths: Sequence[str] = ()) -> SearchResult:
        from assistant.stages.query import searchable

        text, cleaned = searchable(query, "query", self.engine.settings.max_question_chars)
        _check_k(k, MAX_SEARCH_K)
        if any(not g.strip() for g in paths):
            raise UsageError("paths: empty glob")
        with self._lock:
            notices = [*self._fresh(), *cleaned, *self.engine.path_notices(paths, "paths")]
            hits = self.engine.search(text, k=k, paths=list(paths) or None)
        return SearchResult(
            query=text,
            hits=self.engine.section_hits(hits),
            notices=notices,
        )

    def ask(self, question: str, k: int | None = None, paths: Sequence[str] = ()) -> Answer:
        """`k` None: the `k` setting, as `assistant ask` without -k (so the two agree);
        `paths` as `ask --path`."""
        from assistant.stages.query import searchable

        searchable(question, "question", self.engine.settings.max_question_chars)
        if k is not None:
            _check_k(k, MAX_ASK_K)
        if any(not g.strip() for g in paths):
            raise UsageError("paths: empty glob")
        with self._lock:
            notices = [*self._fresh(), *self.engine.path_notices(paths, "paths")]
            answer = self.engine.ask(question, k=k, paths=list(paths) or None)
        if notices:  # the refresh job's engine and this one may say the same thing
            merged = list(dict.fromkeys([*notices, *answer.notices]))
            answer = answer.model_copy(update={"notices": merged})
        return answer

    def read(self, path: str, start_line: int = 1, end_line: int | None = None) -> NoteLines:
        path = _as_cited(path, self.engine.notes_root)
        cited = _CITED.fullmatch(path)
        # a note named "x:5" is just that; os.path: a name too long to exist does not
        if cited and not os.path.exists(self.engine.notes_root / path):
            if (start_line, end_line) != (1, None):
                raise UsageError(
                    f"{cut(path, 200)!r}: give the lines once, as path:start-end or as "
                    "start_line and end_line, not both"
                )
            path, start_line = cited["path"], int(cited["start"])  # "a.md:5-7", as cited
            end_line = int(cited["end"] or cited["start"])
        if start_line < 1:
            raise UsageError(f"start_line must be at least 1, not {start_line}")
        if end_line is not None and end_line < start_line:
            raise UsageError(f"end_line {end_line} is before start_line {start_line}")
        path = note_path(path)  # "./a.md", "sub/../a.md": "a.md", as the index names it
        with self._lock:
            notices = self._fresh()
            try:
                lines = self.engine.note_lines(path)
            except UsageError as e:  # a note saved a moment ago may be in the next index
                raise UsageError("; ".join([str(e), *notices])) from None
        total = len(lines)
        has = f"{path} has {counted(total, 'line')}"
        if start_line > total:
            raise UsageError(f"{has}; start_line {start_line} is past the end")
        if end_line is not None and end_line > total:  # "the first 500 lines": all there are
            notices = [*notices, f"{has}: read to its end, not to end_line {end_line}"]
            end_line = total
        last = total if end_line is None else end_line
        upto = min(last, start_line + MAX_READ_LINES - 1)
        size = -1  # characters so far, joining newlines included
        for n in range(start_line, upto + 1):
            size += len(lines[n - 1]) + 1
            if size > MAX_READ_CHARS:
                if n == start_line:
                    raise UsageError(
                        f"{path}: line {n} alone holds {len(lines[n - 1]):,} characters, more "
                        f"than the {MAX_READ_CHARS:,} one call returns"
                    )
                upto = n - 1
                break
        return NoteLines(
            path=path,
            start_line=start_line,
            end_line=upto,
            total_lines=total,
            truncated=upto < last,
            text="\n".join(lines[start_line - 1 : upto]),
            notices=notices,
        )

    def status(self) -> Status:
        from datetime import UTC, datetime

        with self._lock:
            building = stale = None
            # The refresh job, or the watch's refresh (both hold the write lock while writing).
            if (self._job is not None and not self._job.done()) or self._write_lock.locked():
                building = self._progress
            info = self.engine.info() if self._has_index() else None
            # A first build's keyword preview answers already: its counts, not zeros.
            counts = info or (self.engine.info() if self.engine.previewing() else None)
            problem = info.problem if info else None
            if info is not None and building is None:
                try:
                    stale = self.engine.stale_reason()
                except UsageError as e:  # the notes folder is gone: say so, still answer
                    problem = "; ".join(p for p in (str(e), problem) if p)
        updated = info.updated_at if info else None
        return Status(
            notes=str(self.engine.notes_root),
            index=str(self.engine.index_dir),
            files=counts.files if counts else 0,
            sections=counts.chunks if counts else 0,
            last_refresh=datetime.fromtimestamp(updated, UTC).isoformat() if updated else None,
            model=info.model_id if info else self.engine.model_id(),
            precision=info.precision if info else None,
            building=building or (None if info else "no index yet: the first call builds it"),
            problem=problem,
            stale=stale,
        )

    def close(self) -> None:
        if self.live is not None:
            self.live.stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.engine.close()


_CITED = re.compile(r"(?P<path>.+?):(?P<start>\d+)(?:-(?P<end>\d+))?")
"""A citation's "path:start-end" (or "path:line"), given to `read` as its path."""

_LABEL = re.compile(r"(?:\[\d+\]\s+)?(?P<path>.+?)(?:\s+›\s.*)?")
"""A citation as the tools print it: "[1] k8s/debug.md:3-6 › Debugging › Pods"."""
_GITHUB_LINES = re.compile(r"(?P<path>.+?)(?:#|:)L(?P<start>\d+)(?:-L?(?P<end>\d+))?")
"""Lines as a code host writes them: "k8s/debug.md#L3-L6" (or ":L3-L6")."""


def _as_cited(given: str, root: Path) -> str:
    """What an agent passes back to `read`, in the one form it parses ("path:start-end" or a
    path relative to the notes folder): the citation label the tools print, with its "[n]"
    and heading path; lines written "#L3-L6"; the `absolute_path` a hit or citation gives,
    inside the notes folder; a name in another Unicode normal form (macOS clients send
    decomposed accents) than the one on disk; a path URL-encoded as the notes' own links
    write it ("Team%20Wiki/Onboarding.md", from a Notion export), when no note is named so.
    Anything else is left as it was, for the checks that name what is wrong with it."""
    import unicodedata
    from urllib.parse import unquote

    if not os.path.isabs(given) and os.path.exists(root / given):  # a note named "[1] x.md"
        return given
    path = _LABEL.fullmatch(given.strip())["path"]  # type: ignore[index]
    if m := _GITHUB_LINES.fullmatch(path):
        path = f"{m['path']}:{m['start']}" + (f"-{m['end']}" if m["end"] else "")
    if os.path.isabs(path):
        for base in dict.fromkeys((str(root), os.path.realpath(root))):
            if path.startswith(base.rstrip("/") + "/"):
                path = path[len(base.rstrip("/")) + 1 :]
                break
    note = (_CITED.fullmatch(path) or {"path": path})["path"]  # type: ignore[index]
    decoded = unquote(note)  # a link as Notion and Confluence exports write it: "Team%20Wiki/"
    for candidate in dict.fromkeys((note, decoded)):
        for form in ("NFC", "NFD"):
            other = unicodedata.normalize(form, candidate)
            if other != note and os.path.exists(root / other):
                return other + path[len(note) :]
    return path


def _say(message: str) -> None:
    print(f"assistant: {message}", file=sys.stderr, flush=True)


def _check_k(k: int, most: int) -> None:
    if not 1 <= k <= most:
        raise UsageError(f"k must be between 1 and {most}, not {k}")
