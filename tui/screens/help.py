"""Every key binding, gathered from the classes that define them."""

from __future__ import annotations

import re
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

EXTRA = [
    ("Chat", "enter", "Ask the question, or choose the highlighted example or citation"),
    ("Chat", "tab / shift+tab", "Move between the input, examples and sources"),
    (
        "Chat",
        "ctrl+p",
        "Command palette: re-index, new conversation, explain the last answer, toggle sources, "
        "index info, clear history",
    ),
]


def key_label(key: str) -> str:
    def one(k: str) -> str:
        parts = k.split("+")
        names = {
            "question_mark": "?",
            "escape": "Esc",
            "up": "↑",
            "down": "↓",
            "pageup": "PgUp",
            "pagedown": "PgDn",
        }
        return "+".join(names.get(p, p.capitalize() if len(p) > 1 else p.upper()) for p in parts)

    return " / ".join(one(k.strip()) for k in re.split(r"[,/]", key))


def binding_rows() -> list[tuple[str, str, str]]:
    """(where, key, description) for every binding of the app, its screens and widgets."""
    from tui.app import AssistantApp
    from tui.screens.chat import ChatScreen
    from tui.screens.explain import ExplainScreen
    from tui.screens.info import InfoScreen
    from tui.screens.section import SectionScreen
    from tui.widgets.question_input import QuestionInput
    from tui.widgets.sources import CitationList

    rows: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    groups = [
        ("Chat", ChatScreen.BINDINGS),
        ("Chat", AssistantApp.BINDINGS),
        ("Question input", QuestionInput.BINDINGS),
        ("Sources list", CitationList.BINDINGS),
        ("Section view", SectionScreen.BINDINGS),
        ("Index info", InfoScreen.BINDINGS),
        ("Why this answer", ExplainScreen.BINDINGS),
        ("Help", HelpScreen.BINDINGS),
    ]
    for where, bindings in groups:
        if where == "Question input":
            rows.extend((w, key_label(k), d) for w, k, d in EXTRA)
        for b in bindings:
            if not isinstance(b, Binding) or not b.description:
                continue
            key = (where, b.action)
            if key in seen:
                # Same action, another key: merge into the first row.
                for i, (w, k, d) in enumerate(rows):
                    if w == where and d == (b.tooltip or b.description):
                        rows[i] = (w, f"{k} / {key_label(b.key)}", d)
                continue
            seen.add(key)
            rows.append((where, key_label(b.key), b.tooltip or b.description))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close help"),
        Binding("f1", "close", "Close help", show=False),
        Binding("q", "close", "Close help", show=False),
    ]

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 1), show_header=True, header_style="bold", expand=True)
        table.add_column("Where", style="dim", no_wrap=True)
        table.add_column("Key", style="bold cyan", no_wrap=True)
        table.add_column("Action", overflow="fold")
        last = None
        for where, key, desc in binding_rows():
            table.add_row(where if where != last else "", key, desc)
            last = where
        with Vertical(id="help-dialog", classes="dialog"):
            yield Static(Text("Keys  (Esc to close)", style="bold"), classes="dialog-title")
            with VerticalScroll():
                yield Static(table, id="help-table")

    def action_close(self) -> None:
        self.dismiss(None)
