"""The MCP tools' logic without the SDK (fast: fake embedder): freshness, a first build in the
background, concurrent calls, and the read tool's limits."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from fakes import FakeEmbedder

from assistant.engine import Engine
from assistant.errors import EngineError, UsageError
from assistant.mcp_server import MAX_READ_CHARS, MAX_READ_LINES, NotesServer
from assistant.settings import load_settings

pytestmark = pytest.mark.slow


class SlowEmbedder(FakeEmbedder):
    """A fake that takes a while per text, so a build is still running when a call comes."""

    def embed(self, texts, progress=None) -> np.ndarray:
        time.sleep(0.01 * len(texts))
        return super().embed(texts, progress)


def server(notes: Path, index: Path, embedder: FakeEmbedder | None = None) -> NotesServer:
    settings = load_settings(notes=notes, index=index)
    emb = embedder or FakeEmbedder()
    return NotesServer(Engine(settings, embedder=emb), builder=Engine(settings, embedder=emb))


@pytest.fixture
def many_notes(tmp_path: Path) -> Path:
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(120):
        (notes / f"n{i:03}.md").write_text(f"# Topic {i}\n\nNote {i} says word{i} often.\n")
    return notes


def test_a_first_build_runs_in_the_background_and_calls_say_how_far(
    many_notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("assistant.mcp_server.FIRST_BUILD_WAIT_S", 0.2)
    s = server(many_notes, tmp_path / "index", SlowEmbedder())
    t0 = time.monotonic()
    with pytest.raises(UsageError, match="is being built") as e:
        s.search("word7")
    assert time.monotonic() - t0 < 5  # never blocks for the whole build
    assert "call again" in str(e.value)
    assert s.status().building is not None
    deadline = time.monotonic() + 120
    while True:
        try:
            hits = s.search("word7", k=3).hits
            break
        except UsageError:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert hits[0].path == "n007.md"
    while s.status().building is not None:  # the build may go on (line vectors) once answerable
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert s.status().files == 120
    s.close()


def test_during_a_big_first_build_calls_get_keyword_matches_that_say_so(
    many_notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the keyword preview written (index/keywords.py), a call during the first build
    answers by keywords, with a notice, instead of a tool error; then fully once built."""
    from index import keywords

    monkeypatch.setattr("assistant.mcp_server.REFRESH_WAIT_S", 0.2)
    monkeypatch.setattr(keywords, "KEYWORDS_MIN_SECTIONS", 100)  # 120 notes: a big folder here
    s = server(many_notes, tmp_path / "index", SlowEmbedder())
    deadline = time.monotonic() + 60
    while True:  # the preview is written after the notes are read: a moment
        try:
            result = s.search("word7", k=3)
            break
        except UsageError:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert result.hits[0].path == "n007.md"
    assert any("keyword matches" in n for n in result.notices)
    during = s.status()  # the preview's counts while it answers, not zeros
    assert during.files == 120 and during.sections >= 120
    monkeypatch.setattr("assistant.mcp_server.REFRESH_WAIT_S", 30.0)
    t = time.monotonic()
    answer = s.ask("What does note 7 say about word7?")
    assert time.monotonic() - t < 5  # the preview answers: no wait for the build (30 s)
    assert answer.outcome == "keyword_matches"
    assert answer.citations[0].path == "n007.md"
    while s.status().building is not None:
        assert time.monotonic() < deadline + 120
        time.sleep(0.2)
    assert s.ask("What does note 7 say about word7?").outcome != "keyword_matches"
    s.close()


def test_once_ready_the_server_follows_the_notes_without_a_call(
    many_notes: Path, tmp_path: Path
) -> None:
    """As the chat does: a saved note is indexed in the background, before any call asks."""
    from index.store import Store

    settings = load_settings(notes=many_notes, index=tmp_path / "index")
    emb = FakeEmbedder()
    s = NotesServer(
        Engine(settings, embedder=emb),
        builder=Engine(settings, embedder=emb),
        watch_options={"debounce_ms": 100},
    )
    assert s.search("word3").hits[0].path == "n003.md"
    assert s.live is not None
    assert s.live.ready.wait(20), "the watch did not come up"
    (many_notes / "new.md").write_text("# Fresh\n\nzebracorn facts live here.\n")

    def indexed() -> bool:
        store = Store.open(tmp_path / "index", create=False)
        try:
            return "new.md" in store.file_rows()
        finally:
            store.close()

    deadline = time.monotonic() + 20
    while not indexed():  # no call made: the watch refreshed the index on its own
        assert time.monotonic() < deadline, "the saved note was not indexed in the background"
        time.sleep(0.1)
    result = s.search("zebracorn")
    assert result.hits[0].path == "new.md" and result.notices == []
    s.close()
    assert s.live.done.wait(5)


def test_with_watch_off_the_server_only_checks_per_call(many_notes: Path, tmp_path: Path) -> None:
    settings = load_settings(notes=many_notes, index=tmp_path / "index", watch=False)
    emb = FakeEmbedder()
    s = NotesServer(Engine(settings, embedder=emb), builder=Engine(settings, embedder=emb))
    assert s.search("word3").hits[0].path == "n003.md"
    assert s.live is None
    s.close()


def test_an_edit_is_seen_and_concurrent_calls_are_safe(
    many_notes: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = server(many_notes, tmp_path / "index")
    assert s.search("word3").hits[0].path == "n003.md"
    (many_notes / "new.md").write_text("# Fresh\n\nzebracorn facts live here.\n")
    capsys.readouterr()
    assert s.search("zebracorn").hits[0].path == "new.md"  # refreshed before answering
    said = capsys.readouterr()
    assert "assistant: Indexed: 1 added" in said.err and said.out == ""  # stdout: protocol's

    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            for j in range(10):
                assert s.search(f"word{(i * 10 + j) % 120}", k=2).hits
                s.ask(f"What does note {i} say?")
                s.read("n001.md")
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    s.close()


def test_read_is_capped_and_refuses_paths_outside(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "long.md").write_text("# Long\n" + "".join(f"line {i}\n" for i in range(2, 1201)))
    s = server(notes, tmp_path / "index")
    part = s.read("long.md")
    assert part.truncated and part.end_line == MAX_READ_LINES and part.total_lines == 1200
    assert part.text.split("\n")[-1] == f"line {MAX_READ_LINES}"
    tail = s.read("long.md", 1190, 1200)
    assert not tail.truncated and tail.text.split("\n") == [f"line {i}" for i in range(1190, 1201)]
    (tmp_path / "outside.md").write_text("# Outside\n")
    for bad in ("../long.md", str(tmp_path / "outside.md"), "missing.md", "sub/../../x.md"):
        with pytest.raises(UsageError):
            s.read(bad)
    with pytest.raises(UsageError, match="before start_line"):
        s.read("long.md", 10, 5)
    s.close()


class FailingOnce(Engine):
    """A builder whose first refresh fails with an error no one planned for."""

    failures = 1

    def ensure_ready(self, *a, **k):
        if FailingOnce.failures:
            FailingOnce.failures -= 1
            raise OSError("disk hiccup")
        return super().ensure_ready(*a, **k)


def test_a_failed_refresh_is_reported_and_the_next_call_retries(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Alpha\n\nALB is preferred.\n")
    settings = load_settings(notes=notes, index=tmp_path / "index")
    emb = FakeEmbedder()
    s = NotesServer(Engine(settings, embedder=emb), builder=FailingOnce(settings, embedder=emb))
    with pytest.raises(EngineError, match=r"index refresh failed.*disk hiccup"):
        s.search("alb")
    assert s.search("alb").hits[0].path == "a.md"  # not wedged on the failed job
    s.close()


def test_ask_takes_k_from_the_settings_like_the_cli(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    for i in range(6):
        (notes / f"n{i}.md").write_text(f"# Port {i}\n\nThe port setting {i} is 80{i}.\n")
    settings = load_settings(notes=notes, index=tmp_path / "index", k=1)
    engine = Engine(settings, embedder=FakeEmbedder())
    s = NotesServer(engine, builder=Engine(settings, embedder=FakeEmbedder()))
    got = s.ask("Which port setting?")
    want = engine.ask("Which port setting?")
    assert len(engine.ask("Which port setting?", k=3).citations) > len(want.citations) == 1
    assert [c.path for c in got.citations] == [c.path for c in want.citations]
    s.close()


def test_ask_takes_paths_like_ask_path(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes / "web").mkdir(parents=True)
    (notes / "web" / "a.md").write_text("# Port\n\nThe web port setting is 8080.\n")
    (notes / "db.md").write_text("# Port\n\nThe database port setting is 5432.\n")
    s = server(notes, tmp_path / "index")
    assert {c.path for c in s.ask("Which port setting?", k=3).citations} == {"web/a.md", "db.md"}
    only = s.ask("Which port setting?", k=3, paths=["web/*"])
    assert [c.path for c in only.citations] == ["web/a.md"]
    assert "paths 'nope/*' matches no notes" in s.ask("Which port?", paths=["nope/*"]).notices
    with pytest.raises(UsageError, match="paths: empty glob"):
        s.ask("Which port?", paths=[" "])
    s.close()


def test_read_is_capped_in_characters_too(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    wide = "x" * (MAX_READ_CHARS // 3)
    (notes / "wide.md").write_text("# Wide\n" + "".join(f"{wide}\n" for _ in range(5)))
    (notes / "huge.md").write_text("# Huge\n" + "y" * (MAX_READ_CHARS + 1) + "\n")
    s = server(notes, tmp_path / "index")
    part = s.read("wide.md")
    assert part.truncated and len(part.text) <= MAX_READ_CHARS
    assert (part.start_line, part.end_line) == (1, 3)  # the heading and two wide lines
    assert part.text.split("\n") == ["# Wide", wide, wide]
    rest = s.read("wide.md", 4, 6)
    assert rest.truncated and rest.end_line == 5
    with pytest.raises(UsageError, match="line 2 alone holds"):
        s.read("huge.md", 2)
    assert s.read("huge.md", 1, 1).text == "# Huge"
    s.close()


def test_search_says_which_paths_match_no_notes(tmp_path: Path) -> None:
    """A `paths` glob that matches no note found nothing without a word; an empty one is a
    tool error."""
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "sub" / "a.md").write_text("# Alpha\n\nalpha one about clusters\n")
    s = server(notes, tmp_path / "index")
    found = s.search("alpha clusters", paths=["sub", "["])
    assert found.hits and found.notices == ["paths '[' matches no notes"]
    assert s.search("alpha clusters", paths=["sub/*"]).notices == []
    with pytest.raises(UsageError, match="paths: empty glob"):
        s.search("alpha clusters", paths=[""])
    s.close()


class GatedEmbedder(FakeEmbedder):
    """A fake that, while `gate` is clear, holds each embedding on the refresh thread until it
    is set, and says when one is waiting (`entered`): a refresh then runs as long as a test
    needs, while questions are embedded at once."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def embed(self, texts, progress=None) -> np.ndarray:
        if not self.gate.is_set() and threading.current_thread().name.startswith("refresh"):
            self.entered.set()
            assert self.gate.wait(30)
        return super().embed(texts, progress)


def quiet_server(notes: Path, index: Path, embedder: FakeEmbedder) -> NotesServer:
    """A server that only checks per call (no watch), so a test decides when refreshes run."""
    settings = load_settings(notes=notes, index=index, watch=False)
    return NotesServer(
        Engine(settings, embedder=embedder), builder=Engine(settings, embedder=embedder)
    )


def test_a_first_build_of_seconds_is_waited_for_by_every_call_not_by_the_warm_up(
    many_notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a new 14-note folder an agent's first three calls failed ("is being built; call
    again shortly") though the build took 4.5 s: the server's warm-up waited out the call's
    3 s itself, and marked the build as outlasted, so each call then waited half a second.
    With no index to answer from, the warm-up starts the build and waits for none, and every
    call waits for it in full (FIRST_BUILD_WAIT_S)."""
    monkeypatch.setattr("assistant.mcp_server.REFRESH_WAIT_S", 0.2)
    monkeypatch.setattr("assistant.mcp_server.OUTLASTED_WAIT_S", 0.1)
    monkeypatch.setattr("assistant.mcp_server.FIRST_BUILD_WAIT_S", 60.0)
    emb = GatedEmbedder()
    emb.gate.clear()
    s = quiet_server(many_notes, tmp_path / "index", emb)
    s.warm().join(10)
    assert emb.entered.wait(10)  # the warm-up started the build, which now waits
    result: list[object] = []
    caller = threading.Thread(target=lambda: result.append(s.search("word7", k=3)))
    caller.start()
    time.sleep(1.0)  # past every shorter wait: the call still waits
    assert caller.is_alive() and not result
    emb.gate.set()
    caller.join(30)
    assert result and result[0].hits[0].path == "n007.md"  # type: ignore[attr-defined]
    s.close()


def test_a_call_right_after_another_still_sees_an_edit(many_notes: Path, tmp_path: Path) -> None:
    """An agent edits a note and asks at once: no scan of the folder is trusted for a while."""
    s = quiet_server(many_notes, tmp_path / "index", FakeEmbedder())
    assert s.search("word3").hits[0].path == "n003.md"
    (many_notes / "new.md").write_text("# Fresh\n\nzebracorn facts live here.\n")
    result = s.search("zebracorn")
    assert result.hits[0].path == "new.md" and result.notices == []
    assert s.read("new.md").text.endswith("zebracorn facts live here.")
    s.close()


def test_an_edit_made_while_a_refresh_runs_is_never_missed_silently(
    many_notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refresh that outlasts its call's wait (a bf16 rebuild loading torch) read the notes
    before a later edit: the call after the edit checks again rather than taking that
    refresh's end for a fresh index, and says so while it cannot wait."""
    emb = GatedEmbedder()
    s = quiet_server(many_notes, tmp_path / "index", emb)
    s.engine.refresh()  # built before the short wait: a loaded machine may take longer
    monkeypatch.setattr("assistant.mcp_server.REFRESH_WAIT_S", 0.3)
    assert s.search("word3").hits[0].path == "n003.md"
    emb.gate.clear()
    (many_notes / "n001.md").write_text("# Topic 1\n\nNote 1 now says quokka.\n")
    slow = s.search("quokka")  # the refresh waits in the embedder: answered from the last index
    assert any("being refreshed" in n for n in slow.notices), slow.notices
    assert s.status().building is not None
    assert emb.entered.wait(10)
    (many_notes / "okapi.md").write_text("# Okapi\n\nThe okapi eats leaves every morning.\n")
    monkeypatch.setattr("assistant.mcp_server.REFRESH_WAIT_S", 10.0)
    t = time.monotonic()
    during = s.search("okapi")  # that refresh still runs: said, not silent
    assert time.monotonic() - t < 3  # and not waited out again: a call waited for it already
    assert any("being refreshed" in n for n in during.notices), during.notices
    with pytest.raises(UsageError, match="being refreshed"):
        s.read("okapi.md")  # not in the index yet, and the error says why
    emb.gate.set()
    deadline = time.monotonic() + 20
    while s._job is not None and not s._job.done():  # the refresh ends between calls
        assert time.monotonic() < deadline
        time.sleep(0.02)
    after = s.search("okapi")  # that refresh predates okapi.md: checked again, refreshed
    assert after.hits[0].path == "okapi.md", [h.path for h in after.hits]
    assert not any("being refreshed" in n for n in after.notices)
    assert s.ask("What does the okapi eat?").outcome == "answered"
    assert s.status().building is None and s.status().stale is None
    s.close()


def test_status_says_when_the_index_is_behind_or_being_refreshed(
    many_notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = quiet_server(many_notes, tmp_path / "index", FakeEmbedder())
    s.engine.refresh()  # built before the short wait: a loaded machine may take longer
    monkeypatch.setattr("assistant.mcp_server.REFRESH_WAIT_S", 0.2)
    s.search("word3")
    assert s.status().stale is None and s.status().building is None
    (many_notes / "new.md").write_text("# Fresh\n\nzebracorn facts live here.\n")
    assert s.status().stale == "notes were added or removed"
    with s._write_lock:  # the watch's refresh of this process writing meanwhile
        assert s.status().building is not None and s.status().stale is None
        result = s.search("zebracorn")  # waits for that refresh no longer than it may
        assert any("being refreshed" in n for n in result.notices), result.notices
    assert s.search("zebracorn").hits[0].path == "new.md"
    assert s.status().stale is None
    s.close()


def test_a_skipped_note_is_named_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The server's log (stderr) said "1 skipped" without saying which note, or why; then it
    named the note again on every refresh while it stayed skipped."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Alpha\n\nalpha one about clusters\n")
    (notes / "bin.md").write_bytes(b"\x00\x01\x02 not text \x00" * 20)
    s = server(notes, tmp_path / "index")
    s.search("alpha clusters")
    err = capsys.readouterr().err
    assert "assistant: warning: skipped 'bin.md': " in err, err
    (notes / "b.md").write_text("# Beta\n\nbeta two about pods\n")
    assert s.search("beta pods").hits[0].path == "b.md"  # refreshed: still skipped, not again
    err = capsys.readouterr().err
    assert "1 added" in err and "bin.md" not in err, err
    s.close()


def test_a_vanished_notes_folder_is_a_one_line_error_and_status_names_it(
    tmp_path: Path,
) -> None:
    """A renamed folder or an unmounted drive while serving: each tool says so in one line
    (no traceback), `status` still answers with the reason, and all works again once back."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Backups\n\nBackups run at 02:00.\n")
    s = server(notes, tmp_path / "index")
    assert s.search("backups").hits[0].path == "a.md"
    notes.rename(tmp_path / "moved")
    gone = f"notes folder not found: {notes.resolve()}"
    for call in (lambda: s.search("backups"), lambda: s.ask("Backups?"), lambda: s.read("a.md")):
        with pytest.raises(UsageError) as e:
            call()
        assert str(e.value).startswith(gone) and "\n" not in str(e.value)
    status = s.status()
    assert status.problem is not None and status.problem.startswith(gone)
    assert status.files == 1  # the index is still described
    (tmp_path / "moved").rename(notes)
    assert s.ask("Backups?").citations[0].path == "a.md"
    assert s.status().problem is None
    s.close()


def test_read_normalises_paths_and_says_why_a_file_is_not_served(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes / "sub").mkdir(parents=True)
    (notes / "a.md").write_text("# A\n")
    (notes / "bin.md").write_bytes(b"\x00\x01\x02 binary\n")
    (notes / "data.csv").write_text("a,b\n")
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n")
    (notes / "out.md").symlink_to(outside)
    (notes / "a-link.md").symlink_to(notes / "a.md")  # indexed once, as a.md
    s = server(notes, tmp_path / "index")
    for given in ("./a.md", "sub/../a.md", "a.md"):
        got = s.read(given)
        assert (got.path, got.text) == ("a.md", "# A")  # named as the index names it
    with pytest.raises(UsageError, match=r"^a\.md has 1 line; start_line 2 is past the end$"):
        s.read("a.md", 2)
    reasons = {
        "bin.md": r"bin\.md: skipped when indexed \(.*binary",
        "out.md": r"out\.md: leads outside the notes folder",
        "nope.md": r"nope\.md: no such note in ",
        "data.csv": r"data\.csv: not a note in the index of .*not a Markdown or \.txt file",
        "a-link.md": r"^a-link\.md: same file as 'a\.md', indexed under that path$",
    }
    for path, reason in reasons.items():
        with pytest.raises(UsageError, match=reason):
            s.read(path)
    s.close()


def test_read_takes_a_citation_as_the_tools_print_it(tmp_path: Path) -> None:
    """An agent passes back what it was given: the citation label ("[1] path:3-4 › A › B"),
    the hit's `absolute_path`, lines as a code host writes them ("#L3-L4"), a name with its
    accents decomposed (as macOS clients send it). Each was "no such note"."""
    import unicodedata

    notes = tmp_path / "notes"
    (notes / "k8s").mkdir(parents=True)
    (notes / "k8s" / "debug.md").write_text("# Debug\n\n## Pods\nkubectl describe pod\nlogs\n")
    (notes / "café.md").write_text("# Café\nespresso\n")
    s = server(notes, tmp_path / "index")
    for given in (
        "[1] k8s/debug.md:4-5 › Debug › Pods",
        "k8s/debug.md:4-5 › Debug › Pods",
        "k8s/debug.md#L4-L5",
        "k8s/debug.md:L4-L5",
        f"{notes}/k8s/debug.md:4-5",
    ):
        got = s.read(given)
        assert (got.path, got.start_line, got.end_line) == ("k8s/debug.md", 4, 5), given
        assert got.text == "kubectl describe pod\nlogs"
    assert s.read(str(notes / "k8s" / "debug.md")).total_lines == 5
    assert s.read(unicodedata.normalize("NFD", "café.md")).text == "# Café\nespresso"
    # A link as a Notion export writes it, URL-encoded, followed by an agent.
    (notes / "Team Wiki").mkdir()
    (notes / "Team Wiki" / "On call.md").write_text("# On call\npage the primary\n")
    assert s.read("Team%20Wiki/On%20call.md:2").text == "page the primary"
    with pytest.raises(UsageError, match="no such note"):
        s.read("[1] k8s/nope.md:4-5 › Debug")
    s.close()
