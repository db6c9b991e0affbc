"""Snapshot tests of the chat app's visual states at a fixed terminal size.

The notes folder is shown under a fixed label, the fake embedder's model id is fixed, and no
timings or versions are displayed, so the SVGs are the same on every machine. Regenerate with
`pytest tests/test_tui_snapshots.py --snapshot-update` and look at the SVGs before committing.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pytest_textual_snapshot")

from tui_helpers import make_engine, wait_for

from tui.app import AssistantApp
from tui.widgets.sources import SourcesPanel

SIZE = (100, 30)


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    return AssistantApp(make_engine(tmp_path), notes_label="~/notes")


async def settle(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.chat_screen.ready)
    app.chat_screen.question_input.cursor_blink = False
    await pilot.pause()


async def asked(pilot, question: str) -> None:
    await settle(pilot)
    chat = pilot.app.chat_screen
    chat.question_input.value = question
    await pilot.press("enter")
    await wait_for(pilot, lambda: chat.last_answer is not None)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def test_empty_app(app, snap_compare):
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_answer_with_sources(app, snap_compare):
    async def run_before(pilot):
        await asked(pilot, "What load balancers does ECS support?")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_abstention(app, snap_compare):
    async def run_before(pilot):
        await asked(pilot, "How do I bake sourdough bread?")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_section_view(app, snap_compare):
    async def run_before(pilot):
        await asked(pilot, "What load balancers does ECS support?")
        chat = pilot.app.chat_screen
        chat.sources.post_message(SourcesPanel.Selected(chat.last_answer.citations[0]))
        await pilot.pause()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_wide_layout_with_preview(app, snap_compare):
    async def run_before(pilot):
        await asked(pilot, "What load balancers does ECS support?")

    assert snap_compare(app, terminal_size=(140, 36), run_before=run_before)
