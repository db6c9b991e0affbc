"""Every key binding, gathered from the classes that define them."""

from __future__ import annotations

import re
from typing import ClassVar

from rich.console import Console, ConsoleOptions, RenderResult
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
    ("Chat", "letters", "Outside the input: typed into the question (unless bound here)"),
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
        if len(parts) == 1 and len(k) == 1:
            return k  # a letter alone as typed: "e", not "E", which is Shift+E
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


STACK_BELOW = 72
"""Narrower than this, the keys are listed under a heading per place, not beside a column."""


class KeyTable:
    """The key table, laid out for the width it is drawn at: three columns (where, key,
    action) when wide; when narrow, a heading per place over two columns, so the action
    keeps most of the width instead of being folded into a few characters."""

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if options.max_width >= STACK_BELOW:
            yield self._columns()
        else:
            yield self._stacked()

    def _table(self) -> Table:
        return Table(box=None, padding=(0, 1), show_header=False, expand=True)

    def _columns(self) -> Table:
        table = self._table()
        table.show_header, table.header_style = True, "bold"
        table.add_column("Where", style="dim", no_wrap=True)
        table.add_column("Key", style="bold cyan", no_wrap=True)
        table.add_column("Action", overflow="fold")
        last = None
        for where, key, desc in self.rows:
            table.add_row(where if where != last else "", key, desc)
            last = where
        return table

    def _stacked(self) -> Table:
        table = self._table()
        table.add_column("Key", style="bold cyan", max_width=10)  # "Tab /" over "Shift+Tab"
        table.add_column("Action", overflow="fold", ratio=1)
        last = None
        for where, key, desc in self.rows:
            if where != last:
                if last is not None:
                    table.add_row("", "")
                table.add_row(Text(where, style="bold"), "")
                last = where
            table.add_row(key, desc)
        return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close help"),
        Binding("f1", "close", "Close help", show=False),
        Binding("q", "close", "Close help", show=False),
    ]

    def compose(self) -> ComposeResult:
        table = KeyTable(binding_rows())
        with Vertical(id="help-dialog", classes="dialog"):
            yield Static(Text("Keys  (Esc to close)", style="bold"), classes="dialog-title")
            with VerticalScroll():
                yield Static(table, id="help-table")

    def action_close(self) -> None:
        self.dismiss(None)
