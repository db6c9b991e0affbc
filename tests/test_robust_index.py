"""`assistant index --check`, repair by a plain `assistant index`, and corrupt or foreign indexes
(issue 5 §2 and §4), through the real CLI code (click's runner in-process, the fast fake
embedder injected), plus a few real subprocess runs of the CLI.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import faiss
import numpy as np
import pytest
from click.testing import CliRunner
from fakes import fake_engine
from helpers_robust import run_fake_cli, write

from assistant.cli import cli
from index.store import LOCK_NAME, read_manifest


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "notes"
    write(d / "a.md", "# Alpha\nalpha one about clusters\n\n## Beta\nbeta two about tasks\n")
    write(d / "sub" / "b.md", "# Gamma\ngamma three about services\n")
    write(d / "c.txt", "plain text note about delta and registries\n")
    return d


def invoke(*args: str):
    """The real CLI in this process, its engines made with the fake embedder (the CLI's seam)."""
    obj = {"engine_factory": fake_engine}
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, obj=obj)


def build(folder: Path, idx: Path) -> None:
    r = invoke("index", "--notes", str(folder), "--index", str(idx))
    assert r.exit_code == 0, r.output + r.stderr
    assert invoke("index", "--check", "--notes", str(folder), "--index", str(idx)).exit_code == 0


def check(folder: Path, idx: Path):
    return invoke("index", "--check", "--notes", str(folder), "--index", str(idx))


def gen(idx: Path) -> str:
    m = read_manifest(idx)
    assert m is not None
    return m.generation


# ---------------------------------------------------------------- damage to inflict
def orphan_vector(folder: Path, idx: Path) -> None:
    path = idx / f"vectors-{gen(idx)}.faiss"
    index = faiss.read_index(str(path))
    index.add_with_ids(np.ones((1, index.d), np.float32), np.array([987654], np.int64))
    faiss.write_index(index, str(path))


def lost_vector(folder: Path, idx: Path) -> None:
    path = idx / f"vectors-{gen(idx)}.faiss"
    index = faiss.read_index(str(path))
    first = int(faiss.vector_to_array(index.id_map)[0])
    index.remove_ids(np.array([first], np.int64))
    index.add_with_ids(np.ones((1, index.d), np.float32), np.array([987655], np.int64))
    faiss.write_index(index, str(path))


def missing_faiss(folder: Path, idx: Path) -> None:
    (idx / f"vectors-{gen(idx)}.faiss").unlink()


def truncated_faiss(folder: Path, idx: Path) -> None:
    path = idx / f"vectors-{gen(idx)}.faiss"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def generation_mismatch(folder: Path, idx: Path) -> None:
    con = sqlite3.connect(idx / "index.sqlite")
    con.execute("UPDATE meta SET value='0123456789abcdef' WHERE key='generation'")
    con.commit()
    con.close()


def garbage_sqlite(folder: Path, idx: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        p = idx / f"index.sqlite{suffix}"
        if p.exists():
            p.unlink()
    (idx / "index.sqlite").write_bytes(np.random.default_rng(1).bytes(64 * 1024))


def duplicated_chunk(folder: Path, idx: Path) -> None:
    con = sqlite3.connect(idx / "index.sqlite")
    con.execute(
        "INSERT INTO chunks(path, ord, heading_path, heading, start_line, end_line, text, "
        "context, meta, content_hash, vec) SELECT path, ord + 100, heading_path, heading, "
        "start_line, end_line, text, context, meta, content_hash, vec FROM chunks LIMIT 1"
    )
    con.commit()
    con.close()


def invalid_manifest(folder: Path, idx: Path) -> None:
    (idx / "manifest.json").write_text('{"schema_version": 1, "model_id": ')


def note_changed(folder: Path, idx: Path) -> None:
    write(folder / "a.md", "# Alpha\nalpha one, edited\n")


def note_added(folder: Path, idx: Path) -> None:
    write(folder / "new.md", "# New\nnew note\n")


def note_deleted(folder: Path, idx: Path) -> None:
    (folder / "c.txt").unlink()


def _manifest_field(field: str, value):
    def damage(folder: Path, idx: Path) -> None:
        data = json.loads((idx / "manifest.json").read_text())
        data[field] = value
        (idx / "manifest.json").write_text(json.dumps(data))

    damage.__name__ = f"foreign_{field}"
    return damage


CASES = [
    (orphan_vector, "1 orphan vectors"),
    (lost_vector, "chunks without a vector"),
    (missing_faiss, "vector file missing"),
    (truncated_faiss, "unreadable (damaged or cut short)"),
    (generation_mismatch, "generation mismatch"),
    (garbage_sqlite, "damaged"),
    (duplicated_chunk, "duplicated chunks"),
    (invalid_manifest, "not valid JSON"),
    (note_changed, "note changed since indexed: a.md"),
    (note_added, "note not indexed: new.md"),
    (note_deleted, "indexed file no longer in notes: c.txt"),
    (_manifest_field("model_id", "other-model@123"), "model other-model@123"),
    (_manifest_field("dim", 384), "dimension"),
    (_manifest_field("chunker_version", 999), "chunker version 999"),
    (_manifest_field("schema_version", 99), "schema 99"),
]


def test_the_cli_makes_its_engines_through_the_factory_it_is_given(
    folder: Path, tmp_path: Path
) -> None:
    """The seam every fake-embedder CLI test relies on: the index is built by the factory's
    engine (the fake embedder's model id in the manifest), not by the bundled model."""
    build(folder, tmp_path / "idx")
    manifest = read_manifest(tmp_path / "idx")
    assert manifest is not None and manifest.model_id == "fake-hash-embedder"


@pytest.mark.parametrize("damage, expected", CASES, ids=[c[0].__name__ for c in CASES])
def test_check_reports_then_index_repairs(
    folder: Path, tmp_path: Path, damage, expected: str
) -> None:
    idx = tmp_path / "idx"
    build(folder, idx)
    damage(folder, idx)
    r = check(folder, idx)
    assert r.exit_code == 3, r.output
    assert expected in r.output, r.output
    assert "Run `assistant index` to repair." in r.stderr
    assert "Traceback" not in r.output + r.stderr
    js = invoke("index", "--check", "--json", "--notes", str(folder), "--index", str(idx))
    assert js.exit_code == 3 and json.loads(js.stdout)["ok"] is False

    fixed = invoke("index", "--notes", str(folder), "--index", str(idx))
    assert fixed.exit_code == 0, fixed.output + fixed.stderr
    if not damage.__name__.startswith("note_"):
        assert "repaired" in fixed.stderr, fixed.stderr
    after = check(folder, idx)
    assert after.exit_code == 0, after.output
    assert "Index OK" in after.output


# ---------------------------------------------------------------- ask repairs on its own
ASK_CASES = [
    (truncated_faiss, "unreadable (damaged or cut short)"),
    (missing_faiss, "missing"),
    (garbage_sqlite, "damaged"),
    (invalid_manifest, "not valid JSON"),
    (generation_mismatch, "interrupted"),
    (_manifest_field("model_id", "other-model@123"), "other-model@123"),
    (_manifest_field("dim", 384), "dimension"),
    (_manifest_field("chunker_version", 999), "chunker"),
    (_manifest_field("schema_version", 99), "schema"),
]


@pytest.mark.parametrize("damage, expected", ASK_CASES, ids=[c[0].__name__ for c in ASK_CASES])
def test_ask_rebuilds_a_damaged_or_foreign_index(
    folder: Path, tmp_path: Path, damage, expected: str
) -> None:
    idx = tmp_path / "idx"
    build(folder, idx)
    damage(folder, idx)
    r = invoke("ask", "what about gamma services?", "--notes", str(folder), "--index", str(idx))
    assert r.exit_code in (0, 1), r.output + r.stderr
    assert "Traceback" not in r.output + r.stderr
    assert "index repaired" in r.stderr and expected in r.stderr, r.stderr
    assert "b.md" in r.stdout
    assert check(folder, idx).exit_code == 0


def test_ask_on_truncated_faiss_uses_sqlite_vectors_meanwhile(folder: Path, tmp_path: Path) -> None:
    """A reader that finds the FAISS file bad rebuilds the vectors in memory from SQLite."""
    from index.store import Store

    idx = tmp_path / "idx"
    build(folder, idx)
    truncated_faiss(folder, idx)
    store = Store.open(idx, create=False)
    index = store.vector_index()
    assert index.ntotal == store.counts()[1] == 4
    assert "unreadable" in (store.vector_problem or "")
    store.close()


# ---------------------------------------------------------------- unwritable index folders
def test_index_under_a_regular_file_is_a_clear_error(folder: Path) -> None:
    for cmd in (["index"], ["ask", "alpha?"]):
        r = invoke(*cmd, "--notes", str(folder), "--index", "/etc/passwd/x")
        assert r.exit_code == 3, r.output
        assert r.stderr.startswith("assistant: error: cannot create index folder /etc/passwd/x")
        assert len(r.stderr.strip().splitlines()) == 1
        assert "Traceback" not in r.output


def test_permission_denied_index_folder_is_a_clear_error(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.sync as sync_mod

    idx = tmp_path / "idx"
    build(folder, idx)
    write(folder / "new.md", "# New\nnew note\n")  # stale, so ask must write

    def denied(*a, **kw):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(sync_mod.tempfile, "mkstemp", denied)
    r = invoke("index", "--notes", str(folder), "--index", str(idx))
    assert r.exit_code == 3, r.output
    assert r.stderr.strip() == (
        f"assistant: error: cannot write to index folder {idx}: Permission denied"
    )
    # `ask` answers from the last consistent index (it can be read), and says why it is stale.
    r = invoke("ask", "--notes", str(folder), "--index", str(idx), "alpha?")
    assert r.exit_code == 0, r.output + r.stderr
    assert r.stderr.strip() == (
        "assistant: warning: the index could not be refreshed (notes were added or removed): "
        f"cannot write to index folder {idx}: Permission denied; answering from the last "
        "consistent index"
    )
    # Nothing was deleted: the old index is intact.
    assert (idx / "index.sqlite").exists() and read_manifest(idx) is not None


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere; covered by the mock")
def test_read_only_index_folder_real_permissions(folder: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    build(folder, idx)
    write(folder / "new.md", "# New\nnew note\n")
    idx.chmod(0o500)
    try:
        r = invoke("index", "--notes", str(folder), "--index", str(idx))
        assert r.exit_code == 3 and "cannot write to index folder" in r.stderr
    finally:
        idx.chmod(0o700)


def test_index_folder_with_user_files_is_refused(folder: Path, tmp_path: Path) -> None:
    """Pointing --index at a folder of other files (say, the notes) never deletes them."""
    other = tmp_path / "project"
    write(other / "manifest.json", '{"name": "my web app"}')
    write(other / "README.md", "# mine\n")
    r = invoke("index", "--notes", str(folder), "--index", str(other))
    assert r.exit_code == 3
    assert "not part of an index" in r.stderr
    assert (other / "manifest.json").read_text() == '{"name": "my web app"}'
    assert sorted(p.name for p in other.iterdir()) == ["README.md", "manifest.json"]


def test_the_notes_folder_as_index_is_refused_before_anything_is_written(folder: Path) -> None:
    """The refusal came after the write lock, which left write.lock among the notes."""
    before = sorted(p.name for p in folder.iterdir())
    for cmd in (["index"], ["ask", "alpha?"]):
        r = invoke(*cmd, "--notes", str(folder), "--index", str(folder))
        assert r.exit_code == 3 and "not part of an index" in r.stderr, r.stderr
        assert sorted(p.name for p in folder.iterdir()) == before


def test_drop_of_a_folder_that_is_no_index_removes_nothing(folder: Path, tmp_path: Path) -> None:
    """`index --drop` said "Removed index" for a folder of other files, and removed nothing."""
    missing = tmp_path / "missing"
    for idx in (folder, missing):
        r = invoke("index", "--drop", "--notes", str(folder), "--index", str(idx))
        assert r.exit_code == 2, r.output
        assert r.stderr.strip() == f"assistant: error: no index at {idx}"
    assert sorted(p.name for p in folder.iterdir()) == ["a.md", "c.txt", "sub"]


def test_drop_leaves_nothing_of_the_index_behind(folder: Path, tmp_path: Path) -> None:
    """Beside a user's file, the index's files go, its write.lock too; alone, the folder."""
    idx = tmp_path / "idx"
    build(folder, idx)
    write(idx / "keep.txt", "mine\n")
    r = invoke("index", "--drop", "--notes", str(folder), "--index", str(idx))
    assert r.exit_code == 0 and "Removed index" in r.stdout, r.stderr
    assert [p.name for p in idx.iterdir()] == ["keep.txt"]
    (idx / "keep.txt").unlink()
    build(folder, idx)
    assert invoke("index", "--drop", "--notes", str(folder), "--index", str(idx)).exit_code == 0
    assert not idx.exists()


def test_drop_removes_a_folder_left_with_only_its_lock(folder: Path, tmp_path: Path) -> None:
    """A first build stopped before it wrote anything left a folder of only write.lock, which
    `--drop` called "no index" and kept; beside other files such a lock is kept."""
    idx = tmp_path / "idx"
    write(idx / LOCK_NAME, "")
    r = invoke("index", "--drop", "--notes", str(folder), "--index", str(idx))
    assert r.exit_code == 0 and "Removed index" in r.stdout, r.stderr
    assert not idx.exists()
    write(idx / LOCK_NAME, "")
    write(idx / "segments_1", "another tool's\n")
    r = invoke("index", "--drop", "--notes", str(folder), "--index", str(idx))
    assert r.exit_code == 2 and "no index at" in r.stderr, r.stderr
    assert sorted(p.name for p in idx.iterdir()) == ["segments_1", LOCK_NAME]


def test_drop_never_runs_under_a_build(folder: Path, tmp_path: Path) -> None:
    """`index --drop` removed the files of an index another process was writing."""
    from index.sync import writer_lock

    idx = tmp_path / "idx"
    build(folder, idx)
    before = sorted(p.name for p in idx.iterdir())
    with writer_lock(idx, timeout=0):  # a build holds it
        r = invoke("index", "--drop", "--notes", str(folder), "--index", str(idx))
    assert r.exit_code == 3 and "another assistant process is indexing" in r.stderr, r.stderr
    assert "nothing removed" in r.stderr and "--no-wait" not in r.stderr  # it was never given
    assert sorted(p.name for p in idx.iterdir()) == before


# ---------------------------------------------------------------- the same through a subprocess
@pytest.mark.slow
def test_check_and_repair_through_a_real_process(folder: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    base = ("--notes", str(folder), "--index", str(idx))
    assert run_fake_cli("index", *base).returncode == 0
    garbage_sqlite(folder, idx)
    r = run_fake_cli("index", "--check", *base)
    assert r.returncode == 3 and "damaged" in r.stdout and "Traceback" not in r.stderr
    r = run_fake_cli("index", *base)
    assert r.returncode == 0, r.stderr
    assert "assistant: repaired: rebuilt index" in r.stderr
    assert run_fake_cli("index", "--check", *base).returncode == 0


@pytest.mark.slow
def test_notes_and_index_given_before_the_command_are_used(tmp_path: Path) -> None:
    """`assistant --notes DIR index` indexed the bundled notes instead, without a word. The
    command's own --notes / --index still win over the ones before it."""
    notes, other = tmp_path / "notes", tmp_path / "other"
    write(notes / "a.md", "# Zebra\nzebra crossing rules\n")
    write(other / "b.md", "# Yak\nyak shaving\n")
    idx = tmp_path / "idx"
    r = run_fake_cli("--notes", str(notes), "--index", str(idx), "index", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["added"] == 1
    r = run_fake_cli("--notes", str(notes), "--index", str(idx), "search", "zebra")
    assert r.returncode == 0, r.stderr
    assert "a.md" in r.stdout
    r = run_fake_cli(
        "--notes",
        str(notes),
        "search",
        "--notes",
        str(other),
        "--index",
        str(tmp_path / "i2"),
        "yak",
    )
    assert r.returncode == 0, r.stderr
    assert "b.md" in r.stdout and "a.md" not in r.stdout


@pytest.mark.slow
def test_a_folder_without_notes_is_said_to_be_one(tmp_path: Path) -> None:
    """A folder with no notes in it (empty, or only files of other kinds) answered every
    question "Not in your notes." and nothing else; `index`, `ask` and `search` now say why,
    on stderr, with their usual exit codes. Once it holds a note, nothing is said."""
    notes, idx = tmp_path / "notes", tmp_path / "idx"
    write(notes / "readme.rst", "Zebra crossing rules\n")
    base = ("--notes", str(notes), "--index", str(idx))
    said = f"assistant: warning: no notes in {notes} (only Markdown (.md, .markdown, .mdx, …)"
    r = run_fake_cli("index", *base)
    assert r.returncode == 0 and said in r.stderr, r.stderr
    r = run_fake_cli("ask", *base, "zebra crossing")
    assert r.returncode == 1 and said in r.stderr and "Not in your notes." in r.stdout
    r = run_fake_cli("search", *base, "zebra")
    assert r.returncode == 1 and said in r.stderr
    write(notes / "z.md", "# Zebra\nzebra crossing rules\n")
    r = run_fake_cli("ask", *base, "zebra crossing")
    assert "no notes in" not in r.stderr, r.stderr


@pytest.mark.slow
def test_notes_that_could_not_be_read_are_said_to_be_why_there_are_none(tmp_path: Path) -> None:
    """`--notes binary.md`, or a folder whose only note is binary, said "only .markdown, .md
    and .txt files are read": wrong for a .md file (and a single file of any name is read).
    It now says which note was skipped and why."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "scan.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    for target, name in ((notes, "notes"), (notes / "scan.md", "file")):
        base = ("--notes", str(target), "--index", str(tmp_path / f"idx-{name}"))
        r = run_fake_cli("ask", *base, "zebra crossing")
        said = f"assistant: warning: no notes in {target}: skipped 'scan.md': binary file"
        assert r.returncode == 1 and said in r.stderr, r.stderr
        assert "only .markdown" not in r.stderr
