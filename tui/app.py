"""`assistant` with no subcommand: a Textual chat over the notes.

`run_app(make_engine)` is what the CLI calls; `AssistantApp(engine)` is the app, also used by
tests. Given a function rather than an engine, the app draws its window first and makes the engine
(numpy, FAISS, models: about 0.3 s of imports) in its first worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, SuspendNotSupported
from textual.binding import Binding, BindingType

from assistant import paths
from corpus import BUNDLED_NOTES
from tui.commands import NotesCommands
from tui.editor import NoEditor, editor_command, editor_from_env
from tui.history import QuestionHistory
from tui.screens.chat import ChatScreen, display_path

EXIT_SIGNALS = ("SIGTERM", "SIGHUP")
"""Signals that end the chat the way Ctrl+Q does (then the exit code is 128 + the signal)."""


def notes_label_for(root: Path) -> str:
    root = Path(root)
    try:
        if root == Path(BUNDLED_NOTES).resolve():
            return "bundled notes"
    except OSError:
        pass
    return display_path(root)


class AssistantApp(App[None]):
    """The chat app. `notes_label` overrides how the notes folder is named in the status line."""

    CSS_PATH = "app.tcss"
    TITLE = "notes assistant"
    COMMANDS = App.COMMANDS | {NotesCommands}
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (120, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", tooltip="Show every key (this screen)"),
        Binding("ctrl+q", "quit", "Quit", priority=True, tooltip="Quit"),
    ]

    def __init__(
        self,
        engine: Any,
        *,
        notes_label: str | None = None,
        watch_options: dict[str, Any] | None = None,
    ) -> None:
        """`engine`: an Engine, or a function making one (called once, in a worker thread).
        `watch_options` go to the notes watcher (`index.watch.NotesWatcher`: debounce_ms, ...);
        whether the chat follows the notes at all is the engine's `watch` setting."""
        super().__init__()
        self._engine = None if callable(engine) else engine
        self._make_engine: Callable[[], Any] | None = engine if callable(engine) else None
        self._making = threading.Lock()
        self.engine_lock = threading.Lock()
        self.index_write_lock = threading.Lock()
        """Held while this process writes the index (the start-up build, Ctrl+R, a live
        refresh on its own engine): one at a time; the index's file lock guards processes."""
        self.watch_options = dict(watch_options or {})
        self._label = notes_label
        self.start_error: tuple[str, int] | None = None
        """Set when the engine cannot be made (a bad setting): the app exits with this."""
        self.history = QuestionHistory(paths.history_file())
        self.chat_screen = ChatScreen()
        self.editor_runs: list[list[str]] = []
        self.exit_signal: int | None = None
        """The signal that ended the app (SIGTERM, SIGHUP), if one did."""
        self._signals: list[int] = []

    @property
    def engine(self) -> Any:
        """The engine, made on first use when the app was given a function."""
        with self._making:
            if self._engine is None:
                self._engine = self._make_engine()  # type: ignore[misc]
        return self._engine

    @property
    def engine_ready(self) -> bool:
        return self._engine is not None

    @property
    def notes_label(self) -> str:
        if self._label is None and self._engine is not None:
            self._label = notes_label_for(self._engine.notes_root)
        return self._label or "…"

    def fail_start(self, message: str, code: int) -> None:
        """The engine could not be made because of the user's settings: quit with the error."""
        self.start_error = (message, code)
        self.exit(return_code=code)

    def history_entries(self) -> list[str]:
        return self.history.entries

    def on_mount(self) -> None:
        self._catch_exit_signals()
        self.push_screen(self.chat_screen)

    def on_unmount(self) -> None:
        self.chat_screen.stop_live()  # stop following the notes (the chat screen does too)
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)
        self._signals = []

    def _catch_exit_signals(self) -> None:
        """Quit cleanly on SIGTERM / SIGHUP: their default action kills the process at once,
        leaving the terminal in the alternate screen, raw mode and mouse tracking (`reset`
        needed). Handled in the event loop, they exit as Ctrl+Q does and the driver restores
        the terminal."""
        loop = asyncio.get_running_loop()
        for name in EXIT_SIGNALS:
            sig = getattr(signal, name, None)
            if sig is None:  # Windows has no SIGHUP
                continue
            try:
                loop.add_signal_handler(sig, self._exit_on_signal, sig)
            except (NotImplementedError, RuntimeError, ValueError):  # no Unix loop, not main
                continue
            self._signals.append(sig)

    def _exit_on_signal(self, sig: int) -> None:
        self.exit_signal = sig
        self.exit(return_code=128 + sig)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen())

    def open_in_editor(self, path: str, line: int) -> None:
        """Suspend the app, run $VISUAL/$EDITOR at `line` of `path` (no shell), resume. A
        note deleted since it was cited is not opened: the editor would show an empty file
        and saving it would make a new note where the old one was."""
        if not Path(path).exists():
            self.notify(
                f"{path} no longer exists (deleted or moved since it was indexed).",
                title="Nothing to open",
                severity="warning",
                timeout=10,
            )
            return
        try:
            editor = editor_from_env()
        except NoEditor as e:
            self.notify(
                f"{e}. The section is at {path}:{line}.",
                title="No editor",
                severity="warning",
                timeout=10,
            )
            return
        if shutil.which(editor[0]) is None:
            self.notify(
                f"Editor not found: {editor[0]} (check $VISUAL / $EDITOR). "
                f"The section is at {path}:{line}.",
                title="No editor",
                severity="error",
                timeout=10,
            )
            return
        cmd = editor_command(editor, path, line)
        self.editor_runs.append(cmd)
        error: OSError | None = None
        rc = 0
        try:
            # Textual's suspend() does not resume if its body raises: catch everything inside.
            with self.suspend():
                try:
                    rc = subprocess.run(cmd, check=False).returncode
                except OSError as e:
                    error = e
                except KeyboardInterrupt:
                    rc = 130
        except SuspendNotSupported:  # headless (tests) or a driver that cannot suspend
            try:
                rc = subprocess.run(
                    cmd, check=False, stdin=subprocess.DEVNULL, capture_output=True
                ).returncode
            except OSError as e:
                error = e
        if error is not None:
            self.notify(f"Cannot run the editor: {error}", severity="error", timeout=10)
            return
        if rc != 0:
            self.notify(f"The editor exited with status {rc}.", severity="warning")
        self.refresh()
        self.chat_screen.after_editor()


def on_a_terminal() -> bool:
    """Standard input, output and error are all a terminal. Textual reads keys from stdin and
    draws on stderr: without a terminal the chat drew escape codes into a file and waited for
    keys forever (`assistant </dev/null >out 2>err` hung). stdout too: a redirected chat is a
    script that wanted `assistant ask`."""
    streams = (sys.__stdin__, sys.__stdout__, sys.__stderr__)
    return all(s is not None and s.isatty() for s in streams)


def run_app(make_engine: Callable[[], Any]) -> int:
    """Run the chat until the user quits; returns the exit code. Refused (UsageError, exit 2)
    before anything is drawn when it has no terminal."""
    from assistant.settings import warnings_given

    if not on_a_terminal():
        from assistant.errors import UsageError

        raise UsageError("the chat needs a terminal (use `assistant ask` for one answer)")
    warned = len(warnings_given())
    app = AssistantApp(make_engine)
    app.run()
    live = app.chat_screen.live
    if live is not None:
        live.stop.set()
        live.done.wait(0.5)  # an idle watch ends within 0.1 s; a refresh is not waited for
    if app.start_error is not None:
        message, code = app.start_error
        # The chat never showed them, and the window hid them when they were printed.
        for w in warnings_given()[warned:]:
            print(f"assistant: warning: {w}", file=sys.stderr)
        print(f"assistant: error: {message}", file=sys.stderr)
        return code
    if app.engine_lock.locked() or app.index_write_lock.locked():
        # A worker is still loading the model or indexing. Index updates are crash-safe (the old
        # or the new index survives), so quitting must not wait for them to finish.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(app.return_code or 0)
    if app.engine_ready:
        with contextlib.suppress(Exception):
            app.engine.close()
    return app.return_code or 0
