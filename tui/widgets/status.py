"""One line at the top: index state, notes folder, counts, model."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import Static

from assistant.output import counted
from tui.render import clean

STATE_STYLES = {
    "fresh": "bold green",
    "stale": "bold yellow",
    "busy": "bold cyan",
    "error": "bold red",
}
SEP = " │ "


class StatusLine(Static):
    """Shows what the screen tells it; never parses markup (note paths are user text).

    Too narrow for everything, it leaves out whole parts from the end (model, counts, notes
    folder) rather than cut one in the middle or leave a separator hanging; the state comes
    first and always shows (cut with an ellipsis when even it does not fit).
    """

    _parts: tuple[tuple[str, str], ...] = ()

    def show(
        self,
        *,
        state: str,
        kind: str,
        notes: str,
        files: int | None = None,
        chunks: int | None = None,
        model: str | None = None,
    ) -> None:
        self.state_text = state
        self.state_kind = kind
        style = STATE_STYLES.get(kind, "")
        parts = [("● " + clean(state), style), (clean(notes), "")]
        if files is not None and chunks is not None:
            parts.append((f"{counted(files, 'file')}, {counted(chunks, 'chunk')}", ""))
        if model:
            parts.append((clean(model), "dim"))
        self._parts = tuple(parts)
        self._fit()

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        parts = list(self._parts)
        width = self.content_size.width if self.is_mounted else 0
        if width > 0:  # 0: not laid out yet, show everything (it is fitted on resize)
            while len(parts) > 1 and cell_len(SEP.join(p for p, _ in parts)) > width:
                parts.pop()
        t = Text(no_wrap=True, overflow="ellipsis")
        for i, (text, style) in enumerate(parts):
            if i:
                t.append(SEP, style="dim")
            t.append(text, style=style)
        self.update(t)
