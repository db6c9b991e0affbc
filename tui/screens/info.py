"""Index information: where it lives, what it holds, whether it is fresh."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from assistant.output import format_size
from tui.render import clean

if TYPE_CHECKING:
    from index.models import IndexInfo


class InfoScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, info: IndexInfo, notes: str, state: str) -> None:
        super().__init__()
        self.info = info
        self.notes = notes
        self.state = state

    def compose(self) -> ComposeResult:
        i = self.info
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        updated = (
            dt.datetime.fromtimestamp(i.updated_at).strftime("%Y-%m-%d %H:%M:%S")
            if i.updated_at
            else "never"
        )
        rows = [
            ("State", self.state),
            ("Notes folder", self.notes),
            ("Index folder", i.index_dir),
            ("Files", str(i.files)),
            ("Chunks", str(i.chunks)),
            ("Model", i.model_id or "-"),
            ("Precision", i.precision or "-"),
            ("Updated", updated),
            ("Size on disk", format_size(i.size_bytes)),
        ]
        if i.problem:
            rows.append(("Problem", i.problem))
        for k, v in rows:
            table.add_row(k, Text(clean(v)))
        with Vertical(id="info-dialog", classes="dialog"):
            yield Static(Text("Index info", style="bold"), classes="dialog-title")
            yield Static(table)
            yield Static(Text("Esc to close", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
