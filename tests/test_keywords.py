"""A first build's keyword preview (index/keywords.py): while the vectors of a first index are
being made, readers answer by keywords from it, marked `keyword_matches`; it never outlives
the build, a stopped build's is written afresh, and the index's own invariants still hold.

Real SQLite FTS5, the fast fake embedder (gated, so a build can be held mid-way), temp
folders. The preview's size threshold is lowered for these small folders.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from fakes import FakeEmbedder

from assistant.cli import cli
from assistant.engine import Engine
from assistant.settings import load_settings
from assistant.stages import decide, render
from index import keywords
from index.store import KEYWORDS_DB, read_manifest
from index.sync import foreign_entries, sync, wipe, writer_lock

NOTES = {
    "kubernetes.md": "# Kubernetes\n\n## Pods\n\nA pod runs one or more containers.\n"
    "Pods share a network namespace.\n\n## Services\n\nA service gives pods a stable "
    "address.\n",
    "baking.md": "# Baking\n\n## Sourdough\n\nBake the sourdough loaf for 40 minutes at 250 "
    "degrees.\nFeed the starter the day before.\n",
    "git.md": "# Git\n\n## Rebase\n\nInteractive rebase rewrites the last commits: "
    "git rebase -i HEAD~3\n",
}


@pytest.fixture(autouse=True)
def small_preview(monkeypatch):
    """These folders have a few sections: write the preview whatever the size."""
    monkeypatch.setattr(keywords, "KEYWORDS_MIN_SECTIONS", 0)


def make_notes(root: Path) -> Path:
    notes = root / "notes"
    notes.mkdir()
    for name, text in NOTES.items():
        (notes / name).write_text(text, encoding="utf-8")
    return notes


class GatedEmbedder(FakeEmbedder):
    """The fake embedder, holding every call until `gate` is set (a build held mid-way)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.waiting = threading.Event()

    def embed(self, texts, progress=None) -> np.ndarray:
        self.waiting.set()
        assert self.gate.wait(20), "the test never released the build"
        return super().embed(texts, progress)


def engine_for(root: Path, notes: Path, embedder=None) -> Engine:
    settings = load_settings(notes=notes, index=root / "index")
    return Engine(settings, embedder=embedder or FakeEmbedder())


def build_in_background(engine: Engine) -> tuple[threading.Thread, list]:
    errors: list = []

    def run() -> None:
        try:
            engine.refresh(export=False)
        except BaseException as e:  # reported by the test
            errors.append(e)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, errors


def test_a_first_build_writes_the_preview_first_and_drops_it_once_the_index_answers(tmp_path):
    notes = make_notes(tmp_path)
    index_dir = tmp_path / "index"
    seen: list[tuple[str, int | None]] = []

    def progress(stage: str, done: int, total: int) -> None:
        preview = keywords.open_preview(index_dir)
        seen.append((stage, preview.counts()[1] if preview else None))
        if preview:
            preview.close()

    with writer_lock(index_dir):
        report = sync(index_dir, notes, FakeEmbedder(), progress=progress, keywords_min=0)
    stages = [s for s, _ in seen]
    assert stages.index("keywords") < stages.index("embed")
    assert dict(seen)["keywords"] == report.chunks  # every section, before any was embedded
    assert read_manifest(index_dir) is not None
    assert not (index_dir / KEYWORDS_DB).exists()
    assert keywords.open_preview(index_dir) is None


def test_no_preview_below_the_threshold_or_once_an_index_exists(tmp_path):
    notes = make_notes(tmp_path)
    index_dir = tmp_path / "index"
    stages: list[str] = []
    with writer_lock(index_dir):
        sync(index_dir, notes, FakeEmbedder(), progress=lambda s, d, t: stages.append(s))
    assert "keywords" not in stages  # sync's default: never
    (notes / "new.md").write_text("# New\n\nA new note.\n", encoding="utf-8")
    with writer_lock(index_dir):
        sync(index_dir, notes, FakeEmbedder(), progress=lambda s, d, t: stages.append(s),
             keywords_min=0)  # fmt: skip
    assert "keywords" not in stages  # the index answers already: an update needs no preview


def test_while_another_process_builds_ask_answers_by_keywords_and_says_so(tmp_path):
    notes = make_notes(tmp_path)
    embedder = GatedEmbedder()
    builder = engine_for(tmp_path, notes, embedder)
    thread, errors = build_in_background(builder)
    try:
        assert embedder.waiting.wait(10)
        reader = engine_for(tmp_path, notes)
        assert reader.ensure_ready() is None  # the lock is held: no second build
        answer = reader.ask("How long do I bake the sourdough loaf?")
        assert answer.outcome == "keyword_matches"
        assert answer.confidence == "low" and not answer.abstained
        assert answer.line_score == -1.0
        assert answer.text.startswith(render.KEYWORDS_NOTE)
        assert any("keyword matches" in n for n in answer.notices)
        first = answer.citations[0]
        assert first.path == "baking.md"
        lines = (notes / "baking.md").read_text().split("\n")
        assert first.quote == "\n".join(lines[first.start_line - 1 : first.end_line])
        assert "40 minutes" in first.quote
        # the vocabulary rule still works without vectors: a name the notes never use
        missing = reader.ask("How do I configure Terraform workspaces?")
        assert missing.outcome == "not_covered" and not missing.citations
        # search reads the preview by keywords too
        hits = reader.search("rebase commits")
        assert hits and hits[0].chunk.path == "git.md" and hits[0].dense_rank is None
        explained = reader.ask("stable address for pods", explain=True)
        assert explained.explain is not None
        assert explained.explain.decision.startswith("keyword matches")
    finally:
        embedder.gate.set()
        thread.join(20)
    assert not errors
    # the reader that held the preview open reads the finished index (MCP `status` once said
    # "index is inconsistent" here until another call reopened it)
    assert reader.stale_reason() is None
    assert reader.store().keywords_only is False
    after = engine_for(tmp_path, notes)
    assert reader.info().chunks == after.info().chunks
    reader.close()
    assert after.store().keywords_only is False
    full = after.ask("How long do I bake the sourdough loaf?")
    assert full.outcome != "keyword_matches" and full.line_score > -1.0
    assert keywords.open_preview(tmp_path / "index") is None


def test_ask_on_the_command_line_exits_0_for_keyword_matches(tmp_path):
    notes = make_notes(tmp_path)
    embedder = GatedEmbedder()
    thread, errors = build_in_background(engine_for(tmp_path, notes, embedder))
    try:
        assert embedder.waiting.wait(10)
        args = ["ask", "--notes", str(notes), "--index", str(tmp_path / "index"), "--json"]
        res = CliRunner().invoke(
            cli, [*args, "sourdough loaf minutes"], obj={"engine_factory": _fake_engine}
        )
        assert res.exit_code == 0, res.output
        assert '"outcome": "keyword_matches"' in res.stdout
        res = CliRunner().invoke(
            cli, [*args, "Terraform workspaces"], obj={"engine_factory": _fake_engine}
        )
        assert res.exit_code == 1  # not covered, as always
    finally:
        embedder.gate.set()
        thread.join(20)
    assert not errors


def _fake_engine(settings) -> Engine:
    return Engine(settings, embedder=FakeEmbedder())


def test_a_stopped_first_build_leaves_a_preview_the_next_build_rewrites_whole(tmp_path):
    notes = make_notes(tmp_path)
    index_dir = tmp_path / "index"

    class Failing(FakeEmbedder):
        def embed(self, texts, progress=None):
            raise RuntimeError("killed")

    with writer_lock(index_dir), pytest.raises(RuntimeError):
        sync(index_dir, notes, Failing(), keywords_min=0)
    preview = keywords.open_preview(index_dir)
    assert preview is not None and preview.counts()[0] == 3  # served until a build ends
    sections = preview.counts()[1]
    preview.close()
    (notes / "extra.md").write_text("# Extra\n\nOne more section.\n", encoding="utf-8")
    counts: list[int] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "keywords":
            counts.append(done)

    with writer_lock(index_dir):
        sync(index_dir, notes, FakeEmbedder(), progress=progress, keywords_min=0)
    assert counts == [sections + 1]
    assert keywords.open_preview(index_dir) is None and read_manifest(index_dir) is not None


def test_a_resumed_first_build_previews_the_notes_a_stopped_one_stored(tmp_path, monkeypatch):
    """Sections committed by a stopped build are in the next preview, read from the index."""
    from index import sync as sync_module

    monkeypatch.setattr(sync_module, "BATCH_CHUNKS", 1)  # commit file by file
    notes = make_notes(tmp_path)
    index_dir = tmp_path / "index"

    class FailsLater(FakeEmbedder):
        def embed(self, texts, progress=None):
            if self.calls >= 1:
                raise RuntimeError("killed")
            return super().embed(texts, progress)

    with writer_lock(index_dir), pytest.raises(RuntimeError):
        sync(index_dir, notes, FailsLater(), keywords_min=0)
    assert read_manifest(index_dir) is None
    held: list[tuple[int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "keywords":
            p = keywords.open_preview(index_dir)
            held.append(p.counts())
            hits = p.lexical_search('"sourdough"', 5) + p.lexical_search('"pods"', 5)
            assert len(hits) >= 2
            p.close()

    with writer_lock(index_dir):
        report = sync(index_dir, notes, FakeEmbedder(), progress=progress, keywords_min=0)
    assert held == [(3, report.chunks)]


def test_the_preview_is_the_index_folder_s_own_file():
    assert KEYWORDS_DB in keywords.NAMES


def test_wipe_removes_the_preview_and_it_is_no_foreign_file(tmp_path):
    index_dir = tmp_path / "index"
    index_dir.mkdir()
    (index_dir / KEYWORDS_DB).write_bytes(b"")
    (index_dir / f"{KEYWORDS_DB}-wal").write_bytes(b"")
    assert foreign_entries(index_dir) == []
    wipe(index_dir)
    assert not (index_dir / KEYWORDS_DB).exists()


def test_keyword_decision_passes_the_vocabulary_rule_only():
    from index.retrieve import TermInfo

    cov = [TermInfo(term="sourdough", chunks=3, covered=True)]
    d = decide.decide("sourdough", cov, [object()], -1.0, set(), keywords=True)  # type: ignore[list-item]
    assert d.outcome == "keyword_matches" and not d.abstain
    assert decide.confidence(d, 0.9) == "low"
    none = decide.decide("sourdough", cov, [], -1.0, set(), keywords=True)
    assert none.outcome == "not_covered"


def test_render_text_says_keyword_matches_first():
    text = render.render_text([], False, [], [], outcome="keyword_matches")
    assert text.splitlines()[0] == render.KEYWORDS_NOTE


def test_the_chat_answers_by_keywords_during_its_first_build_then_fully(tmp_path):
    """Pilot: a question typed while the chat's first build is held mid-way is answered from
    the preview, marked as keyword matches; the status line says so; once the index is ready
    the conversation says answers now weigh meaning, and the next answer is a full one."""
    pytest.importorskip("textual")
    from tui_helpers import run_async, screen_text

    from tui.app import AssistantApp

    notes = make_notes(tmp_path)
    embedder = GatedEmbedder()
    engine = engine_for(tmp_path, notes, embedder)
    app = AssistantApp(engine, notes_label="notes", watch_options={"debounce_ms": 100})

    async def until(pilot, predicate, what: str, timeout: float = 20.0) -> None:
        import time

        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            await pilot.pause(0.1)

    async def ask(pilot, question: str):
        chat = pilot.app.chat_screen
        before = chat.last_answer
        chat.question_input.focus()
        chat.question_input.value = question
        await pilot.press("enter")
        await until(pilot, lambda: chat.last_answer not in (None, before), "an answer")
        await pilot.pause()
        return chat.last_answer

    @run_async
    async def run() -> None:
        async with app.run_test(size=(110, 32)) as pilot:
            chat = app.chat_screen
            try:
                await until(pilot, lambda: chat.keywords_ready, "the keyword preview")
                assert not chat.ready
                answer = await ask(pilot, "How long do I bake the sourdough loaf?")
                assert answer.outcome == "keyword_matches"
                shown = screen_text(app)
                assert "Keyword matches only" in shown
                assert "keyword answers meanwhile" in shown.splitlines()[0]
                assert "40 minutes" in shown
            finally:
                embedder.gate.set()
            await until(pilot, lambda: chat.ready, "the index")
            await until(pilot, lambda: "answers now weigh meaning" in screen_text(app), "note")
            full = await ask(pilot, "How long do I bake the sourdough loaf?")
            assert full.outcome != "keyword_matches"
            chat.stop_live()

    run()
