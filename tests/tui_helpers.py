"""Helpers for the TUI tests: a small notes folder, an engine over it, predicate waits."""

from __future__ import annotations

import asyncio
import functools
import html
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from fakes import FakeEmbedder

from assistant.engine import Engine
from assistant.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
AWS_NOTES = REPO / "corpus" / "notes" / "aws-containers.md"

TRICKY_NOTE = """# Markup trap

Rich markup must stay literal: [bold]x[/bold] and [link=https://x]y[/link] and [@click=app.quit]z[/]
A Markdown link [docs](https://example.com/evil) and *stars* stay as typed.
An ANSI escape \x1b[31mred\x1b[0m must not colour the terminal.
"""


def make_notes(root: Path) -> Path:
    notes = root / "notes"
    notes.mkdir(parents=True, exist_ok=True)
    shutil.copy(AWS_NOTES, notes / "aws-containers.md")
    (notes / "markup-trap.md").write_text(TRICKY_NOTE, encoding="utf-8")
    return notes


def make_engine(root: Path, notes: Path | None = None, **settings) -> Engine:
    """An engine over `notes` (default: a fresh copy under `root`) with its index in
    `root/index`; `settings` as flags (watch=False, ...)."""
    notes = notes or make_notes(root)
    return Engine(
        load_settings(notes=notes, index=root / "index", **settings),
        embedder=FakeEmbedder(),
    )


async def wait_for(pilot, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until `predicate()` holds (fails the test after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out waiting for {getattr(predicate, '__name__', predicate)}"
            )
        await pilot.pause(0.02)


_SVG_TEXT = re.compile(
    r'<text[^>]*?x="([\d.]+)"[^>]*?clip-path="url\(#terminal(?:-\d+)?-line-(\d+)\)"[^>]*>([^<]*)</text>'
)


def screen_lines(app) -> list[str]:
    """What the terminal shows, as lines of text (rebuilt from Textual's SVG screenshot)."""
    svg = app.export_screenshot()
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    for x, line, raw in _SVG_TEXT.findall(svg):
        text = html.unescape(raw).replace("\u00a0", " ")
        col = round(float(x) / 12.2) - 1
        row = int(line)
        if row >= height:
            continue
        for i, ch in enumerate(text):
            if 0 <= col + i < width:
                rows[row][col + i] = ch
    return ["".join(r).rstrip() for r in rows]


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))


def run_async(fn):
    """Run an async test function with asyncio (no async pytest plugin needed)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper
