"""Snapshot tests of the chat app's visual states at a fixed terminal size.

The notes folder is shown under a fixed label, the fake embedder's model id is fixed, and no
timings or versions are displayed, so the SVGs are the same on every machine. Regenerate with
`pytest tests/test_tui_snapshots.py --snapshot-update` and look at the SVGs before committing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytest_textual_snapshot")

from tui_helpers import make_engine, wait_for

from assistant.models import Answer, Citation, Closest
from tui.app import AssistantApp
from tui.widgets.sources import SourcesPanel

pytestmark = pytest.mark.tui

SIZE = (100, 30)


def canned_answer(question: str, notes: Path) -> Answer:
    """A fixed answer (real quotes of the real note), so that tuning how the engine picks
    sections does not change these pictures of the TUI; the Pilot tests use the real `ask`."""
    note = notes / "aws-containers.md"
    lines = note.read_text(encoding="utf-8").splitlines()

    def cite(n: int, heading: list[str], start: int, end: int, score: float) -> Citation:
        return Citation(
            n=n,
            path=note.name,
            absolute_path=str(note),
            heading_path=heading,
            start_line=start,
            end_line=end,
            quote="\n".join(lines[start - 1 : end]),
            score=score,
        )

    if "sourdough" in question:
        return Answer(
            question=question,
            searched_query=question,
            text="Your notes don't mention bake, sourdough, bread.",
            abstained=True,
            missing_terms=["bake", "sourdough", "bread"],
            closest=[
                Closest(path=note.name, heading_path=h, start_line=a, end_line=b, score=sc)
                for h, a, b, sc in [
                    (["Intro", "ECS Service Autoscaling"], 32, 41, 0.09),
                    (["Intro", "Load balancer integration"], 27, 30, 0.08),
                    (["AWS APP Runner"], 78, 80, 0.07),
                ]
            ],
        )
    return Answer(
        question=question,
        searched_query=question,
        text="(canned)",
        citations=[
            cite(1, ["Intro", "Load balancer integration"], 28, 30, 0.62),
            cite(2, ["Intro", "Fargate Launch Type"], 25, 25, 0.41),
        ],
    )


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    engine = make_engine(tmp_path)
    # Pin what the engine decides (answers, example wording, chunk counts): these tests are about
    # how the TUI shows things, and must not change when retrieval or chunking is tuned.
    engine.ask = lambda question, **kw: canned_answer(question, engine.notes_root)
    engine.example_questions = lambda n=4: [
        "Tell me about Load balancer integration.",
        "Tell me about Fargate Launch Type.",
        "Tell me about ECS Service Autoscaling.",
    ][:n]
    real_info = engine.info
    engine.info = lambda: real_info().model_copy(update={"files": 2, "chunks": 11})
    return AssistantApp(engine, notes_label="~/notes")


async def settle(pilot) -> None:
    app = pilot.app
    chat = app.chat_screen
    await wait_for(pilot, lambda: chat.ready)
    # the live watch's catch-up (it embeds the line vectors the start-up build left) has ended
    await wait_for(pilot, lambda: chat.live is not None and chat.live.ready.is_set())
    await wait_for(pilot, lambda: chat.state_text == "index fresh")
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
