"""Why the last answer: the `ask --explain` trace of the current answer, in a dialog."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class ExplainScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, trace_text: str) -> None:
        super().__init__()
        self.trace_text = trace_text

    def compose(self) -> ComposeResult:
        with Vertical(id="explain-dialog", classes="dialog"):
            # Titled as the help is; the trace scrolls below.
            title = Text("Why this answer  (Esc to close)", style="bold")
            yield Static(title, classes="dialog-title")
            with VerticalScroll():
                yield Static(Text(self.trace_text), id="explain-text")

    def action_close(self) -> None:
        self.dismiss(None)
