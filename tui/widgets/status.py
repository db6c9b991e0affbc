"""One line at the top: index state, notes folder, counts, model."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from assistant.output import counted
from tui.render import clean

STATE_STYLES = {
    "fresh": "bold green",
    "stale": "bold yellow",
    "busy": "bold cyan",
    "error": "bold red",
}


class StatusLine(Static):
    """Shows what the screen tells it; never parses markup (note paths are user text)."""

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
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append("● ", style=STATE_STYLES.get(kind, ""))
        t.append(clean(state), style=STATE_STYLES.get(kind, ""))
        sep = (" │ ", "dim")
        t.append(*sep)
        t.append(clean(notes))
        if files is not None and chunks is not None:
            t.append(*sep)
            t.append(f"{counted(files, 'file')}, {counted(chunks, 'chunk')}")
        if model:
            t.append(*sep)
            t.append(clean(model), style="dim")
        self.update(t)
