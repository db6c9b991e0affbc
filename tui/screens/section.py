"""A cited note section, full size: line numbers, quoted lines highlighted."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer

from tui.render import note_gone
from tui.widgets.sources import SectionView

if TYPE_CHECKING:
    from assistant.models import Citation


class SectionScreen(ModalScreen[None]):
    """Shows one citation's section; `e` opens the note in $VISUAL/$EDITOR at the quoted line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", tooltip="Back to the chat"),
        Binding("q", "close", "Close", show=False, tooltip="Back to the chat"),
        Binding("e", "edit", "Open in editor", tooltip="Open the note in $VISUAL / $EDITOR"),
        Binding(
            "ctrl+o",
            "edit",
            "Open in editor",
            show=False,
            tooltip="Open the note in $VISUAL / $EDITOR",
        ),
    ]

    def __init__(self, citation: Citation, section) -> None:
        super().__init__()
        self.citation = citation
        self.section = section

    def compose(self) -> ComposeResult:
        with Vertical(id="section-dialog"):
            yield SectionView(id="section-view")
        yield Footer()

    def on_mount(self) -> None:
        view = self.query_one(SectionView)
        view.show_section(self.citation, self.section)
        view.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`e` is not offered for a note deleted since it was cited (None: shown greyed)."""
        if action == "edit" and note_gone(self.citation):
            return None
        return True

    def action_close(self) -> None:
        self.dismiss(None)

    def action_edit(self) -> None:
        self.app.open_in_editor(self.citation.absolute_path, self.citation.start_line)  # type: ignore[attr-defined]
