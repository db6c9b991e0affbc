"""`assistant` with no subcommand: a Textual chat over the notes.

`run_app(engine)` is what the CLI calls; `AssistantApp(engine)` is the app, also used by tests.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import ClassVar

from textual.app import App, SuspendNotSupported
from textual.binding import Binding, BindingType

from assistant import paths
from corpus import BUNDLED_NOTES
from tui.commands import NotesCommands
from tui.editor import NoEditor, editor_command, editor_from_env
from tui.history import QuestionHistory
from tui.screens.chat import ChatScreen, display_path


def notes_label_for(engine) -> str:
    root = Path(engine.notes_root)
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

    def __init__(self, engine, *, notes_label: str | None = None) -> None:
        super().__init__()
        self.engine = engine
        self.engine_lock = threading.Lock()
        self.notes_label = notes_label or notes_label_for(engine)
        self.history = QuestionHistory(paths.history_file())
        self.chat_screen = ChatScreen()
        self.editor_runs: list[list[str]] = []

    def history_entries(self) -> list[str]:
        return self.history.entries

    def on_mount(self) -> None:
        self.push_screen(self.chat_screen)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen())

    def open_in_editor(self, path: str, line: int) -> None:
        """Suspend the app, run $VISUAL/$EDITOR at `line` of `path` (no shell), resume."""
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


def run_app(engine) -> None:
    app = AssistantApp(engine)
    app.run()
    if app.engine_lock.locked():
        # A worker is still loading the model or indexing. Index updates are crash-safe (the old
        # or the new index survives), so quitting must not wait for them to finish.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(app.return_code or 0)
    with contextlib.suppress(Exception):
        engine.close()
