"""The CLI through its real entry point (`assistant` on PATH): exit codes, text and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.read import read_note, split_lines


def run(
    *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "assistant"
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [str(exe), *args], capture_output=True, text=True, input=input, env=full_env, timeout=300
    )


def test_help_and_version() -> None:
    r = run("--help")
    assert r.returncode == 0
    for cmd in ("ask", "search", "index", "mcp"):
        assert cmd in r.stdout
    assert "Exit codes" in r.stdout
    v = run("--version")
    assert v.returncode == 0 and "assistant" in v.stdout


@pytest.mark.parametrize("module", ["assistant", "assistant.cli"])
def test_python_dash_m_runs_the_command(module: str) -> None:
    """`python -m assistant` (or `assistant.cli`) in a checkout is the `assistant` command,
    not a silent exit 0 that builds nothing."""
    r = subprocess.run(
        [sys.executable, "-m", module, "--version"], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 0 and r.stdout.startswith("assistant, version")


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from assistant.cli import cli\n"
        "r = CliRunner().invoke(cli, ['--help'])\n"
        "assert r.exit_code == 0, r.output\n"
        "mods = ('torch', 'sentence_transformers', 'textual', 'transformers', 'faiss',"
        " 'onnxruntime', 'mcp', 'mcp_types', 'watchfiles')\n"
        "heavy = [m for m in mods if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "", f"--help imported: {r.stdout.strip()}"


@pytest.mark.slow
def test_answering_from_a_fresh_index_imports_only_the_query_stack(tmp_path: Path) -> None:
    """A cold `ask` pays for every import: locking, config and model libraries stay out of it
    when the index is already fresh (the writers import them). markdown-it is the one parser
    it loads: a quote is shaped by its file's structure (`corpus.lines.LineRoles`)."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Alpha\nALB is preferred.\n\n## Beta\nbeta two\n")
    setup = (
        "import sys\n"
        "from assistant.engine import Engine\n"
        "from assistant.settings import load_settings\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "from fakes import FakeEmbedder\n"
        f"s = load_settings(notes={str(notes)!r}, index={str(tmp_path / 'idx')!r})\n"
        "e = Engine(s, embedder=FakeEmbedder())\n"
    )
    build = setup + "e.refresh()\n"
    ask = setup + (
        "import assistant.cli, assistant.output\n"
        "assert e.ensure_ready() is None\n"
        "assert e.ask('Which ALB is preferred?').citations\n"
        "mods = ('torch', 'sentence_transformers', 'transformers', 'textual', 'pathspec',"
        " 'filelock', 'pydantic_settings')\n"
        "print(','.join(m for m in mods if m in sys.modules))\n"
    )
    env = {**os.environ, "ASSISTANT_HOME": str(tmp_path / "home")}
    for code in (build, ask):
        r = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
        )
        assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "", f"answering imported: {r.stdout.strip()}"


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("ask", ""), "question is empty"),
        (("ask", "   "), "question is empty"),
        (("search", " "), "query is empty"),
        (("ask", "???"), "question is empty: it has no letter or digit to search for"),
        (("ask", "x", "--notes", "/nonexistent/notes"), "does not exist"),
        (("ask", "x", "--notes", "n" * 5000), "n…: file name too long"),  # a pasted blob
        (("index", "--index", "/tmp/" + "i" * 5000), "i…: file name too long"),
        (("ask", "x", "-k", "0"), "-k"),
        (("ask", "x", "--mode", "magic"), "--mode"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...], fragment: str) -> None:
    r = run(*args)
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr
    assert "Traceback" not in r.stderr


def test_a_bug_exits_70_with_its_traceback_not_1(tmp_path: Path) -> None:
    """A crash inside the assistant (an engine that raises what no user caused) exited 1,
    which a script reads as "not in your notes": it exits 70 (EX_SOFTWARE), its traceback
    kept for the report, then one line saying so."""
    (tmp_path / "a.md").write_text("# A\n\nalpha\n", encoding="utf-8")
    code = (
        "from assistant.cli import main\n"
        "def broken(settings):\n"
        "    raise RuntimeError('unhashable thing')\n"
        "main(engine_factory=broken)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, "ask", "what is alpha", "--notes", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        timeout=120,
    )
    assert r.returncode == 70, r.stderr
    assert "Traceback" in r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last == (
        "assistant: error: internal error (RuntimeError: unhashable thing); please report it"
    )


def test_bad_env_setting_is_a_usage_error() -> None:
    r = run("ask", "x", env={"ASSISTANT_K": "lots"})
    assert r.returncode == 2
    assert "invalid setting k" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    "command", [("ask", "what is alpha"), ("search", "alpha"), ("index",), ("mcp",), ()]
)
@pytest.mark.slow
def test_a_missing_model_folder_is_one_line_exit_3(tmp_path: Path, command: tuple) -> None:
    """`ASSISTANT_MODEL` naming no folder: `ask` and `search` died in a traceback, exit 1 ("not
    in your notes" to a script), `mcp` served tools that all failed, the chat opened; only
    `index` said so. Every command now says it as `index` does, exit 3, nothing written."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Alpha\nalpha text\n")
    index = tmp_path / "index"
    missing = ((tmp_path / "nomodel", "no such folder"), (notes / "a.md", "not a folder"))
    for model, reason in missing:
        r = run(
            *command,
            "--notes",
            str(notes),
            "--index",
            str(index),
            input="",
            env={"ASSISTANT_MODEL": str(model)},
        )
        assert r.returncode == 3, r.stderr
        assert r.stderr == f"assistant: error: cannot load model {model}: {reason}\n"
        assert not index.exists()


def test_config_file_settings_flags_win_and_a_broken_file_is_a_usage_error(tmp_path) -> None:
    from assistant.settings import load_settings

    cfg = tmp_path / "config.toml"
    cfg.write_text('k = 5\nmode = "bm25"\n')
    env = {"ASSISTANT_CONFIG": str(cfg), "ASSISTANT_MODE": "dense"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        s = load_settings(k=None, mode=None)
        assert (s.k, s.mode) == (5, "dense")  # file < environment
        assert load_settings(k=2).k == 2  # environment/file < flags
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    cfg.write_text("k = = 3\n")
    r = run("ask", "x", env={"ASSISTANT_CONFIG": str(cfg)})
    assert r.returncode == 2, r.stderr
    assert "cannot read config file" in r.stderr and str(cfg) in r.stderr
    assert "Traceback" not in r.stderr


def test_stdin_empty_question() -> None:
    r = run("ask", "-", input="\n\t \n")
    assert r.returncode == 2 and "empty" in r.stderr


@pytest.mark.slow
def test_a_query_without_words_is_empty() -> None:
    """ "???" has nothing to search for: `search` listed ten sections at random (dense search
    ranks every section), `ask` said "Not in your notes."."""
    for cmd, what in (("search", "query"), ("ask", "question")):
        r = run(cmd, "?!  ???")
        assert r.returncode == 2 and f"the {what} is empty" in r.stderr, r.stderr


@pytest.mark.integration
class TestWithRealModel:
    """One index of a temp copy of the bundled notes, built by `assistant index`, shared."""

    @pytest.fixture(scope="class")
    def env(self, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
        import shutil

        from corpus import BUNDLED_NOTES

        home = tmp_path_factory.mktemp("clihome")
        notes = tmp_path_factory.mktemp("clinotes")
        shutil.copy(BUNDLED_NOTES / "aws-containers.md", notes / "aws-containers.md")
        env = {"ASSISTANT_HOME": str(home), "ASSISTANT_NOTES": str(notes)}
        r = run("index", env=env)
        assert r.returncode == 0, r.stderr
        assert "1 added" in r.stdout and "chunks" in r.stdout
        return env

    def test_ask_text(self, env: dict[str, str]) -> None:
        r = run("ask", "Which load balancer is preferred for ECS?", env=env)
        assert r.returncode == 0, r.stderr
        assert "> - ALB - Preferred" in r.stdout
        assert "[1] aws-containers.md:28-30 › Intro › Load balancer integration" in r.stdout

    def test_ask_json_is_verbatim(self, env: dict[str, str]) -> None:
        r = run("ask", "--json", "What does the EC2 instance profile allow?", env=env)
        assert r.returncode == 0, r.stderr
        a = json.loads(r.stdout)
        assert not a["abstained"] and a["citations"]
        for c in a["citations"]:
            lines = split_lines(read_note(Path(c["absolute_path"])).text)
            assert c["quote"] == "\n".join(lines[c["start_line"] - 1 : c["end_line"]])
            assert c["changed_since_indexed"] is False
        assert set(a["timings"]) >= {"embed_ms", "retrieve_ms", "total_ms"}

    def test_ask_stdin(self, env: dict[str, str]) -> None:
        r = run("ask", "-", input="What is App Runner for?\n", env=env)
        assert r.returncode == 0, r.stderr
        assert "AWS APP Runner" in r.stdout

    def test_abstains_with_exit_1(self, env: dict[str, str]) -> None:
        r = run("ask", "--json", "How do I configure a DynamoDB global table?", env=env)
        assert r.returncode == 1, r.stdout
        a = json.loads(r.stdout)
        assert a["abstained"] and a["citations"] == [] and a["closest"]
        assert "DynamoDB" in a["missing_terms"]

    def test_search_json_and_modes(self, env: dict[str, str]) -> None:
        for mode in ("hybrid", "bm25", "dense"):
            r = run("search", "--json", "-k", "3", "--mode", mode, "data volumes for EKS", env=env)
            assert r.returncode == 0, r.stderr
            hits = json.loads(r.stdout)  # the MCP search tool's records (`SectionHit`)
            assert len(hits) == 3 and [h["rank"] for h in hits] == [1, 2, 3]
            assert hits[0]["heading_path"][-1] == "Amazon EKS – Data Volumes"
            assert hits[0]["absolute_path"].endswith("aws-containers.md")
            assert (hits[0]["cosine"] is None) == (mode == "bm25")

    def test_index_is_incremental_and_checkable(self, env: dict[str, str]) -> None:
        r = run("index", env=env)
        assert r.returncode == 0 and "0 added" in r.stdout and "1 unchanged" in r.stdout
        c = run("index", "--check", env=env)
        assert c.returncode == 0 and "Index OK" in c.stdout
        lst = run("index", "--list", env=env)
        assert env["ASSISTANT_NOTES"] in lst.stdout and "1 file, " in lst.stdout


def test_a_citation_is_one_line_whatever_the_file_is_called() -> None:
    """POSIX allows a newline in a file name: the citation's label escapes it (the answer's
    text, the terminal, MCP), while `path` in JSON stays the name itself."""
    from assistant.models import Answer, Citation
    from assistant.output import cite_label, format_answer

    assert cite_label("new\nline.md", 3, 3, ["Memcached"]) == "new\\nline.md:3 › Memcached"
    assert cite_label("tab\there #1 é.md", 1, 2, []) == "tab\\there #1 é.md:1-2"
    c = Citation(
        n=1, path="new\nline.md", absolute_path="/n/new\nline.md", heading_path=["M"],
        start_line=3, end_line=3, quote="A note.", score=0.5, changed_since_indexed=True,
    )  # fmt: skip
    a = Answer(question="q", searched_query="q", text="", citations=[c], abstained=False)
    said = "\nnote: [1] new\\nline.md no longer exists (deleted or moved since it was indexed)"
    assert format_answer(a, color=False) == said


def test_a_changed_citation_says_what_became_of_its_note(tmp_path: Path) -> None:
    """A note made unreadable after indexing was said "changed since it was indexed"; the
    chat's sources panel already told changed, deleted and unreadable apart."""
    from assistant.models import Answer, Citation
    from assistant.output import format_answer

    def said(path: Path) -> str:
        c = Citation(
            n=1, path=path.name, absolute_path=str(path), heading_path=[], start_line=1,
            end_line=1, quote="A note.", score=0.5, changed_since_indexed=True,
        )  # fmt: skip
        a = Answer(question="q", searched_query="q", text="", citations=[c], abstained=False)
        return format_answer(a, color=False).strip()

    (tmp_path / "edited.md").write_text("Another note.\n")
    assert said(tmp_path / "edited.md") == "note: [1] edited.md changed since it was indexed"
    assert "no longer exists" in said(tmp_path / "gone.md")
    (tmp_path / "dir.md").mkdir()  # tests run as root, whom chmod 000 does not stop: a folder
    assert said(tmp_path / "dir.md").startswith("note: [1] dir.md can no longer be read (is a")


@pytest.mark.slow
def test_index_actions_cannot_be_combined(tmp_path: Path) -> None:
    """`index --drop --check` deleted the index without checking it, `--drop --list` listed
    and dropped nothing: any two of --list, --drop, --check, --watch are a usage error that
    names both, and nothing is done."""
    from helpers_robust import run_fake_cli

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Alpha\nalpha text\n")
    where = ("--notes", str(notes), "--index", str(tmp_path / "index"))
    assert run_fake_cli("index", *where).returncode == 0
    built = sorted(p.name for p in (tmp_path / "index").iterdir())
    for flags, message in [
        (("--drop", "--check"), "--drop cannot be combined with --list or --check"),
        (("--check", "--drop"), "--drop cannot be combined with --list or --check"),
        (("--drop", "--list"), "--list cannot be combined with --drop or --check"),
        (("--list", "--check"), "--list cannot be combined with --drop or --check"),
        (("--check", "--watch"), "--watch cannot be combined with --list, --drop or --check"),
    ]:
        r = run_fake_cli("index", *flags, *where)
        assert (r.returncode, r.stdout) == (2, ""), r.stderr
        assert r.stderr == f"assistant: error: {message}\n"
        assert sorted(p.name for p in (tmp_path / "index").iterdir()) == built


@pytest.mark.slow
def test_config_file_nits_read_like_the_other_config_errors(tmp_path: Path) -> None:
    """`ASSISTANT_CONFIG` naming a folder said "[Errno 21] Is a directory: '…'"; `k = true`
    in the file was taken as k = 1. Both are one-line usage errors naming the file; a number
    as text (`ASSISTANT_K=5`) is still read."""
    from assistant.settings import load_settings

    r = run("ask", "x", env={"ASSISTANT_CONFIG": str(tmp_path)})
    assert r.returncode == 2
    assert r.stderr == f"assistant: error: cannot read config file {tmp_path}: it is a folder\n"
    cfg = tmp_path / "config.toml"
    for key in ("k", "max_question_chars"):
        cfg.write_text(f"{key} = true\n")
        r = run("ask", "x", env={"ASSISTANT_CONFIG": str(cfg)})
        assert r.returncode == 2, r.stderr
        assert r.stderr == (
            f"assistant: error: invalid setting {key} (from {cfg}): "
            "Input should be a valid integer, not true\n"
        )
    os.environ["ASSISTANT_K"] = "5"
    try:
        assert load_settings().k == 5
    finally:
        del os.environ["ASSISTANT_K"]


@pytest.mark.slow
def test_index_list_counts_one_file_in_the_singular(tmp_path: Path) -> None:
    """`index --list` said "1 files, 1 chunks"."""
    from helpers_robust import run_fake_cli

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text("# Alpha\nalpha text\n")
    assert run_fake_cli("index", "--notes", str(notes)).returncode == 0
    r = run("index", "--list")
    assert r.returncode == 0, r.stderr
    assert "  1 file, 1 chunk, " in r.stdout
