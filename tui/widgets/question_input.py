"""The question line: Enter asks, Up/Down walk through earlier questions."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

SUBMIT_KEYS = frozenset({"enter", "ctrl+j"})


def one_line(pasted: str) -> str:
    """Pasted text as one question line: its lines and runs of spaces joined by single spaces."""
    return " ".join(pasted.split())


class QuestionInput(Input):
    """An Input with question history. Posts `Input.Submitted` (Enter) and `DownAtEnd`.

    Enter submits and empties the line here, in the order the keys arrive: the value the
    message carries is exactly what was typed before that Enter, and the keys typed after it
    start the next question (see `_on_key`).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "up",
            "history_prev",
            "Previous question",
            show=False,
            tooltip="Recall an earlier question (kept across sessions)",
        ),
        Binding("down", "history_next", "Next question", show=False),
        # No description: the help lists Tab once, as moving between input, examples, sources.
        Binding("tab", "tab_out", "", show=False),
        # Enter typed before the terminal switched to raw mode arrives as a newline (Ctrl+J).
        Binding("ctrl+j", "submit", "Ask", show=False, tooltip="Ask (same as Enter)"),
    ]

    class DownAtEnd(Message):
        """Down pressed while not browsing history (the screen may move focus to examples)."""

    class TabOut(Message):
        """Tab pressed: the screen moves focus (to the examples first, when they are shown)."""

    def __init__(self, history: Callable[[], list[str]], **kwargs) -> None:
        super().__init__(**kwargs)
        self._history = history
        self._typed: list[str] = []  # `type_at_end`'s text, until it is in the line
        self._pos: int | None = None
        self._draft = ""

    async def _on_key(self, event: events.Key) -> None:
        """Submit on Enter before the next key is handled.

        Left to its binding, Enter bubbles up to the app and the submit runs only after the
        input has handled the keys queued behind it: a burst of input (a paste of lines, tmux
        send-keys) then glues questions together, submits one twice or loses one when the
        screen empties the line late.
        """
        if event.key in SUBMIT_KEYS:
            event.stop()
            event.prevent_default()
            self.submit_now()
            return
        await super()._on_key(event)

    def _on_paste(self, event: events.Paste) -> None:
        """A pasted question keeps all its lines, joined by spaces (`one_line`): Textual's Input
        keeps only the first, so a question copied across a line break lost its end."""
        text = one_line(event.text)
        if text:
            if self.selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *self.selection)
        event.stop()
        event.prevent_default()  # not Input's own handler too (it inserts the first line)

    def type_at_end(self, text: str) -> None:
        """Focus the line and add `text` at its end, after the focus (whose select-all would
        otherwise let the next key replace the question typed so far)."""
        self.focus()
        self._typed.append(text)
        # focus() takes effect on the app's queue, and posts the focus event to this widget's:
        # queued behind both, the text goes in after the select-all and before any later key.
        self.app.call_later(self.call_later, self._add_typed)

    def _add_typed(self) -> None:
        """Add the text `type_at_end` holds at the line's end (once: Enter may have already)."""
        if self._typed:
            text, self._typed = "".join(self._typed), []
            self.cursor_position = len(self.value)
            self.insert_text_at_cursor(text)

    def submit_now(self) -> None:
        """Post `Submitted` with the current text, then empty the line and leave history. Text
        typed at the end and still queued goes in first: an Enter that reached the focused
        line before it asked "Where is the ELB? en" of a burst ending "…nlb⏎"."""
        self._add_typed()
        value = self.value
        self.post_message(self.Submitted(self, value))
        self.value = ""
        self.reset_history()

    async def action_submit(self) -> None:
        """The `submit` action (Ctrl+J, a binding run by other means) submits the same way."""
        self.submit_now()

    def reset_history(self) -> None:
        self._pos = None
        self._draft = ""

    def action_history_prev(self) -> None:
        entries = self._history()
        if not entries:
            return
        if self._pos is None:
            self._draft = self.value
            self._pos = len(entries) - 1
        else:
            self._pos = max(self._pos - 1, 0)
        self.value = entries[self._pos]
        self.cursor_position = len(self.value)

    def action_tab_out(self) -> None:
        self.post_message(self.TabOut())

    def action_history_next(self) -> None:
        entries = self._history()
        if self._pos is None:
            self.post_message(self.DownAtEnd())
            return
        self._pos += 1
        if self._pos >= len(entries):
            self._pos = None
            self.value = self._draft
        else:
            self.value = entries[self._pos]
        self.cursor_position = len(self.value)
