"""A one-line spinner shown while a question is in flight or the index is being prepared."""

from __future__ import annotations

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class Thinking(Static):
    """Hidden unless started; `message` is plain text."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._frame = 0
        self._message = ""
        self._timer: Timer | None = None
        self.display = False

    @property
    def active(self) -> bool:
        return bool(self.display)

    def start(self, message: str) -> None:
        self._message = message
        self.display = True
        self._paint()
        if self._timer is None:
            self._timer = self.set_interval(0.1, self._tick)

    def stop(self) -> None:
        self.display = False
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _tick(self) -> None:
        self._frame = (self._frame + 1) % len(FRAMES)
        self._paint()

    def _paint(self) -> None:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(FRAMES[self._frame] + " ", style="bold cyan")
        t.append(self._message)
        t.append("  (Esc to cancel)", style="dim")
        self.update(t)
