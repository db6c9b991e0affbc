"""The chat screen: it owns the conversation state and the workers, and acts on widget messages."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input
from textual.worker import get_current_worker

from assistant.errors import EngineError, UsageError
from assistant.output import counted
from tui.render import answer_plain
from tui.widgets.conversation import AnswerView, Conversation, ExampleQuestions
from tui.widgets.question_input import QuestionInput, one_line
from tui.widgets.sources import SourcesPanel
from tui.widgets.status import StatusLine
from tui.widgets.thinking import Thinking

if TYPE_CHECKING:  # the engine's modules load in the first worker, after the window is drawn
    from assistant.live import LiveNotes
    from assistant.models import Answer, Citation
    from assistant.stages.query import Turn
    from index.models import IndexInfo, SyncReport

N_EXAMPLES = 4
LIVE_STATUS_S = 4.0
BURST_GAP = 0.06
"""Seconds a bound key pressed outside the input (`e`, `?`) waits for a key of the same
burst: tmux or a paste delivers a question's keys within milliseconds ("exercises on november
10" opened the editor on its `e`), a person's next key comes later."""
"""How long the status line says what a live refresh did ("notes.md refreshed")."""
T = TypeVar("T")

STAGE_NAMES = {
    "read": "reading notes",
    "keywords": "keyword search ready",
    "embed": "embedding",
    "lines": "embedding lines of sections",
    "model": "loading the model",
    "refresh": "refreshing the index",
}
"""What the status line calls each stage of an index build (`index.sync`, `Engine.refresh`)."""


def live_label(stage: str, done: int, total: int) -> str:
    """The status line during a background refresh: the stage it is in now. A refresh may
    not come from an edit (the one after start-up makes the line vectors), so it never says
    "notes changed"; a count is shown only with its stage, never left from the one before."""
    name = STAGE_NAMES.get(stage, stage)
    if total:
        return f"refreshing: {name} {done}/{total}"
    if stage in ("refresh", "model"):
        return f"{name}…"
    return f"refreshing: {name}…"


# Messages posted from worker threads (post_message is thread-safe).
class IndexProgress(Message):
    def __init__(self, stage: str, done: int, total: int, by_question: bool = False) -> None:
        super().__init__()
        self.stage, self.done, self.total = stage, done, total
        self.by_question = by_question
        """A refresh before a question (ended by its answer, not by IndexReady)."""


class IndexReady(Message):
    def __init__(
        self,
        info: IndexInfo,
        examples: list[str],
        summary: str | None,
        no_notes: str | None = None,
    ) -> None:
        super().__init__()
        self.info, self.examples, self.summary = info, examples, summary
        self.no_notes = no_notes
        """What to tell a user whose folder holds no notes (`Engine.no_notes`), else None."""


class SettingsWarnings(Message):
    def __init__(self, warnings: list[str]) -> None:
        super().__init__()
        self.warnings = warnings


class IndexFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class AnswerReady(Message):
    def __init__(self, req: int, answer: Answer, info: IndexInfo | None) -> None:
        super().__init__()
        self.req, self.answer, self.info = req, answer, info


class AskFailed(Message):
    def __init__(self, req: int, error: str) -> None:
        super().__init__()
        self.req, self.error = req, error


class Freshness(Message):
    def __init__(self, reason: str | None) -> None:
        super().__init__()
        self.reason = reason


class LiveProgress(Message):
    def __init__(self, stage: str, done: int, total: int) -> None:
        super().__init__()
        self.stage, self.done, self.total = stage, done, total


class LiveRefreshed(Message):
    def __init__(self, report: SyncReport, paths: list[str], info: IndexInfo | None) -> None:
        super().__init__()
        self.report, self.paths, self.info = report, paths, info


class LiveNotice(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class LiveStopped(Message):
    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class Abandoned(Exception):
    """The worker was cancelled (Esc, a newer question, or quitting) before the engine finished."""


def run_detached(lock: threading.Lock, fn: Callable[[], T]) -> T:
    """Call `fn()` holding `lock` in a daemon thread, from inside a thread worker.

    Thread workers run in asyncio's default executor, which the app waits for on exit; a model
    load or index build can take a minute. Running the engine call in a daemon thread lets a
    cancelled worker return at once (raising `Abandoned`) while the call finishes on its own.
    """
    worker = get_current_worker()
    box: dict[str, object] = {}
    done = threading.Event()

    def target() -> None:
        try:
            with lock:
                box["value"] = fn()
        except BaseException as e:
            box["error"] = e
        finally:
            done.set()

    threading.Thread(target=target, name=f"engine-{worker.name}", daemon=True).start()
    while not done.wait(0.05):
        if worker.is_cancelled:
            raise Abandoned
    if worker.is_cancelled:
        raise Abandoned
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def short_model(model_id: str | None) -> str | None:
    """`all-MiniLM-L6-v2-0123456789ab` -> `all-MiniLM-L6-v2` (the hash is for the manifest)."""
    if not model_id:
        return None
    return re.sub(r"[-@][0-9a-f]{12}$", "", model_id)


class ChatScreen(Screen):
    """Conversation + sources + status; questions go to the engine in a thread worker."""

    AUTO_FOCUS = "#question"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Cancel the question in flight"),
        Binding(
            "ctrl+n",
            "new_conversation",
            "New",
            priority=True,  # before the keys typed after it: they were cleared away with it
            tooltip="Start a new conversation",
        ),
        Binding(
            "ctrl+y",
            "copy_answer",
            "Copy",
            tooltip="Copy the last answer and its citations to the clipboard",
        ),
        Binding(
            "ctrl+o",
            "open_editor",
            "Editor",
            tooltip="Open the highlighted citation in $VISUAL / $EDITOR at its line",
        ),
        Binding("ctrl+t", "toggle_sources", "Sources", tooltip="Show or hide the sources panel"),
        Binding(
            "f2",
            "explain",
            "Why",
            show=False,
            tooltip="Why this answer: candidates, ranks, the deciding rule, each quote's rules",
        ),
        Binding("ctrl+r", "reindex", "Re-index notes", show=False),
        Binding(
            "question_mark", "help", "Help", show=False, tooltip="Show every key (this screen)"
        ),
        Binding(
            "pageup",
            "scroll_chat(-1)",
            "Scroll up",
            show=False,
            tooltip="Scroll the conversation up",
        ),
        Binding(
            "pagedown",
            "scroll_chat(1)",
            "Scroll down",
            show=False,
            tooltip="Scroll the conversation down",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.turns: list[Turn] = []
        self.last_answer: Answer | None = None
        self.ready = False
        self.indexing = False
        self.keywords_ready = False
        """A first build has written its keyword preview: questions get keyword matches."""
        self._keyword_engine: Any = None
        self._keyword_lock = threading.Lock()
        self._keyword_answers = 0
        self.pending: tuple[int, str] | None = None
        self.typing_away = False
        """A key typed elsewhere went to the question, and the focus has not reached it yet:
        the keys queued behind it follow it (`on_key`)."""
        self.held_key: events.Key | None = None
        """A bound key (`e`, `?`) pressed outside the input, held for `BURST_GAP`: the first
        key of a burst of typing goes to the question with the rest (`on_key`)."""
        self.index_error: str | None = None
        """Why the last preparation of the index failed (None once it succeeds): a question
        is told so at once, not left waiting for an index that is not coming."""
        self.in_flight: int | None = None
        self._req = 0
        self._exported = False
        self._info: IndexInfo | None = None
        self._state = ("starting", "busy")
        self.seen_notices: set[str] = set()
        self.examples: list[str] = []
        self.no_notes: str | None = None
        """Said in an empty chat instead of examples while the folder holds no notes."""
        self.live: LiveNotes | None = None
        """Following the notes (started once the index is first ready; None: not started)."""
        self._live_status: str | None = None
        self._skips_said: set[tuple[str, str]] = set()

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield StatusLine(id="status")
        with Horizontal(id="main"):
            with Vertical(id="chat-pane"):
                yield Conversation(id="conversation")
                yield Thinking(id="thinking")
                yield QuestionInput(
                    self.app.history_entries,  # type: ignore[attr-defined]
                    id="question",
                    placeholder="Ask about your notes…  (↑ earlier questions, F1 help)",
                )
            yield SourcesPanel(id="sources")
        yield Footer()

    @property
    def engine(self):
        return self.app.engine  # type: ignore[attr-defined]

    @property
    def conversation(self) -> Conversation:
        return self.query_one(Conversation)

    @property
    def sources(self) -> SourcesPanel:
        return self.query_one(SourcesPanel)

    @property
    def thinking(self) -> Thinking:
        return self.query_one(Thinking)

    @property
    def question_input(self) -> QuestionInput:
        return self.query_one(QuestionInput)

    def on_mount(self) -> None:
        self.conversation.show_placeholder("Getting your notes ready… you can type a question now.")
        self.set_state("checking the index…", "busy")  # a model loads only if needed: said then
        self.call_after_refresh(self.prepare)  # the first frame before any engine work

    # ------------------------------------------------------------------ status
    def set_state(self, state: str, kind: str) -> None:
        self._state = (state, kind)
        info = self._info
        self.query_one(StatusLine).show(
            state=state,
            kind=kind,
            notes=self.app.notes_label,  # type: ignore[attr-defined]
            files=info.files if info else None,
            chunks=info.chunks if info else None,
            model=short_model(info.model_id if info and info.model_id else self._model_id()),
        )

    def _model_id(self) -> str | None:
        if not self.app.engine_ready:  # type: ignore[attr-defined]
            return None  # shown once the engine is made
        try:
            return self.engine.model_id()
        except Exception:
            return None

    @property
    def state_text(self) -> str:
        return self._state[0]

    # ------------------------------------------------------------------ workers
    def _progress(self, stage: str, done: int, total: int) -> None:
        self.post_message(IndexProgress(stage, done, total))

    def _question_progress(self, stage: str, done: int, total: int) -> None:
        self.post_message(IndexProgress(stage, done, total, by_question=True))

    @work(thread=True, exclusive=True, group="index", name="prepare-index")
    def prepare(self, force: bool = False) -> None:
        """Make the engine, build or refresh the index, then warm up the query model."""
        app = self.app

        def build():
            try:
                engine = self.engine
            except Exception as e:
                from assistant.errors import user_error

                known = user_error(e)  # a bad setting: say so where the command was typed
                if known is None:
                    raise
                app.call_from_thread(app.fail_start, *known)  # type: ignore[attr-defined]
                raise Abandoned from e
            if warnings := list(getattr(getattr(engine, "settings", None), "warnings", ())):
                # Printed to standard error too, which the full-screen window hides.
                self.post_message(SettingsWarnings(warnings))
            # The query-model export (about 10 s, once per model) waits for the first answer.
            with app.index_write_lock:  # type: ignore[attr-defined]  (after a live refresh)
                if force:
                    report = engine.refresh(
                        progress=self._progress, wait=True, export=False, verify=True
                    )
                else:  # following the notes, the line vectors come after: answers sooner
                    lines = not self._will_follow()
                    report = engine.ensure_ready(progress=self._progress, export=False, lines=lines)
            info = engine.info()
            examples = engine.example_questions(N_EXAMPLES)
            no_notes = engine.no_notes() if not info.files else None
            self.post_message(IndexProgress("loading the query model", 0, 0))
            try:
                engine.embed_query("warm up")  # loads the query model before the first question
            except Exception as e:  # answered later with a clear error if it really fails
                engine.notices.append(f"query model: {e}")

            return report, info, examples, no_notes

        try:
            report, info, examples, no_notes = run_detached(self.app.engine_lock, build)  # type: ignore[attr-defined]
        except Abandoned:
            return
        except Exception as e:
            self.post_message(IndexFailed(str(e)))
            return
        summary = None
        if report is not None:
            summary = (
                f"indexed {report.added} new, {report.updated} changed, {report.removed} removed "
                f"files ({counted(report.chunks_embedded, 'chunk')} embedded)"
            )
        self.post_message(IndexReady(info, examples, summary, no_notes))

    @work(thread=True, exclusive=True, group="ask", name="ask")
    def ask_worker(
        self, req: int, question: str, turns: list[Turn], keywords: bool = False
    ) -> None:
        """Answer on a thread; `keywords`: from the first build's keyword preview, on an engine
        of its own (the building one is busy for minutes)."""
        engine = self.engine
        write_lock = self.app.index_write_lock  # type: ignore[attr-defined]
        lock = self.app.engine_lock  # type: ignore[attr-defined]
        if keywords:
            if self._keyword_engine is None:
                self._keyword_engine = engine.twin()
            engine, lock = self._keyword_engine, self._keyword_lock

        def answer_it():
            report = None
            if keywords:
                return engine.ask(question, history=turns, explain=True), None
            # Following the notes, the index is refreshed in the background: answer at once
            # from the last committed index. Otherwise refresh first if notes were edited.
            if not self.live_active and write_lock.acquire(blocking=False):
                try:
                    report = engine.ensure_ready(progress=self._question_progress, export=False)
                finally:
                    write_lock.release()
            answer = engine.ask(question, history=turns, explain=True)
            return answer, (engine.info() if report is not None else None)

        try:
            answer, info = run_detached(lock, answer_it)
        except Abandoned:
            return  # Esc or a newer question: the result is discarded
        except (UsageError, EngineError) as e:
            self.post_message(AskFailed(req, str(e)))
            return
        except Exception as e:
            self.post_message(AskFailed(req, f"{type(e).__name__}: {e}"))
            return
        self.post_message(AnswerReady(req, answer, info))
        if not self._exported and not keywords:
            # After the first answer, so it never delays one: makes the next cold start fast.
            self._exported = True
            with contextlib.suppress(Exception):
                engine.export_query_model()

    @property
    def live_active(self) -> bool:
        """The notes are being followed (a refresh after each save)."""
        return self.live is not None and self.live.active

    def start_live(self) -> None:
        """Follow the notes from now on, unless the `watch` setting is off (or the notes are
        followed already). After the index is ready: at start, and after a Ctrl+R, which so
        starts again a watch that ended on an error."""
        live = self.live
        if live is not None and (live.active or live.stop.is_set()):
            return
        if not self.app.engine_ready:  # type: ignore[attr-defined]
            return
        engine = self.engine
        if not self._will_follow():
            return
        from assistant.live import LiveNotes

        self.live = LiveNotes(
            engine,
            self.app.index_write_lock,  # type: ignore[attr-defined]
            on_progress=lambda stage, done, total: self.post_message(
                LiveProgress(stage, done, total)
            ),
            on_refreshed=lambda report, paths, info: self.post_message(
                LiveRefreshed(report, paths, info)
            ),
            on_notice=lambda text: self.post_message(LiveNotice(text)),
            on_stopped=lambda reason: self.post_message(LiveStopped(reason)),
            **getattr(self.app, "watch_options", {}),
        )
        # A daemon thread of its own, not a worker: it lasts as long as the screen (workers are
        # tasks that finish), and quitting never waits for a refresh in progress.
        self.live.start()

    def _will_follow(self) -> bool:
        """The chat follows its notes once ready (`watch` setting; an engine with a twin)."""
        engine = self.engine
        settings = getattr(engine, "settings", None)
        return bool(getattr(settings, "watch", False)) and hasattr(engine, "twin")

    def stop_live(self) -> None:
        if self.live is not None:
            self.live.stop.set()

    def on_unmount(self) -> None:
        self.stop_live()

    @work(thread=True, exclusive=True, group="fresh", name="check-freshness")
    def check_freshness(self) -> None:
        try:
            reason = run_detached(self.app.engine_lock, self.engine.stale_reason)  # type: ignore[attr-defined]
        except Abandoned:
            return
        except Exception as e:
            reason = str(e)
        self.post_message(Freshness(reason))

    # ------------------------------------------------------------------ worker results
    @on(IndexProgress)
    def _on_progress(self, m: IndexProgress) -> None:
        if m.total and not m.by_question:
            self.indexing = True
        if m.stage == "keywords" and not m.by_question and not self.ready:
            self.keywords_ready = True
            if self.pending is not None:  # asked while the notes were read: answer it now
                req, question = self.pending
                self.pending = None
                self.start_ask(req, question)
        label = STAGE_NAMES.get(m.stage, m.stage)
        if m.stage == "model":
            label += "…"
        if m.total:
            label = f"indexing: {label} {m.done}/{m.total}"
        if self.keywords_ready and not self.ready:
            label += " · keyword answers meanwhile"
        self.set_state(label, "busy")
        if self.pending is not None:
            self.thinking.start(f"Waiting for the index ({label})…")

    @on(IndexReady)
    def _on_ready(self, m: IndexReady) -> None:
        self.ready = True
        self.index_error = None
        self.indexing = False
        self.keywords_ready = False
        self._keyword_engine = None  # its connection closes with it
        if self._keyword_answers:
            self.conversation.add_note(
                "The index is ready: answers now weigh meaning, not only keywords. "
                "Ask again for a full answer."
            )
        self._info = m.info
        self.set_state("index fresh", "fresh")
        self.recheck_sources()  # after Ctrl+R: the notes may have come back
        if m.summary and self.conversation.is_empty is False:
            self.notify(m.summary, title="Index updated")
        self.examples = m.examples
        self.no_notes = m.no_notes
        if self.conversation.is_empty and self.pending is None:
            self.show_start()
        if self.pending is not None:
            req, question = self.pending
            self.pending = None
            self.start_ask(req, question)
        self.start_live()

    def show_start(self) -> None:
        """What an empty chat offers: example questions, or why there are none (no notes)."""
        if self.no_notes:
            self.conversation.hide_examples()
            self.conversation.show_placeholder(self.no_notes[0].upper() + self.no_notes[1:] + ".")
        else:
            self.conversation.show_examples(self.examples)

    @on(SettingsWarnings)
    def _on_settings_warnings(self, m: SettingsWarnings) -> None:
        """Say in the chat what standard error said while the window hid it (each once)."""
        for w in m.warnings:
            if w not in self.seen_notices:
                self.seen_notices.add(w)
                self.conversation.add_note(f"Settings: {w} (ignored)", "warning")

    @on(IndexFailed)
    def _on_index_failed(self, m: IndexFailed) -> None:
        self.indexing = False
        self.index_error = m.error
        self.set_state("index error", "error")
        self.conversation.hide_examples()
        self.conversation.add_note(f"Cannot prepare the index: {m.error}", "error")
        self.notify(m.error, title="Index error", severity="error", timeout=10)
        if self.pending is not None:
            self.pending = None
            self.thinking.stop()

    @on(AnswerReady)
    def _on_answer(self, m: AnswerReady) -> None:
        if m.req != self.in_flight:
            return  # cancelled or superseded: discard
        self.in_flight = None
        self.thinking.stop()
        self.refresh_bindings()
        if m.info is not None:
            self._info = m.info
        a = m.answer
        if a.outcome == "keyword_matches":
            self._keyword_answers += 1
        elif not self.live_active:  # the question refreshed the index first (ensure_ready)
            self.set_state("index fresh", "fresh")
        fresh_notices = [n for n in a.notices if n not in self.seen_notices]
        self.seen_notices.update(a.notices)
        if self.live_active and self.live.behind and a.outcome != "keyword_matches":  # type: ignore[union-attr]
            # Answered from the last committed index while saved changes are being indexed:
            # a decline may only mean the new text is not searchable yet, and quotes may be
            # of the text as it was (an answer was given unmarked while the model loaded).
            fresh_notices.append(
                f"saved changes are still being indexed ({self.state_text}): this answer is "
                "from the index before them; ask again once it is fresh"
            )
        self.conversation.add_answer(a, fresh_notices)
        from assistant.stages.query import Turn

        cited = [(c.path, tuple(c.heading_path)) for c in a.citations]
        self.turns.append(Turn(question=a.question, searched_query=a.searched_query, cited=cited))
        self.last_answer = a
        self.sources.show_citations(a.citations, "not in your notes" if a.abstained else "")
        if a.citations:
            self._preview(a.citations[0])

    @on(AskFailed)
    def _on_ask_failed(self, m: AskFailed) -> None:
        if m.req != self.in_flight:
            return
        self.in_flight = None
        self.thinking.stop()
        self.refresh_bindings()
        self.conversation.add_note(f"Could not answer: {m.error}", "error")

    @on(Freshness)
    def _on_freshness(self, m: Freshness) -> None:
        if self.indexing or not self.ready:
            return
        if m.reason:
            self.set_state(f"index stale: {m.reason}", "stale")
        else:
            self.set_state("index fresh", "fresh")

    # ------------------------------------------------------------------ live refresh
    @on(LiveProgress)
    def _on_live_progress(self, m: LiveProgress) -> None:
        if self.indexing or not self.ready:
            return
        self._live_status = None
        label = live_label(m.stage, m.done, m.total)
        self.set_state(label, "busy")

    @on(LiveRefreshed)
    def _on_live_refreshed(self, m: LiveRefreshed) -> None:
        from assistant.live import refresh_summary

        if m.info is not None:
            self._info = m.info
            if self.no_notes and m.info.files:  # the first notes arrived in the folder
                self.no_notes = None
                if self.conversation.is_empty and self.in_flight is None and self.ready:
                    self.show_start()
        self.recheck_sources(m.paths or None)
        for s in m.report.skipped:  # each refresh lists them all: say each once
            if (s.path, s.reason) not in self._skips_said:
                self._skips_said.add((s.path, s.reason))
                self.notify(
                    f"Skipped {s.path}: {s.reason}", title="Not indexed", severity="warning"
                )
        if self.indexing or not self.ready:
            return
        summary = refresh_summary(m.report, m.paths, self.engine.notes_root)
        if summary is None:
            if self._live_status is None:
                self.set_state("index fresh", "fresh")
            return
        self._live_status = summary
        self.set_state(summary, "fresh")
        self.set_timer(LIVE_STATUS_S, lambda: self._live_status_over(summary))

    def _live_status_over(self, summary: str) -> None:
        if self._live_status == summary and self.state_text == summary:
            self._live_status = None
            self.set_state("index fresh", "fresh")

    @on(LiveNotice)
    def _on_live_notice(self, m: LiveNotice) -> None:
        text = m.text
        if text.startswith("error: "):
            text = text.removeprefix("error: ")
            self.notify(text, title="Live refresh", severity="error", timeout=10)
            self.recheck_sources()  # the notes folder gone: its citations are marked deleted
            if not self.indexing:
                self._live_status = None
                self.set_state(f"index stale: {text}", "stale")
        elif text.startswith("another index run"):
            if not self.indexing:
                self._live_status = None
                self.set_state("waiting for another index run…", "busy")
        else:
            self.notify(text, title="Live refresh", severity="warning", timeout=10)

    @on(LiveStopped)
    def _on_live_stopped(self, m: LiveStopped) -> None:
        self.notify(
            f"Stopped following the notes: {m.reason}. "
            "Each question refreshes the index first; Ctrl+R re-indexes and follows them again.",
            title="Live refresh",
            severity="warning",
            timeout=10,
        )
        if self.ready and not self.indexing:
            self.check_freshness()

    def recheck_sources(self, paths: list[str] | None = None) -> None:
        """Mark the shown citations whose file no longer holds their quote (the list) and show
        the highlighted one as its file is now (the preview); `paths`: only citations of these
        notes; None: all), and the labels under every answer shown (`AnswerView.recheck`)."""
        for view in self.query(AnswerView):
            view.recheck(paths)
        if self.sources.recheck(paths):
            current = self.sources.citation_list.current
            if current is not None:
                self._preview(current)

    # ------------------------------------------------------------------ asking
    @on(Input.Submitted, "#question")
    def _on_submit(self, event: Input.Submitted) -> None:
        event.stop()
        question = event.value.strip()  # the input has emptied itself already (in key order)
        if question:
            self.submit(question)

    @on(ExampleQuestions.Picked)
    def _on_example(self, event: ExampleQuestions.Picked) -> None:
        event.stop()
        self.submit(event.question)
        self.question_input.focus()

    @on(QuestionInput.DownAtEnd)
    def _on_down(self, event: QuestionInput.DownAtEnd) -> None:
        examples = self.query(ExampleQuestions)
        if examples:
            examples.first().focus()

    @on(QuestionInput.TabOut)
    def _on_tab(self, event: QuestionInput.TabOut) -> None:
        """Tab goes to the example questions, as the hint above them says; they come before
        the input in the focus order, so plain focus-next would reach them last."""
        examples = self.query(ExampleQuestions)
        if examples:
            examples.first().focus()
        else:
            self.focus_next()

    def submit(self, question: str) -> None:
        """Ask a question now, or queue it until the index is ready."""
        self.app.history.add(question)  # type: ignore[attr-defined]
        self._cancel_current("Cancelled: replaced by the next question.")  # not answered yet
        self._req += 1
        req = self._req
        self.conversation.add_question(question)
        if not self.ready and not self.keywords_ready:
            if self.index_error and not self.indexing:  # no index is coming: say why now
                self.conversation.add_note(
                    f"Could not answer: the index could not be prepared ({self.index_error}). "
                    "Fix that, then press Ctrl+R to try again.",
                    "error",
                )
                return
            self.pending = (req, question)
            self.thinking.start("Waiting for the index to be ready…")
            self.refresh_bindings()
            return
        self.start_ask(req, question)

    def start_ask(self, req: int, question: str) -> None:
        self.in_flight = req
        keywords = not self.ready  # a first build's keyword preview until the index is ready
        self.thinking.start(
            "Searching your notes by keywords…" if keywords else "Searching your notes…"
        )
        self.refresh_bindings()
        self.ask_worker(req, question, list(self.turns), keywords)

    def _discard_current(self) -> None:
        self.in_flight = None
        self.pending = None
        self.workers.cancel_group(self, "ask")
        self.thinking.stop()
        self.refresh_bindings()

    # ------------------------------------------------------------------ sources
    def _section(self, c: Citation):
        try:
            return self.engine.section(c.path, c.start_line)
        except Exception:
            return None

    def _preview(self, c: Citation) -> None:
        self.sources.preview(c, self._section(c))

    @on(SourcesPanel.Highlighted)
    def _on_cite_highlighted(self, event: SourcesPanel.Highlighted) -> None:
        self._preview(event.citation)

    @on(SourcesPanel.Selected)
    def _on_cite_selected(self, event: SourcesPanel.Selected) -> None:
        from tui.screens.section import SectionScreen

        self.app.push_screen(SectionScreen(event.citation, self._section(event.citation)))

    def on_citation_list_edit_requested(self, event) -> None:
        event.stop()
        self.open_citation(event.citation)

    def open_citation(self, c: Citation) -> None:
        self.app.open_in_editor(c.absolute_path, c.start_line)  # type: ignore[attr-defined]

    def on_key(self, event: events.Key) -> None:
        """Typing goes to the question wherever the focus is: a printable key no binding took
        (the sources list's `e`, `?` for help) moves to the input with its character, as in
        any chat, instead of being lost on the sources list or an example. The keys of the
        same burst (a fast typist, a terminal over SSH) reach here before the focus does:
        they follow the first, bound keys, spaces and Enter too (`typing_away`); a bound key
        first waits `BURST_GAP` for such keys (`held_key`)."""
        if isinstance(self.focused, Input) or not event.character:
            return
        held, self.held_key = self.held_key, None
        burst = self.typing_away or held is not None
        if not (event.is_printable or (burst and event.key == "enter")):
            if held is not None:
                self._run_binding(held)  # a key of another kind after it: the binding's
            return
        if not burst and event.character.isspace():
            return  # space selects in lists
        if not burst and event.key in self.app.active_bindings:
            event.stop()  # `e`, `?`: their bindings, unless typing follows at once
            event.prevent_default()
            self.held_key = event
            self.set_timer(BURST_GAP, lambda: self._release_held(event))
            return
        event.stop()
        event.prevent_default()
        line = self.question_input
        if held is not None:
            self.typing_away = True
            line.type_at_end(held.character or "")
        if event.key == "enter":  # after the keys before it, queued the same way
            self.app.call_later(line.call_later, line.submit_now)
            return
        self.typing_away = True
        line.type_at_end(event.character)

    def _release_held(self, key: events.Key) -> None:
        """No typing followed the held key within `BURST_GAP`: its binding runs."""
        if self.held_key is key:
            self.held_key = None
            self._run_binding(key)

    def _run_binding(self, key: events.Key) -> None:
        active = self.app.active_bindings.get(key.key)
        if active is not None and active.enabled:
            self.call_later(active.node.run_action, active.binding.action)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if event.widget is self.question_input:
            self.typing_away = False

    def on_paste(self, event: events.Paste) -> None:
        """A paste goes to the question wherever the focus is, as typing does (`on_key`): pasted
        on the sources list, it was lost without a word. Its lines are joined as the question
        line joins them (`one_line`)."""
        if isinstance(self.focused, Input):
            return
        text = one_line(event.text)
        event.stop()
        event.prevent_default()
        if text:
            self.question_input.type_at_end(text)

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.in_flight is not None or self.pending is not None
        if action == "help":
            return not isinstance(self.focused, Input)
        return True

    def action_cancel(self) -> None:
        self._cancel_current()

    def _cancel_current(self, said: str = "Cancelled.") -> None:
        """Drop the question in flight or waiting, if any, and say so under it (Esc, or a
        newer question replacing it): no question is left with nothing under it."""
        if self.in_flight is None and self.pending is None:
            return
        self._discard_current()
        self.conversation.add_note(said, "cancelled")
        self.refresh_bindings()

    def action_new_conversation(self) -> None:
        self._discard_current()
        self.turns = []
        self.last_answer = None
        self.conversation.clear()
        self.sources.show_citations([])
        if self.ready:
            self.show_start()
        else:
            self.conversation.show_placeholder(
                "Getting your notes ready… you can type a question now."
            )
        self.question_input.focus()
        self.notify("New conversation.", timeout=2)

    def action_copy_answer(self) -> None:
        if self.last_answer is None:
            self.notify("No answer to copy yet.", severity="warning")
            return
        self.app.copy_to_clipboard(answer_plain(self.last_answer))
        self.notify("Copied the last answer and its citations.", timeout=3)

    def action_open_editor(self) -> None:
        c = self.sources.citation_list.current
        if c is None:
            a = self.last_answer
            if a is None:
                message = "No citation to open: ask a question first."
            elif a.abstained:
                message = "This answer has no citations (not in your notes)."
            else:
                message = "This answer has no citations."
            self.notify(message, severity="warning")
            return
        self.open_citation(c)

    def action_explain(self) -> None:
        if self.last_answer is None or self.last_answer.explain is None:
            self.notify("No answer to explain yet.", severity="warning")
            return
        from assistant.output import format_explain
        from tui.screens.explain import ExplainScreen

        self.app.push_screen(ExplainScreen(format_explain(self.last_answer.explain, title=False)))

    def action_toggle_sources(self) -> None:
        """Show or hide the sources. The conversation's window changes size with it: one
        read at its end stays at its end (else the newest lines would end up hidden)."""
        panel = self.sources
        conversation = self.conversation
        at_end = conversation.is_vertical_scroll_end
        panel.display = not panel.display
        if not panel.display:
            self.question_input.focus()
        if at_end:
            self.call_after_refresh(conversation.scroll_end, animate=False)

    def action_reindex(self) -> None:
        if self.indexing:
            self.notify("Already indexing.", severity="warning")
            return
        self.indexing = True
        self.set_state("re-indexing…", "busy")
        self.prepare(force=True)

    def action_index_info(self) -> None:
        from tui.screens.info import InfoScreen

        lock = self.app.engine_lock  # type: ignore[attr-defined]
        if not lock.acquire(blocking=False):
            self.notify("The index is busy (indexing or answering); try again in a moment.")
            return
        try:
            info = self.engine.info()
        except Exception as e:
            self.notify(str(e), severity="error")
            return
        finally:
            lock.release()
        self.app.push_screen(InfoScreen(info, str(self.engine.notes_root), self.state_text))

    def action_clear_history(self) -> None:
        self.app.history.clear()  # type: ignore[attr-defined]
        self.question_input.reset_history()
        self.notify("Question history cleared.", timeout=3)

    def action_help(self) -> None:
        self.app.action_help()  # type: ignore[attr-defined]

    def action_scroll_chat(self, direction: int) -> None:
        if direction < 0:
            self.conversation.scroll_page_up()
        else:
            self.conversation.scroll_page_down()

    def after_editor(self) -> None:
        self.recheck_sources()
        if self.ready and not self.indexing and not self.live_active:
            self.check_freshness()  # following the notes, the refresh is on its way


def display_path(path: Path) -> str:
    home = Path.home()
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)
