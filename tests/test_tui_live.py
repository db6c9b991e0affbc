"""The chat follows the notes (`assistant.live.LiveNotes`): a note saved while the app is open is
indexed in the background and answerable, the status line says so, questions never wait for a
refresh, citations of changed files are marked, the `watch` setting turns it off, Ctrl+R and a
live refresh never run at once, and an index built live answers like one built fresh.

Real watchfiles, SQLite and FAISS, the fast fake embedder, temp notes folders; every wait is a
predicate polled every 0.1 s with a generous timeout. (conftest gives each test its own
ASSISTANT_HOME, so the question history stays in the test's temp folder.)
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("textual")

from click.testing import CliRunner
from fakes import FakeEmbedder
from tui_helpers import make_engine, make_notes, run_async, screen_text

from assistant.cli import cli
from assistant.engine import Engine
from assistant.live import LiveNotes, refresh_summary
from assistant.settings import load_settings
from index import lifecycle
from index.store import Store
from tui import app as app_module
from tui.app import AssistantApp
from tui.screens import chat as chat_module
from tui.widgets.sources import CitationList

pytestmark = pytest.mark.tui

SIZE = (100, 30)
WIDE = (140, 36)
TIMEOUT = 20.0
WATCH = {"debounce_ms": 100}
LB_QUESTION = "Which load balancer integration is preferred: ALB, NLB or ELB?"
BREAD_QUESTION = "How long do I bake the sourdough bread, and at what oven temperature?"
BREAD_NOTE = """# Baking

## Sourdough bread

Bake the sourdough bread for 40 minutes at an oven temperature of 250 degrees.
Let the sourdough bread cool for an hour before cutting it.
"""


def new_app(engine, **kw) -> AssistantApp:
    return AssistantApp(engine, notes_label="notes", watch_options=dict(WATCH), **kw)


async def until(pilot, predicate, what: str, timeout: float = TIMEOUT) -> None:
    """Let the app run until `predicate()` holds, polling every 0.1 s."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await pilot.pause(0.1)


async def following(pilot) -> LiveNotes:
    """The app is ready and follows the notes (its watch is up and caught up)."""
    chat = pilot.app.chat_screen
    await until(pilot, lambda: chat.ready, "the index")
    await until(pilot, lambda: chat.live is not None and chat.live.ready.is_set(), "the watch")
    return chat.live


async def ask(pilot, question: str):
    """Ask in a new conversation (so that no earlier turn changes what is searched)."""
    chat = pilot.app.chat_screen
    await chat.run_action("new_conversation")
    before = chat.last_answer
    chat.question_input.focus()
    chat.question_input.value = question
    await pilot.press("enter")
    await until(
        pilot, lambda: chat.last_answer is not None and chat.last_answer is not before, "an answer"
    )
    await pilot.pause()
    return chat.last_answer


def record_states(chat) -> list[str]:
    """Every state the status line shows from now on."""
    states: list[str] = []
    real = chat.set_state

    def recording(state: str, kind: str) -> None:
        states.append(state)
        real(state, kind)

    chat.set_state = recording
    return states


def status(app) -> str:
    return screen_text(app).splitlines()[0]


def in_step(index_dir: Path, notes: Path) -> bool:
    """The index at `index_dir` holds the notes as they are now."""
    store = Store.open(index_dir, create=False)
    try:
        return lifecycle.notes_changed(store.file_rows(), notes) is None
    finally:
        store.close()


def indexed_paths(index_dir: Path) -> set[str]:
    store = Store.open(index_dir, create=False)
    try:
        return {p for p, (h, _, _) in store.file_rows().items() if h}
    finally:
        store.close()


def cites(answer) -> list[tuple[str, int, int, str]]:
    return [(c.path, c.start_line, c.end_line, c.quote) for c in answer.citations]


def hold_live_refreshes(
    engine: Engine,
    gate: threading.Event,
    started: threading.Event | None = None,
    holding: threading.Event | None = None,
) -> None:
    """Each refresh by the engine's twins (the live watch's) waits for `gate`, from when
    `holding` is set (default: always), after setting `started`. Fault injection only."""
    real_twin = engine.twin

    def held_twin():
        twin = real_twin()
        real_refresh = twin.refresh

        def refresh(**kw):
            if holding is None or holding.is_set():
                if started is not None:
                    started.set()
                assert gate.wait(30)
            return real_refresh(**kw)

        twin.refresh = refresh
        return twin

    engine.twin = held_twin  # type: ignore[method-assign]


@contextlib.asynccontextmanager
async def bread_saved_refresh_held(tmp_path: Path) -> AsyncIterator[tuple[Any, ...]]:
    """The chat open and following its notes, the bread note saved and the live refresh of it
    held at `gate` (not the catch-up, which fills in the deferred line vectors): yields
    (app, pilot, live, gate, started, notes)."""
    engine = make_engine(tmp_path)
    gate, started, holding = threading.Event(), threading.Event(), threading.Event()
    hold_live_refreshes(engine, gate, started, holding)
    app = new_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        live = await following(pilot)
        holding.set()
        (engine.notes_root / "bread.md").write_text(BREAD_NOTE, encoding="utf-8")
        await until(pilot, started.is_set, "the live refresh, held")
        yield app, pilot, live, gate, started, engine.notes_root


def stop_and_join(live: LiveNotes | None) -> None:
    if live is not None:
        live.stop.set()
        assert live.done.wait(5), "the watch did not stop"


# ---------------------------------------------------------------------- answering


@run_async
async def test_a_note_saved_while_open_becomes_answerable(tmp_path):
    engine = make_engine(tmp_path)
    notes = engine.notes_root
    app = new_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        live = await following(pilot)
        chat = app.chat_screen
        states = record_states(chat)
        before = await ask(pilot, BREAD_QUESTION)
        assert before.abstained  # nothing about bread yet
        (notes / "bread.md").write_text(BREAD_NOTE, encoding="utf-8")
        await until(pilot, lambda: "bread.md refreshed" in states, "the refresh in the status")
        assert live.refreshes == 1
        assert chat._info.files == 3  # the counts in the status line follow
        answer = await ask(pilot, BREAD_QUESTION)
        assert not answer.abstained
        assert answer.citations[0].path == "bread.md"
        assert "40 minutes" in answer.citations[0].quote
        # The chat's own engine (its SQLite connection, its FAISS copy) sees the new note.
        with app.engine_lock:
            hits = engine.search("sourdough bread oven temperature", k=3)
        assert hits[0].chunk.path == "bread.md"
        await until(pilot, lambda: "index fresh" in status(app), "the usual status again")
    stop_and_join(live)


@run_async
async def test_a_question_right_after_a_save_says_the_index_is_behind(tmp_path):
    """A question asked 0.2 s after a save was answered from the text before it with no word
    of the save: the watch waits out its debounce before refreshing. From the first change
    of a batch, answers say the index is behind."""
    engine = make_engine(tmp_path)
    notes = engine.notes_root
    app = AssistantApp(engine, notes_label="notes", watch_options={"debounce_ms": 4000})
    async with app.run_test(size=SIZE) as pilot:
        live = await following(pilot)
        (notes / "bread.md").write_text(BREAD_NOTE, encoding="utf-8")
        await until(pilot, lambda: live.behind, "the save seen")
        assert live.refreshes == 0  # still waiting out the debounce
        during = await ask(pilot, BREAD_QUESTION)
        assert during.abstained  # the index before the save
        assert "saved changes are still being indexed" in screen_text(app)
    stop_and_join(live)


@run_async
async def test_a_note_another_process_indexed_first_is_counted(tmp_path):
    """`assistant index` run in another window while the chat was open indexed the new
    note first; the chat's refresh then found nothing to do and kept its counts, "24
    files" of the 25 the index held. Its counts follow the index whoever wrote it."""
    async with bread_saved_refresh_held(tmp_path) as (app, pilot, live, gate, _, notes):
        other = make_engine(tmp_path, notes=notes)  # another process's `assistant index`
        assert other.refresh().added == 1
        other.close()
        gate.set()
        await until(pilot, lambda: app.chat_screen._info.files == 3, "the counts to follow")
        assert live.refreshes == 0  # this process changed nothing
    stop_and_join(live)


@run_async
async def test_the_status_line_says_what_was_refreshed_then_returns(tmp_path, monkeypatch):
    monkeypatch.setattr(chat_module, "LIVE_STATUS_S", 0.5)
    engine = make_engine(tmp_path)
    notes = engine.notes_root
    app = new_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        live = await following(pilot)
        states = record_states(app.chat_screen)
        (notes / "bread.md").write_text(BREAD_NOTE, encoding="utf-8")
        (notes / "cake.md").write_text("# Cake\n\nA lemon cake needs lemons.\n", "utf-8")

        def said_both() -> bool:  # the status is set after the index is written: wait for it
            said = " ".join(s for s in states if "refreshed" in s)
            return "2 files" in said or ("bread.md" in said and "cake.md" in said)

        await until(
            pilot,
            lambda: live.refreshes >= 1 and in_step(engine.index_dir, notes) and said_both(),
            "refresh",
        )
        refreshed = [s for s in states if "refreshed" in s]
        # One batch (an editor's burst) or, on a very busy machine, two.
        assert refreshed in (["2 files refreshed"], ["bread.md refreshed", "cake.md refreshed"])
        assert any("refreshing" in s for s in states)  # busy while it ran
        await until(pilot, lambda: "index fresh" in status(app), "the usual status again")
        (notes / "cake.md").unlink()
        await until(pilot, lambda: "cake.md removed from the index" in states, "the removal")
    stop_and_join(live)


@run_async
async def test_a_note_that_cannot_be_indexed_is_said_once(tmp_path):
    engine = make_engine(tmp_path)
    notes = engine.notes_root
    app = new_app(engine)

    def said() -> list[str]:
        return [n.message for n in app._notifications if "bin.md" in n.message]

    async with app.run_test(size=SIZE) as pilot:
        live = await following(pilot)
        (notes / "bin.md").write_bytes(b"\x00\x01\x02 not text \x00" * 20)
        await until(pilot, lambda: said(), "the warning")
        assert said()[0].startswith("Skipped bin.md")
        (notes / "bread.md").write_text(BREAD_NOTE, encoding="utf-8")
        await until(pilot, lambda: "bread.md" in indexed_paths(engine.index_dir), "a refresh")
        await pilot.pause(0.3)
        assert len(said()) == 1
    stop_and_join(live)


def test_live_status_labels_follow_the_stage():
    label = chat_module.live_label
    assert label("refresh", 0, 0) == "refreshing the index…"  # an edit, or the catch-up
    assert label("model", 0, 0) == "loading the model…"
    assert label("embed", 1, 1) == "refreshing: embedding 1/1"
    assert label("lines", 0, 3576) == "refreshing: embedding lines of sections 0/3576"
    assert label("read", 0, 0) == "refreshing: reading notes…"


def test_refresh_summary_wording(tmp_path):
    from index.models import SyncReport

    (tmp_path / "new.md").write_text("# New\n")
    renamed = SyncReport(renamed=1)
    assert refresh_summary(renamed, ["old.md", "new.md"], tmp_path) == "old.md renamed new.md"
    assert refresh_summary(renamed, ["new.md", "old.md"], tmp_path) == "old.md renamed new.md"

    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "a.md").write_text("# A\n")
    assert refresh_summary(renamed, ["a.md", "old/a.md"], tmp_path) == "a.md renamed old/a.md"
    # Moved into a folder made for it: the folder is a path of the batch too.
    assert refresh_summary(renamed, ["old", "a.md", "old/a.md"], tmp_path) == (
        "a.md renamed old/a.md"
    )
    # Its path: a tester's "lora.md refreshed" did not say which of two lora.md.
    assert refresh_summary(SyncReport(updated=1), ["a/notes.md"]) == "a/notes.md refreshed"
    removed = SyncReport(removed=5)  # an .assistantignore edit: none was refreshed
    assert refresh_summary(removed, ["drafts"]) == "5 files removed from the index"
    assert refresh_summary(SyncReport(added=1, updated=1), ["a.md", "b.md"]) == "2 files refreshed"
    assert refresh_summary(SyncReport(removed=1), ["old.md"]) == "old.md removed from the index"
    assert refresh_summary(SyncReport(added=3), ["sub"]) == "3 files refreshed"
    assert refresh_summary(SyncReport(added=1), []) == "1 file refreshed"  # the catch-up
    assert refresh_summary(SyncReport(unchanged=2), ["a.md"]) is None  # saved, same text


@run_async
async def test_a_question_during_a_refresh_is_answered_at_once(tmp_path):
    """A refresh held mid-way: the question is answered from the last committed index; once
    the refresh ends, the next one is answered from the new index. Quitting does not wait."""
    async with bread_saved_refresh_held(tmp_path) as (app, pilot, live, gate, started, notes):
        await until(pilot, lambda: "refreshing the index" in status(app), "the busy status")
        t0 = time.monotonic()
        during = await ask(pilot, BREAD_QUESTION)
        assert time.monotonic() - t0 < 10
        assert during.abstained  # the old index: no bread yet, and no error
        assert "saved changes are still being indexed" in screen_text(app)  # said, not flat
        # an answer, not only a decline, from the index before the saved changes says so too
        quoted = await ask(pilot, "Which load balancer is preferred for ECS?")
        assert quoted.citations and not quoted.abstained
        from tui.widgets.conversation import AnswerView

        last = app.chat_screen.query(AnswerView).last()
        assert any("saved changes are still being indexed" in n for n in last.notices)
        assert live.refreshes == 0 and app.index_write_lock.locked()
        gate.set()
        await until(pilot, lambda: live.refreshes == 1, "the refresh to end")
        after = await ask(pilot, BREAD_QUESTION)
        assert after.citations and after.citations[0].path == "bread.md"
        # Quitting mid-refresh does not wait for it.
        gate.clear()
        started.clear()
        (notes / "bread.md").write_text(BREAD_NOTE + "\nRye takes longer.\n", encoding="utf-8")
        await until(pilot, started.is_set, "the second refresh to start")
        t_quit = time.monotonic()
    assert time.monotonic() - t_quit < 5
    assert not live.done.is_set()  # still held inside the refresh, on its daemon thread
    gate.set()
    assert live.done.wait(10)


# ---------------------------------------------------------------------- citations


@run_async
async def test_the_labels_under_an_earlier_answer_follow_its_notes_too(tmp_path):
    """The sources panel shows the last answer's citations; the labels under an earlier answer
    in the conversation said nothing when its note was edited or deleted later. They now say
    what the panel would: the quote followed to its new lines, then "changed since indexed",
    then "deleted since indexed"; the last answer, citing another note, is untouched."""

    from tui.widgets.conversation import AnswerView

    engine = make_engine(tmp_path)
    (engine.notes_root / "bread.md").write_text(BREAD_NOTE, encoding="utf-8")  # indexed at start
    note = engine.notes_root / "aws-containers.md"
    async with new_app(engine).run_test(size=WIDE) as pilot:
        live, chat = await following(pilot), pilot.app.chat_screen
        first = await ask(pilot, LB_QUESTION)
        before = chat.last_answer
        chat.question_input.value = BREAD_QUESTION  # the same conversation: two answers shown
        await pilot.press("enter")
        await until(pilot, lambda: chat.last_answer is not before, "the second answer")
        await pilot.pause()
        earlier, last = list(chat.query(AnswerView))
        assert last.answer.citations[0].path == "bread.md"
        cited = first.citations[0]
        assert cited.path == "aws-containers.md"

        def label() -> str:
            return " ".join(earlier.labels)

        span = f"aws-containers.md:{cited.start_line}-{cited.end_line}"
        assert span in label() and "since indexed" not in label()
        original = note.read_text(encoding="utf-8")
        note.write_text("# New first line\n\n" + original, encoding="utf-8")
        await until(pilot, lambda: live.refreshes == 1, "the live refresh")
        moved = f"aws-containers.md:{cited.start_line + 2}-{cited.end_line + 2}"
        await until(pilot, lambda: moved in label(), "the earlier label to follow the quote")
        assert "since indexed" not in label()
        quoted = cited.quote.split("\n")[0]
        note.write_text(original.replace(quoted, quoted + " (edited)", 1), encoding="utf-8")
        await until(pilot, lambda: live.refreshes == 2, "the second refresh")
        await until(pilot, lambda: "changed since indexed" in label(), "the changed mark")
        note.unlink()
        await until(pilot, lambda: "deleted since indexed" in label(), "the deleted mark")
        assert "changed since indexed" not in label()
        assert "since indexed" not in " ".join(last.labels)
        assert last.answer == last.given  # the bread note was not touched
    stop_and_join(live)


@run_async
async def test_a_citation_whose_file_changed_is_marked_after_the_live_refresh(tmp_path):
    engine = make_engine(tmp_path)
    note = engine.notes_root / "aws-containers.md"
    app = new_app(engine)
    async with app.run_test(size=WIDE) as pilot:
        live = await following(pilot)
        chat = app.chat_screen
        answer = await ask(pilot, LB_QUESTION)
        assert answer.citations[0].path == "aws-containers.md"
        cite_list = chat.query_one(CitationList)
        assert cite_list.changed == set()
        assert "(changed)" not in screen_text(app)
        assert "changed since indexed" not in screen_text(app)
        first = answer.citations[0]
        original = note.read_text(encoding="utf-8")
        # Two lines added above the quoted lines: the quote moved, unchanged; the citation
        # follows it (listed, previewed and opened at its new lines), not marked changed.
        note.write_text("# New first line\n\n" + original, encoding="utf-8")
        await until(pilot, lambda: live.refreshes == 1, "the live refresh")
        await until(pilot, lambda: 1 in cite_list.moved, "the move")
        await pilot.pause()
        assert cite_list.changed == set()
        now = cite_list.citations[0]
        assert (now.start_line, now.end_line) == (first.start_line + 2, first.end_line + 2)
        text = screen_text(app)
        assert "(moved)" in text and "(changed)" not in text
        assert f"is now at {now.start_line}-{now.end_line}" in text  # the preview says where
        opened: list[tuple[str, int]] = []
        app.open_in_editor = lambda path, line: opened.append((path, line))
        chat.open_citation(cite_list.current)
        assert opened == [(first.absolute_path, first.start_line + 2)]
        # The quoted text itself edited: the file no longer holds the quote anywhere.
        quoted = first.quote.split("\n")[0]
        note.write_text(original.replace(quoted, quoted + " (edited)", 1), encoding="utf-8")
        await until(pilot, lambda: live.refreshes == 2, "the second refresh")
        await until(pilot, lambda: 1 in cite_list.changed, "the mark")
        await pilot.pause()
        text = screen_text(app)
        assert "(changed)" in text  # in the sources list
        assert "changed since indexed" in text  # and in the preview of the highlighted one
        # Put back as it was: the mark goes.
        note.write_text(original, encoding="utf-8")
        await until(pilot, lambda: live.refreshes == 3, "the third refresh")
        await until(pilot, lambda: cite_list.changed == set(), "the mark to go")
        assert cite_list.moved == set() and cite_list.citations[0] == first
        # Renamed: followed to its new name (it was said deleted), listed and previewed there.
        renamed = note.with_name("containers.md")
        note.rename(renamed)
        await until(pilot, lambda: cite_list.citations[0].path == "containers.md", "the rename")
        await pilot.pause()
        assert cite_list.gone == set() and cite_list.changed == set() and 1 in cite_list.moved
        text = screen_text(app)
        assert "(moved)" in text and "(deleted)" not in text
        span = f"{first.start_line}-{first.end_line}"
        assert f"the quote of aws-containers.md:{span} is now at" in text  # the preview says
        assert f"containers.md:{span} › Intro" in text  # where, and so does the answer's label
        assert "deleted since indexed" not in text  # nor the label under the answer
        # Deleted: said as such, not as a change of its text.
        renamed.unlink()
        await until(pilot, lambda: 1 in cite_list.gone, "the deleted mark")
        await pilot.pause()
        text = screen_text(app)
        assert "(deleted)" in text and "(changed)" not in text
        assert "deleted since indexed" in text and "changed since indexed" not in text
    stop_and_join(live)


@run_async
async def test_an_editor_save_is_followed_live(tmp_path, monkeypatch):
    """What test_tui's stale-index editor test does, with the notes followed: no stale state,
    the refresh comes by itself and the next question needs none."""
    import sys

    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "nano"
    script.write_text(
        f"#!{sys.executable}\nimport sys\n"
        "open(sys.argv[-1], 'a').write('\\n## Edited\\n\\nedited with nano today\\n')\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)
    engine = make_engine(tmp_path)
    app = new_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        live = await following(pilot)
        states = record_states(app.chat_screen)
        await ask(pilot, LB_QUESTION)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: "aws-containers.md refreshed" in states, "the refresh")
        assert not any("stale" in s for s in states)
        refresh = engine.refresh
        engine.refresh = lambda **kw: pytest.fail("the question refreshed the index")
        answer = await ask(pilot, "edited with nano")
        engine.refresh = refresh
        assert any("edited with nano" in c.quote for c in answer.citations)
    stop_and_join(live)


@run_async
async def test_a_watch_that_ends_falls_back_and_ctrl_r_starts_it_again(tmp_path):
    engine = make_engine(tmp_path)
    notes = engine.notes_root
    real_twin = engine.twin

    def broken_twin():
        raise OSError("the notes folder cannot be watched")

    engine.twin = broken_twin
    app = new_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        chat = app.chat_screen
        await until(pilot, lambda: chat.live is not None and chat.live.done.is_set(), "the end")
        first = chat.live
        assert not chat.live_active
        await until(
            pilot,
            lambda: any("Stopped following the notes" in n.message for n in app._notifications),
            "the notice",
        )
        # Each question now refreshes the index first, as with the watch off.
        (notes / "bread.md").write_text(BREAD_NOTE, encoding="utf-8")
        answer = await ask(pilot, BREAD_QUESTION)
        assert answer.citations and answer.citations[0].path == "bread.md"
        engine.twin = real_twin
        await pilot.press("ctrl+r")
        live = await following(pilot)
        assert live is not first and chat.live_active
        (notes / "cake.md").write_text("# Cake\n\nA lemon cake needs lemons.\n", "utf-8")
        await until(pilot, lambda: live.refreshes == 1, "a live refresh again")
    stop_and_join(live)


@pytest.mark.parametrize("how", ["renamed", "deleted"])
@run_async
async def test_a_removed_notes_folder_is_named_and_its_citations_said_deleted(tmp_path, how):
    """The whole folder renamed away or deleted while the chat runs: the status line says why
    the index is stale (not only "the last refresh failed"), an answer comes from the last
    index, its citations read "deleted" under the answer as in the sources panel (and those
    shown already are marked so), and once the folder is back, even as a copy with the same
    text, the marks go, the status says "index fresh" and the chat follows it again."""
    import shutil

    engine = make_engine(tmp_path)
    notes = engine.notes_root
    app = new_app(engine)
    async with app.run_test(size=WIDE) as pilot:
        live = await following(pilot)
        chat = app.chat_screen
        cites = chat.query_one(CitationList)
        assert (await ask(pilot, LB_QUESTION)).citations
        away = tmp_path / "away"
        if how == "deleted":
            shutil.copytree(notes, away)
            shutil.rmtree(notes)
        else:
            notes.rename(away)
        await until(pilot, lambda: "notes folder not found" in chat.state_text, "the reason")
        assert chat.state_text.startswith("index stale:")
        await until(pilot, lambda: 1 in cites.gone, "the shown citation marked deleted")
        answer = await ask(pilot, LB_QUESTION)
        assert answer.citations
        await until(pilot, lambda: 1 in cites.gone, "the deleted mark")
        await pilot.pause()
        text = screen_text(app)
        assert "deleted since indexed" in text and "changed since indexed" not in text
        if how == "deleted":  # restored as a copy (new folder, new files), as `cp -r` does
            shutil.copytree(away, notes)
        else:
            away.rename(notes)
        await until(pilot, lambda: not cites.gone and not cites.changed, "the marks to go")
        await until(pilot, lambda: chat.state_text == "index fresh", "the status", 30)
        if not chat.live_active:
            await pilot.press("ctrl+r")
            await until(pilot, lambda: chat.live is not live, "a new watch")
            live = await following(pilot)
        before = live.refreshes
        (notes / "bread.md").write_text(BREAD_NOTE, encoding="utf-8")
        await until(pilot, lambda: live.refreshes > before, "a live refresh again")
    stop_and_join(live)


# ---------------------------------------------------------------------- off


@pytest.mark.parametrize("how", ["setting", "env"])
@run_async
async def test_watch_off_means_no_live_refresh(tmp_path, monkeypatch, how):
    if how == "env":
        monkeypatch.setenv("ASSISTANT_WATCH", "0")
        engine = make_engine(tmp_path)
    else:
        engine = make_engine(tmp_path, watch=False)
    assert engine.settings.watch is False
    notes = engine.notes_root
    app = new_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        chat = app.chat_screen
        await until(pilot, lambda: chat.ready, "the index")
        states = record_states(chat)
        (notes / "bread.md").write_text(BREAD_NOTE, encoding="utf-8")
        await pilot.pause(1.5)  # well past the debounce: a watch would have refreshed
        assert chat.live is None
        assert "bread.md" not in indexed_paths(engine.index_dir)
        assert not any("refresh" in s for s in states)
        # Without the watch, a question refreshes the index first, as before.
        answer = await ask(pilot, BREAD_QUESTION)
        assert answer.citations and answer.citations[0].path == "bread.md"
        assert "index fresh" in status(app)
        assert not chat.indexing  # that refresh ended with its answer: Ctrl+R is free


def test_the_watch_setting_from_env_config_and_flag(tmp_path, monkeypatch):
    assert load_settings().watch is True
    monkeypatch.setenv("ASSISTANT_WATCH", "0")
    assert load_settings().watch is False
    monkeypatch.delenv("ASSISTANT_WATCH")
    config = tmp_path / "config.toml"
    config.write_text("watch = false\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_CONFIG", str(config))
    assert load_settings().watch is False
    assert load_settings(watch=True).watch is True


def test_no_watch_flag_reaches_the_chat_engine(tmp_path, monkeypatch):
    notes = make_notes(tmp_path)
    made: list[Any] = []

    def fake_run_app(make):
        made.append(make())
        return 0

    monkeypatch.setattr(app_module, "run_app", fake_run_app)
    factory = {"engine_factory": lambda s: Engine(s, embedder=FakeEmbedder())}
    r = CliRunner().invoke(cli, ["--no-watch", "--notes", str(notes)], obj=factory)
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["--notes", str(notes)], obj=factory)
    assert r.exit_code == 0, r.output
    assert [e.settings.watch for e in made] == [False, True]
    r = CliRunner().invoke(cli, ["--no-watch", "ask", "x", "--notes", str(notes)], obj=factory)
    assert r.exit_code == 2 and "--no-watch" in r.output


# ---------------------------------------------------------------------- one writer


@run_async
async def test_reindex_and_a_live_refresh_never_run_at_once(tmp_path):
    engine = make_engine(tmp_path)
    notes = engine.notes_root
    running: list[str] = []
    overlaps: list[list[str]] = []
    order: list[str] = []
    guard = threading.Lock()

    def tracked(name: str, fn, delay: float):
        """`fn`, recorded, then `delay` seconds more inside it (the write lock still held)."""

        def refresh(**kw):
            with guard:
                running.append(name)
                if len(running) > 1:
                    overlaps.append(list(running))
                order.append(name)
            try:
                report = fn(**kw)
                order.append(f"{name} done")
                time.sleep(delay)
                return report
            finally:
                with guard:
                    running.remove(name)

        return refresh

    real_twin = engine.twin

    def twin():
        t = real_twin()
        t.refresh = tracked("live", t.refresh, 0.0)
        return t

    engine.twin = twin
    app = new_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        live = await following(pilot)
        assert order in ([], ["live", "live done"])  # the catch-up filled in the line vectors
        order.clear()
        chat = app.chat_screen
        notices: list[str] = []
        real_notify = app.notify
        app.notify = lambda message, **kw: (notices.append(message), real_notify(message, **kw))
        engine.refresh = tracked("reindex", engine.refresh, 1.0)  # a slow Ctrl+R
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "reindex done" in order, "the re-index to scan the notes")
        (notes / "bread.md").write_text(BREAD_NOTE, encoding="utf-8")  # saved meanwhile
        await until(pilot, lambda: "live" in order, "the live refresh", timeout=TIMEOUT)
        await until(pilot, lambda: not chat.indexing and live.refreshes == 1, "both to end")
        assert overlaps == []
        assert order == ["reindex", "reindex done", "live", "live done"]  # waited for Ctrl+R
        assert in_step(engine.index_dir, notes)
        assert not any("another index run" in n for n in notices)  # our own: not reported
        # And Ctrl+R right after a live refresh runs as usual.
        await pilot.press("ctrl+r")
        await until(pilot, lambda: order.count("reindex done") == 2, "Ctrl+R")
        await until(pilot, lambda: not chat.indexing, "Ctrl+R to end")
        assert overlaps == []
    stop_and_join(live)


# ---------------------------------------------------------------------- LiveNotes


def test_watching_loads_no_model_until_a_change(tmp_path):
    """The catch-up once the watch is up finds the notes as indexed: no index model load.
    The first real change loads it (once, shared with the chat's engine)."""
    engine = make_engine(tmp_path)
    engine.refresh(export=False)
    fake = engine.models.fixed
    engine.models.fixed = None
    engine.models._index = None  # as after a start whose index was fresh (ONNX queries)
    engine.models.model_id = lambda: fake.model_id
    engine.models.precision = lambda: fake.precision
    loads: list[int] = []

    def load(defer: bool = False, on_load: Any = None):
        if on_load is not None:
            on_load()  # as a model about to load says so
        loads.append(1)
        engine.models._index = fake
        return fake

    engine.models.index_embedder = load
    refreshed: list[Any] = []
    stages: list[tuple[str, int, int]] = []
    live = LiveNotes(
        engine,
        threading.Lock(),
        on_progress=lambda *a: stages.append(a),
        on_refreshed=lambda report, paths, info: refreshed.append((report, paths, info)),
        on_notice=lambda text: None,
        on_stopped=lambda reason: None,
        **WATCH,
    )
    live.start()
    try:
        assert live.ready.wait(TIMEOUT)
        assert loads == [] and refreshed == []
        (engine.notes_root / "bread.md").write_text(BREAD_NOTE, encoding="utf-8")
        deadline = time.monotonic() + TIMEOUT
        while not refreshed and time.monotonic() < deadline:
            time.sleep(0.1)
        report, paths, info = refreshed[0]
        assert (report.added, paths, info.files) == (1, ["bread.md"], 3)
        assert loads == [1]
        assert stages[:2] == [("refresh", 0, 0), ("model", 0, 0)]  # said before the load
        # The chat's engine answers from the new index without refreshing.
        assert engine.search("sourdough bread oven", k=1)[0].chunk.path == "bread.md"
    finally:
        stop_and_join(live)


def test_twin_shares_models_not_the_connection(tmp_path):
    engine = make_engine(tmp_path)
    engine.refresh(export=False)
    twin = engine.twin()
    assert twin.models is engine.models
    assert (twin.notes_root, twin.index_dir) == (engine.notes_root, engine.index_dir)
    assert twin.store() is not engine.store()
    assert twin.store().conn is not engine.store().conn
    engine.search("load balancer", k=1)  # the chat's store loads its FAISS copy
    (engine.notes_root / "bread.md").write_text(BREAD_NOTE, encoding="utf-8")
    twin.refresh(wait=True, export=False)
    hits = engine.search("sourdough bread oven temperature", k=1)  # no refresh by `engine`
    assert hits[0].chunk.path == "bread.md"
    twin.close()


# ---------------------------------------------------------------------- equality


QUESTIONS = [
    LB_QUESTION,
    BREAD_QUESTION,
    "What do the notes say about the lemon cake?",
    "Which scaling options does ECS Service Autoscaling offer?",
    "What is in the garden notes about tomatoes?",
    "How do I configure Kubernetes ingress controllers?",
]


@run_async
async def test_an_index_built_live_answers_like_a_fresh_build(tmp_path):
    """Edits followed live into index A; the final notes built fresh into index B: the same
    questions get the same answers (text, outcome, citations) from both."""
    engine = make_engine(tmp_path)
    notes = engine.notes_root
    aws = notes / "aws-containers.md"
    app = new_app(engine)
    edits = [
        lambda: (notes / "bread.md").write_text(BREAD_NOTE, encoding="utf-8"),
        lambda: (notes / "cake.md").write_text(
            "# Cake\n\nA lemon cake needs three lemons.\n", "utf-8"
        ),
        lambda: aws.write_text(
            aws.read_text(encoding="utf-8")
            + "\n## Extra\n\nAn extra section about ECS capacity providers.\n",
            encoding="utf-8",
        ),
        lambda: (notes / "markup-trap.md").unlink(),
        lambda: (notes / "cake.md").rename(notes / "lemon-cake.md"),
        lambda: (notes / "garden").mkdir(),
        lambda: (notes / "garden" / "tomatoes.md").write_text(
            "# Garden\n\n## Tomatoes\n\nWater the tomatoes in the garden every morning.\n", "utf-8"
        ),
        lambda: (notes / "bread.md").write_text(
            BREAD_NOTE.replace("40 minutes", "45 minutes"), encoding="utf-8"
        ),
    ]
    async with app.run_test(size=SIZE) as pilot:
        live = await following(pilot)
        for edit in edits:
            edit()
            await until(pilot, lambda: in_step(engine.index_dir, notes), "the index to follow")
        assert live.refreshes >= 5
        live_answers = [await ask(pilot, q) for q in QUESTIONS]
        with app.engine_lock:
            live_hits = [engine.search(q, k=5) for q in QUESTIONS]
    stop_and_join(live)
    fresh = Engine(
        load_settings(notes=notes, index=tmp_path / "fresh-index"), embedder=FakeEmbedder()
    )
    fresh.refresh(export=False)
    fresh_answers = [fresh.ask(q, explain=True) for q in QUESTIONS]
    fresh_hits = [fresh.search(q, k=5) for q in QUESTIONS]
    assert indexed_paths(engine.index_dir) == indexed_paths(fresh.index_dir)
    for q, a, b in zip(QUESTIONS, live_answers, fresh_answers, strict=True):
        assert (a.text, a.outcome, a.abstained) == (b.text, b.outcome, b.abstained), q
        assert cites(a) == cites(b), q
        assert [c.score for c in a.citations] == pytest.approx([c.score for c in b.citations])
    for q, a, b in zip(QUESTIONS, live_hits, fresh_hits, strict=True):
        key = [(h.chunk.path, h.chunk.start_line, h.chunk.end_line) for h in a]
        assert key == [(h.chunk.path, h.chunk.start_line, h.chunk.end_line) for h in b], q
    assert any(a.citations and a.citations[0].path == "garden/tomatoes.md" for a in live_answers)
    assert any("45 minutes" in c.quote for a in live_answers for c in a.citations)


@run_async
async def test_the_first_build_answers_before_its_line_vectors_which_follow_in_background(
    tmp_path,
):
    """Following the notes, the start-up build stops after the sections (the chat is ready
    sooner) and the watch's catch-up embeds the lines; a question meanwhile is fully answered
    (it embeds the lines it needs). With `watch` off the build does both, as before."""
    engine = make_engine(tmp_path)
    gate = threading.Event()
    hold_live_refreshes(engine, gate)
    app = new_app(engine)
    states = record_states(app.chat_screen)
    async with app.run_test(size=SIZE) as pilot:
        chat = app.chat_screen
        await until(pilot, lambda: chat.ready, "the index")
        store = Store.open(engine.index_dir, create=False)
        try:
            assert store.line_vectors_missing()  # left to the catch-up, which is held
            answer = await ask(pilot, LB_QUESTION)
            assert answer.outcome in ("answered", "partly_covered") and answer.citations
            gate.set()
            await until(pilot, lambda: not store.line_vectors_missing(), "the line vectors")
            await until(pilot, lambda: chat.state_text == "index fresh", "the status after it")
        finally:
            gate.set()
            store.close()
        # No note changed: the status says what runs, each count with its own stage.
        assert "refreshing the index…" in states
        assert not any("notes changed" in s for s in states)
        first_lines = next(i for i, s in enumerate(states) if "embedding lines" in s)
        assert states[first_lines].startswith("refreshing: embedding lines of sections 0/")
        again = await ask(pilot, LB_QUESTION)
        assert cites(again) == cites(answer)  # stored lines answer as embedded ones did
        stop_and_join(chat.live)

    off = make_engine(tmp_path / "off", watch=False)
    app = new_app(off)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.chat_screen.ready, "the index")
        store = Store.open(off.index_dir, create=False)
        try:
            assert not store.line_vectors_missing()
        finally:
            store.close()


@run_async
async def test_an_empty_folder_says_it_has_no_notes_until_one_arrives(tmp_path):
    """An empty notes folder showed "index fresh", "0 files" and "Ask a question about your
    notes.": nothing said the folder held no notes until a question was answered with
    "Not in your notes.". The empty chat says so, and stops saying it once a note is saved."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")  # not a note
    app = new_app(make_engine(tmp_path, notes=notes))
    async with app.run_test(size=SIZE) as pilot:
        await following(pilot)

        def flat() -> str:
            return " ".join(screen_text(app).split())  # the notice wraps

        await until(pilot, lambda: f"No notes in {notes}" in flat(), "the notice")
        text = flat()
        assert (
            f"No notes in {notes} (only Markdown (.md, .markdown, .mdx, …) and .txt files are "
            "read;" in text
        )
        assert "Ask a question about your notes." not in text
        await app.chat_screen.run_action("new_conversation")  # said again in a new one
        await until(pilot, lambda: f"No notes in {notes}" in flat(), "the notice again")
        (notes / "bread.md").write_text(BREAD_NOTE, encoding="utf-8")
        await until(pilot, lambda: "No notes in" not in screen_text(app), "the notice to go")
        assert "Ask a question about your notes." in screen_text(app)
        answer = await ask(pilot, BREAD_QUESTION)
        assert answer.citations and answer.citations[0].path == "bread.md"
