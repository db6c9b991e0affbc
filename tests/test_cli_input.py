"""A user's mistakes on the command line and in settings: one line on stderr naming the option,
file or variable and the reason, the documented exit code, no traceback, nothing written.
In-process through click's runner, engines made with the fake embedder (the CLI's seam)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fakes import fake_engine
from helpers_robust import write

from assistant.cli import cli


def invoke(*args: str, input: str | None = None) -> Result:
    """The real CLI in this process; the engine factory is the fake one."""
    obj = {"engine_factory": fake_engine}
    return CliRunner().invoke(cli, list(args), input=input, obj=obj)


def one_error_line(r: Result, code: int = 2) -> str:
    """The single stderr line of a refused invocation (asserting its shape and exit code)."""
    assert r.exit_code == code, (r.exit_code, r.output, r.stderr)
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("assistant: error: "), lines[0]
    return lines[0]


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    d = tmp_path / "notes"
    write(d / "a.md", "# Alpha\nalpha one about clusters\n\n## Beta\nbeta two about tasks\n")
    return d


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The config file ASSISTANT_CONFIG names (the test writes it)."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("ASSISTANT_CONFIG", str(path))
    return path


def test_config_file_that_is_not_utf8_is_a_usage_error(
    tmp_path: Path, notes: Path, cfg: Path
) -> None:
    cfg.write_bytes(b"\xff\xfek = 3\n")
    r = invoke("ask", "--notes", str(notes), "--index", str(tmp_path / "idx"), "alpha?")
    line = one_error_line(r)
    assert line == f"assistant: error: cannot read config file {cfg}: not UTF-8 text"
    assert not (tmp_path / "idx").exists()


@pytest.mark.parametrize(
    "args, option",
    [
        (("ask", "--notes", "", "q"), "--notes"),
        (("ask", "--notes", "  ", "q"), "--notes"),
        (("search", "--index", "", "--notes", "NOTES", "q"), "--index"),
        (("--notes", "", "index"), "--notes"),
        (("index", "--drop", "--notes", "NOTES", "--index", ""), "--index"),
        (("eval", "--index", ""), "--index"),
    ],
)
def test_an_empty_path_option_is_a_usage_error_and_writes_nothing(
    args: tuple[str, ...], option: str, tmp_path: Path, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--notes ""` indexed the current folder (from ~, the home folder); `--index ""` left a
    write.lock in it."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    r = invoke(*(str(notes) if a == "NOTES" else a for a in args))
    assert f"Invalid value for '{option}': empty path" in one_error_line(r)
    assert list(cwd.iterdir()) == []


def test_an_empty_environment_variable_counts_as_unset(
    notes: Path, cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ASSISTANT_NOTES="" used to replace the config file's notes by the bundled ones."""
    from assistant.settings import load_settings

    cfg.write_text(f"notes = {str(notes)!r}\nk = 5\n")
    monkeypatch.setenv("ASSISTANT_NOTES", "")
    monkeypatch.setenv("ASSISTANT_K", "")
    s = load_settings()
    assert (s.notes, s.k) == (notes, 5)


@pytest.mark.parametrize(
    "args, expected",
    [
        (("ask", "-k", "0", "q"), "Invalid value for '-k': 0 is not in the range 1<=x<=50"),
        (("ask", "--mode", "foo", "q"), "Invalid value for '--mode': 'foo' is not one of"),
        (("ask", "--bogus", "q"), "No such option '--bogus' (see cli ask --help)"),
        (("frob",), "No such command 'frob' (see cli --help)"),
        (("ask",), "Missing argument 'QUESTION...' (see cli ask --help)"),
        (("eval", "--mode", "x"), "Invalid value for '--mode'"),
    ],
)
def test_click_usage_errors_are_one_line(args: tuple[str, ...], expected: str) -> None:
    """click printed three lines (Usage:, Try, Error:) where the README promises one."""
    assert expected in one_error_line(invoke(*args))


@pytest.mark.parametrize("args", [("--help",), ("ask", "--help"), ("eval", "-h"), ("--version",)])
def test_help_and_version_still_exit_0(args: tuple[str, ...]) -> None:
    r = invoke(*args)
    assert r.exit_code == 0 and r.stderr == "", r.stderr
    assert "Usage:" in r.stdout or "version" in r.stdout


@pytest.mark.parametrize("command", ["ask", "search"])
def test_dash_with_more_words_is_a_usage_error(command: str, notes: Path, tmp_path: Path) -> None:
    """`ask - extra words` asked the literal question "- extra words"."""
    base = ("--notes", str(notes), "--index", str(tmp_path / "idx"))
    r = invoke(command, *base, "-", "extra", "words", input="alpha one?\n")
    assert one_error_line(r).endswith("'-' reads the question from standard input: give it alone")
    assert not (tmp_path / "idx").exists()
    r = invoke(command, *base, "-", input="alpha one?\n")
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize("command, code", [("ask", 1), ("search", 1)])
@pytest.mark.parametrize("glob", ["[", "/etc/*", "**/nomatch"])
def test_a_path_glob_matching_no_note_is_said(
    command: str, code: int, glob: str, notes: Path, tmp_path: Path
) -> None:
    """`--path '['` answered "Not in your notes." with no hint that the glob was the cause."""
    base = ("--notes", str(notes), "--index", str(tmp_path / "idx"))
    r = invoke(command, *base, "--path", glob, "alpha one clusters")
    assert r.exit_code == code, r.stderr
    said = f"assistant: warning: --path {glob!r} matches no notes"
    assert said in r.stderr.splitlines()
    r = invoke(command, *base, "--path", glob, "what about Alpha clusters")
    assert "don't mention" not in r.stdout  # nothing searched: no section lacks "Alpha"
    r = invoke(command, *base, "--path", "a*", "alpha one clusters")
    assert r.exit_code == 0 and "matches no notes" not in r.stderr, r.stderr


def test_an_empty_path_glob_is_a_usage_error(notes: Path, tmp_path: Path) -> None:
    r = invoke("ask", "--notes", str(notes), "--index", str(tmp_path / "idx"), "--path", "", "q")
    assert "Invalid value for '--path': empty glob" in one_error_line(r)
    assert not (tmp_path / "idx").exists()


def test_a_question_that_names_nothing_is_a_usage_error(notes: Path, tmp_path: Path) -> None:
    """ "when?" and "who owns it?" were answered with a guess (the notes' closest line to
    nothing in particular). Asked on its own, a question of only question words and pronouns
    is a usage error, before any indexing; in the chat, after an answer, it is a follow-up
    ("why?" asks about the last turn's subject)."""
    from fakes import fake_engine

    from assistant.errors import UsageError
    from assistant.settings import load_settings
    from assistant.stages.query import Turn, contextual_query, is_follow_up

    for command, what in (("ask", "question"), ("search", "query")):
        r = invoke(command, "--notes", str(notes), "--index", str(tmp_path / "idx"), "when?")
        said = f"the {what} names nothing to search for ('when?' is all words such as"
        assert said in one_error_line(r)
    assert not (tmp_path / "idx").exists()
    assert is_follow_up("why?") and not is_follow_up("why is the sky blue?")
    turn = [Turn(question="How do I scale ECS?", searched_query="How do I scale ECS?")]
    assert contextual_query("why?", turn) == "How do I scale ECS?"
    eng = fake_engine(load_settings(notes=notes, index=tmp_path / "idx2"))
    eng.ensure_ready()
    with pytest.raises(UsageError, match="names nothing to search for"):
        eng.ask("What about it?")
    assert eng.ask("why?", history=turn).searched_query


def test_unknown_config_keys_are_warned_about_once(
    cfg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A typo (`bogus = 1`) or a `[section]` table was silently ignored."""
    from assistant.settings import load_settings

    cfg.write_text("bogus = 1\nk = 2\n[section]\nx = 1\n")
    assert load_settings().k == 2 and load_settings().k == 2
    assert capsys.readouterr().err.splitlines() == [
        f"assistant: warning: {cfg}: unknown setting 'bogus'",
        f"assistant: warning: {cfg}: unknown setting 'section'",
    ]


def test_a_config_file_named_by_the_environment_must_exist(
    notes: Path, cfg: Path, tmp_path: Path
) -> None:
    """ASSISTANT_CONFIG=/missing.toml was silent; the default config file may be missing."""
    r = invoke("ask", "--notes", str(notes), "--index", str(tmp_path / "idx"), "alpha?")
    assert one_error_line(r) == (
        f"assistant: error: cannot read config file {cfg} (from ASSISTANT_CONFIG): no such file"
    )


@pytest.mark.parametrize(
    "env, file, source",
    [
        ({"ASSISTANT_K": "abc"}, "", "ASSISTANT_K"),
        ({}, "k = 99\n", "CONFIG"),
        ({"ASSISTANT_K": "4"}, "k = 99\n", None),  # the variable wins: the file's k is unused
    ],
)
def test_a_bad_setting_names_where_it_came_from(
    env: dict[str, str],
    file: str,
    source: str | None,
    cfg: Path,
    notes: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cfg.write_text(file)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    r = invoke("ask", "--notes", str(notes), "--index", str(tmp_path / "idx"), "alpha one?")
    if source is None:
        assert r.exit_code in (0, 1), r.stderr
        return
    where = str(cfg) if source == "CONFIG" else source
    assert one_error_line(r).startswith(f"assistant: error: invalid setting k (from {where}): ")
    assert invoke("ask", "--notes", str(notes), "-k", "2", "alpha one?").exit_code in (0, 1)


@pytest.mark.parametrize("source", ["--index", "ASSISTANT_INDEX", "CONFIG"])
def test_an_index_setting_naming_a_file_is_a_usage_error(
    source: str, cfg: Path, notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--index FILE` was a usage error (exit 2) but the same file from ASSISTANT_INDEX or the
    config file was an unusable index (exit 3, "cannot create index folder …: File exists")."""
    a_file = tmp_path / "idx.txt"
    a_file.write_text("not an index\n")
    cfg.write_text("")
    args = ["ask", "--notes", str(notes), "alpha one?"]
    if source == "--index":
        args += ["--index", str(a_file)]
    elif source == "ASSISTANT_INDEX":
        monkeypatch.setenv("ASSISTANT_INDEX", str(a_file))
    else:
        cfg.write_text(f'index = "{a_file}"\n')
    line = one_error_line(invoke(*args))
    assert str(a_file) in line and "is a file" in line
    assert a_file.read_text() == "not an index\n"


@pytest.mark.parametrize("command", ["ask", "search", "index"])
def test_ctrl_c_is_one_line_and_exit_130(command: str, notes: Path, tmp_path: Path) -> None:
    """Ctrl+C said a bare "interrupted"; it is said as every other message is."""

    def interrupted(settings: object) -> None:
        raise KeyboardInterrupt

    args = [command, "--notes", str(notes), "--index", str(tmp_path / "idx")]
    args += [] if command == "index" else ["alpha one?"]
    r = CliRunner().invoke(cli, args, obj={"engine_factory": interrupted})
    assert r.exit_code == 130, (r.exit_code, r.stderr)
    assert r.stderr == "assistant: interrupted\n"


def test_a_long_query_is_said_truncated_as_a_query(notes: Path, tmp_path: Path) -> None:
    """`search` with a query over the limit warned "question truncated"."""
    r = invoke("search", "--notes", str(notes), "--index", str(tmp_path / "idx"), "alpha " * 500)
    assert "assistant: warning: query truncated to 2000 characters" in r.stderr, r.stderr


def test_mcp_port_without_http_is_a_usage_error() -> None:
    """`assistant mcp --port 8800` served stdio, the port silently unused."""
    line = one_error_line(invoke("mcp", "--port", "8800"))
    assert "--port" in line and "--http" in line


def test_ask_names_a_note_it_could_not_read(
    tmp_path: Path, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note made unreadable (`chmod 000`) was named only by `assistant index`: `ask` then
    said "Your notes don't mention untracked" with no word of the note it could not read.
    `ask` names it too, every time; a binary file named .md, left out by design, is named
    once, by the refresh that first left it out (then it is `index`'s to list). Tests run as
    root, which reads any file: the read is made to fail."""
    from corpus.read import NoteReadError
    from index import sync

    write(notes / "stash.md", "# Stash\ngit stash -u keeps untracked files\n")
    write(notes / "blob.md", "# Blob\nfine\n")
    real = sync.read_note

    def read(path: Path):
        if path.name == "stash.md":
            raise NoteReadError("permission denied")
        if path.name == "blob.md":
            raise NoteReadError("binary file")
        return real(path)

    monkeypatch.setattr(sync, "read_note", read)
    for run in ("refreshed", "fresh"):  # and again once the index is fresh (nothing refreshed)
        r = invoke("ask", "--notes", str(notes), "--index", str(tmp_path / "idx"), "untracked?")
        assert r.exit_code in (0, 1), (run, r.stderr)
        warning = "assistant: warning: skipped 'stash.md': permission denied"
        assert warning in r.stderr.splitlines(), (run, r.stderr)
        binary = "assistant: warning: skipped 'blob.md': binary file"
        assert (binary in r.stderr.splitlines()) == (run == "refreshed"), (run, r.stderr)


def test_ask_names_a_folder_it_could_not_enter_every_time(
    tmp_path: Path, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder made unreadable (`chmod 000 "Home Lab"`) was named by `index` only: `ask` on
    the index that refresh left fresh said "Your notes don't mention VLAN" and nothing of the
    folder. Tests run as root, whom chmod does not stop: entering the folder is made to fail."""
    import os

    write(notes / "Home Lab" / "vlan.md", "# VLANs\nThe IoT VLAN is 30\n")
    locked = os.fspath(notes / "Home Lab")
    real_scandir = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if os.fspath(path).rstrip("/") == locked:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    args = ["--notes", str(notes), "--index", str(tmp_path / "idx")]
    assert "skipped 'Home Lab': permission denied" in invoke("index", *args).stderr
    for _ in range(2):  # the index is fresh now: said all the same, once per run
        r = invoke("ask", *args, "Which VLAN is IoT on?")
        warning = "assistant: warning: skipped 'Home Lab': permission denied"
        assert r.stderr.splitlines().count(warning) == 1, r.stderr


def test_search_text_says_a_preview_is_one() -> None:
    """`search` showed a section's first three lines as if they were all of it: a longer one
    now ends "… N more lines", and a line cut for width ends in "…". The first line is left
    out only when it is the heading (a Logseq journal's first bullet was dropped)."""
    from assistant.output import format_hits
    from corpus.models import Chunk, text_hash
    from index.models import Hit

    text = "## Upgrading\n\n" + "\n".join(f"step {i}" for i in range(1, 6)) + "\n" + "x" * 200
    c = Chunk(id=1, path="n.md", heading_path=["Upgrading"], start_line=5, end_line=12,
              text=text, content_hash=text_hash(text))  # fmt: skip
    out = format_hits([Hit(chunk=c, score=0.5)], color=False).splitlines()
    assert out[1:] == ["   step 1", "   step 2", "   step 3", "   … 3 more lines"]
    short = c.model_copy(update={"text": "## Upgrading\n" + "y" * 200})
    tail = format_hits([Hit(chunk=short, score=0.5)], color=False).splitlines()[-1]
    assert tail == "   " + "y" * 159 + "…"
    # a section of no heading (a Logseq journal) keeps its first line: it is no heading
    outline = c.model_copy(update={"heading_path": [], "text": "- Sprint planning\n\t- 34 points"})
    lines = format_hits([Hit(chunk=outline, score=0.5)], color=False).splitlines()
    assert lines[1:] == ["   - Sprint planning", "   \t- 34 points"]


def test_a_follow_up_naming_a_subject_of_its_own_asks_about_it(notes: Path, tmp_path: Path) -> None:
    """ "How much salt goes in sourdough?" then "and in carbonara?" searched "salt goes
    sourdough carbonara" and quoted the sourdough note. A follow-up that names a subject (a
    word the user capitalised, or one a note's path holds) asks about it in place of the
    last question's subject of that kind ("and what about Globex?" searched "say globex",
    the topic "pricing" of a note's path dropped with the name "Acme"), or of the other kind
    when the last had none of that kind; one that names none carries every term, as before;
    the rule off, every term is carried."""
    from fakes import fake_engine

    from assistant.options import AnswerOptions
    from assistant.settings import load_settings
    from assistant.stages.query import Turn, contextual_query

    def subject(term: str, text: str) -> str | None:
        if term in {"acme", "globex", "sarah"}:
            return "name"
        return "path" if term in {"sourdough", "carbonara", "pricing"} else None

    salt = [Turn(question="How much salt goes in sourdough?", searched_query="How much salt "
                 "goes in sourdough?")]  # fmt: skip
    assert contextual_query("and in carbonara?", salt, subject) == "salt goes carbonara"
    assert contextual_query("and how long?", salt, subject) == "salt goes sourdough long"
    assert contextual_query("and in carbonara?", salt) == "salt goes sourdough carbonara"
    # a name replaces the last one's names, and keeps its topic: "say pricing globex"
    said = [Turn(question="x", searched_query="What did Sarah from Acme say about pricing?")]
    assert contextual_query("and what about Globex?", said, subject) == "say pricing globex"
    # no subject of the new one's kind before: the last subject is replaced whatever its kind
    # ("Thrall'ek" then "and ysene?", lower-case, a note's path word: not "thrall ek want ysene")
    gm = [Turn(question="x", searched_query="What does Thrall'ek want?")]
    kinds = {"thrall": "name", "ek": "name", "ysene": "path", "sourdough": "path"}
    assert contextual_query("and ysene?", gm, lambda t, _: kinds.get(t)) == "want ysene"
    assert contextual_query("and Sarah?", salt, subject) == "salt goes sarah"
    # ... but a word of many notes' paths (a topic, "lecture") replaces only a topic
    belady = [Turn(question="x", searched_query="What is Belady's anomaly?")]
    kinds = {"belady": "name", "lecture": "topic"}
    said_where = contextual_query("which lecture was that in?", belady, lambda t, _: kinds.get(t))
    assert said_where == "belady anomaly lecture"

    # a name is read as the user wrote it, not as the last query searched it: "and Loki?"
    # after "Which port does Grafana use?" and "and Prometheus?" searched "prometheus loki"
    def capital(term: str, text: str) -> str | None:
        if any(w.lower() == term and w[0].isupper() for w in text.replace("?", " ").split()):
            return "name"
        return "path" if term == "port" else None

    grafana = [Turn(question="Which port does Grafana use?",
                    searched_query="Which port does Grafana use?")]  # fmt: skip
    second = contextual_query("and Prometheus?", grafana, capital)
    assert second == "port prometheus"
    prom = [*grafana, Turn(question="and Prometheus?", searched_query=second)]
    assert contextual_query("and Loki?", prom, capital) == "port loki"

    # a carried word a note's path holds beside the new subject stays: "and on v2?" after
    # "How do I export all my data?" of data-export.md and data-export-v2.md searched "v2"
    def paths(term: str, text: str) -> str | None:
        return "path" if term in {"export", "data", "v2"} else None

    export = [Turn(question="How do I export all my data?",
                   searched_query="How do I export all my data?")]  # fmt: skip
    assert contextual_query("and on v2?", export, paths) == "v2"
    assert contextual_query("and on v2?", export, paths, lambda a, b: True) == "export data v2"
    # a numbered item replaces the last one of its word, and its word is no new subject
    # ("what about day 4?" after "…day 3 in Kyoto?" searched "3 day 4": Kyoto dropped)
    kyoto = [Turn(question="x", searched_query="What did I do on day 3 in Kyoto?")]
    kinds = {"kyoto": "name", "day": "path"}
    day4 = contextual_query("what about day 4?", kyoto, lambda t, _: kinds.get(t))
    assert day4 == "kyoto day 4"
    assert contextual_query("and lecture 8?", [Turn(question="x", searched_query="what is in "
                            "lecture 7 about paging")]) == "paging lecture 8"  # fmt: skip
    (notes / "recipes").mkdir()
    (notes / "recipes" / "carbonara.md").write_text("# Carbonara\n\nA pinch of salt.\n")
    (notes / "recipes" / "sourdough.md").write_text("# Sourdough\n\n10 g salt.\n")
    settings = load_settings(notes=notes, index=tmp_path / "idx")
    eng = fake_engine(settings)
    eng.ensure_ready()
    assert eng.ask("and in carbonara?", history=salt).searched_query == "salt goes carbonara"
    eng.options = AnswerOptions(new_subject=False)
    said = eng.ask("and in carbonara?", history=salt).searched_query
    assert said == "salt goes sourdough carbonara"


def test_an_index_folder_it_may_not_read_is_one_line_and_exit_3(
    notes: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index folder made unreadable (`chmod 000`; named by ASSISTANT_INDEX or the config
    file) was a traceback and exit 1, which a script reads as "not in your notes"; through
    --index it was click's "Directory … is not readable", exit 2. One line, exit 3, each way."""
    import index.keywords

    idx = tmp_path / "idx"
    assert invoke("index", "--notes", str(notes), "--index", str(idx)).exit_code == 0

    def denied(index_dir: Path):
        raise PermissionError(13, "Permission denied", str(index_dir / "keywords.sqlite"))

    monkeypatch.setattr(index.keywords, "open_preview", denied)
    for how in ("flag", "env"):
        args = ["--notes", str(notes)] + (["--index", str(idx)] if how == "flag" else [])
        if how == "env":
            monkeypatch.setenv("ASSISTANT_INDEX", str(idx))
        r = invoke("ask", *args, "alpha one?")
        assert one_error_line(r, 3).endswith("keywords.sqlite: permission denied"), how


def test_an_empty_path_in_the_config_file_is_refused(cfg: Path, tmp_path: Path) -> None:
    """`notes = ""` in the config file quietly answered from the bundled notes, while
    `--notes ""` is refused: the file is refused too, naming itself."""
    cfg.write_text('notes = ""\n', encoding="utf-8")
    r = invoke("ask", "--index", str(tmp_path / "idx"), "alpha?")
    said = one_error_line(r)
    assert f"invalid setting notes (from {cfg})" in said and "empty path" in said


def test_a_large_note_is_named_with_how_to_leave_it_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 20 MB chat export dropped into the notes was indexed for 9 minutes without a word
    (25,279 sections). `assistant index` names a note of `LARGE_NOTE_CHARS` or more that it
    read, and how to leave it out; the next run, the note unchanged, says nothing."""
    import index.sync

    monkeypatch.setattr(index.sync, "LARGE_NOTE_CHARS", 2_000)
    notes = tmp_path / "notes"
    write(notes / "small.md", "# Small\n\nA short note.\n")
    write(notes / "chat.txt", "\n".join(f"[12:{i % 60:02d}] Ana: line {i}" for i in range(200)))
    args = ("index", "--notes", str(notes), "--index", str(tmp_path / "idx"))
    r = invoke(*args)
    assert r.exit_code == 0, r.stderr
    warned = [line for line in r.stderr.splitlines() if "large note" in line]
    assert len(warned) == 1 and warned[0].startswith("assistant: warning: chat.txt (")
    assert "`.assistantignore`" in warned[0]
    assert "large note" not in invoke(*args).stderr


def test_a_question_naming_a_key_chord_searches_for_it_as_written(tmp_path: Path) -> None:
    """ "What does C-x C-e do?" was a usage error ("names nothing to search for": single
    letters and symbols are no search term) and "what does ⌘⇧L do?" was declined, though a
    cheat sheet's line writes each: a key chord is what the question names, quoted where the
    notes write it (the code rule)."""
    from fakes import indexed_engine, write_notes

    from assistant.stages.decide import references, writes
    from assistant.stages.query import chords, is_follow_up

    asked = {
        "What does C-x C-e do?": ["C-x C-e"],
        "what does ⌘⇧L do in vs code?": ["⌘⇧L"],
        "What does <leader>hs do?": ["<leader>hs"],
        "How do I open the palette, Ctrl+Shift+P?": ["Ctrl+Shift+P"],
        "what about C-M-f and M-x": ["C-M-f", "M-x"],
        "Who is in the C-suite?": [],
        "What size T-shirt did I order?": [],
    }
    for q, want in asked.items():
        assert chords(q) == want and references(q)[: len(want)] == want, q
    assert writes("- `C-x C-e` edit line", "C-x C-e")
    assert not writes("- `C-x C-f` find file", "C-x C-e")
    assert not writes("- `<leader>hsx` other", "<leader>hs")
    assert not is_follow_up("what does C-x C-e do?")
    notes = write_notes(
        tmp_path / "notes",
        {
            "emacs.md": "# Emacs\n\n## Files\n- `C-x C-f` find file\n- `C-x C-s` save\n\n"
            "## Lisp\n- `C-x C-e` eval last sexp\n- `M-:` eval expression\n",
            "vscode.md": "# VS Code\n\n## Cursors\n- ⌘D add next occurrence\n"
            "- ⌘⇧L select all occurrences\n",
        },
    )
    eng = indexed_engine(notes, tmp_path / "idx")
    for q, line in (
        ("What does C-x C-e do?", "- `C-x C-e` eval last sexp"),
        ("what does ⌘⇧L do?", "- ⌘⇧L select all occurrences"),
    ):
        a = eng.ask(q)
        assert a.outcome == "answered" and line in a.citations[0].quote.split("\n"), q
