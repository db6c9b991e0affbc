"""An index folder this process cannot write (a read-only mount, an index shared read-only):
`ask` answers from it as it stands, with a notice when the notes moved on, and `index --check`
says the folder is read-only rather than calling the database broken.

A read-only mount needs root, so the `read_only` fixture makes the index folder behave as one
at the OS boundary instead: SQLite cannot open the database for writing ("unable to open
database file", as for a WAL database whose -shm cannot be created), the write lock fails with
EROFS, and the folder reports itself read-only. Reading works as it does on such a mount.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import filelock
import pytest
from click.testing import CliRunner
from fakes import FakeEmbedder, fake_engine
from helpers_robust import write

from assistant.cli import cli
from assistant.engine import Engine
from assistant.errors import UsageError
from assistant.mcp_server import NotesServer
from assistant.settings import load_settings


def invoke(*args: str) -> Any:
    """The real CLI in this process, its engines made with the fake embedder."""
    obj = {"engine_factory": fake_engine}
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, obj=obj)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "notes"
    write(d / "a.md", "# Alpha\n\nalpha clusters run tasks on spot capacity\n")
    write(d / "b.md", "# Beta\n\nbeta services sit behind a load balancer\n")
    return d


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Call with an index folder to make it behave as on a read-only mount from then on."""
    folders: list[str] = []

    def inside(path: Any) -> bool:
        text = os.path.abspath(os.fsdecode(path)) if not isinstance(path, int) else ""
        return any(text == f or text.startswith(f + os.sep) for f in folders)

    real_connect, real_access, real_statvfs = sqlite3.connect, os.access, os.statvfs
    real_acquire = filelock.FileLock.acquire

    def connect(database: Any, *args: Any, uri: bool = False, **kwargs: Any) -> Any:
        if not uri and database != ":memory:" and inside(database):
            raise sqlite3.OperationalError("unable to open database file")
        return real_connect(database, *args, uri=uri, **kwargs)

    def access(path: Any, mode: int, *args: Any, **kwargs: Any) -> bool:
        if mode & os.W_OK and inside(path):
            return False
        return real_access(path, mode, *args, **kwargs)

    def statvfs(path: Any) -> Any:
        if inside(path):
            return SimpleNamespace(f_flag=real_statvfs(path).f_flag | os.ST_RDONLY)
        return real_statvfs(path)

    def acquire(self: Any, *args: Any, **kwargs: Any) -> Any:
        if inside(self.lock_file):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), self.lock_file)
        return real_acquire(self, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    monkeypatch.setattr(os, "access", access)
    monkeypatch.setattr(os, "statvfs", statvfs)
    monkeypatch.setattr(filelock.FileLock, "acquire", acquire)
    return lambda idx: folders.append(os.path.abspath(idx))


def test_a_fresh_index_in_a_read_only_folder_answers(
    folder: Path, tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    idx = tmp_path / "idx"
    assert invoke("index", "--notes", str(folder), "--index", str(idx)).exit_code == 0
    read_only(idx)
    r = invoke("ask", "--json", "--notes", str(folder), "--index", str(idx), "alpha clusters?")
    assert r.exit_code == 0, r.output + r.stderr
    answer = json.loads(r.stdout)
    assert answer["outcome"] == "answered" and answer["citations"][0]["path"] == "a.md"
    assert answer["notices"] == []
    check = invoke("index", "--check", "--notes", str(folder), "--index", str(idx))
    assert check.exit_code == 0 and "Index OK" in check.output, check.output + check.stderr
    assert "read-only (Read-only file system)" in check.stderr
    assert "cannot be used" not in check.output + check.stderr


def test_a_stale_index_in_a_read_only_folder_answers_from_the_last_one_and_says_so(
    folder: Path, tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    idx = tmp_path / "idx"
    assert invoke("index", "--notes", str(folder), "--index", str(idx)).exit_code == 0
    read_only(idx)
    write(folder / "c.md", "# Gamma\n\ngamma volumes keep their snapshots\n")
    base = ["--notes", str(folder), "--index", str(idx)]
    r = invoke("ask", "--json", *base, "alpha clusters?")
    assert r.exit_code == 0, r.output + r.stderr  # answered: as README's exit codes say
    answer = json.loads(r.stdout)
    assert answer["outcome"] == "answered"
    (notice,) = answer["notices"]
    assert "could not be refreshed" in notice and "Read-only file system" in notice
    assert "answering from the last consistent index" in notice
    text = invoke("ask", *base, "alpha clusters?")
    assert text.exit_code == 0 and "could not be refreshed" in text.stderr
    found = invoke("search", *base, "alpha clusters")  # said nothing, a tester found
    assert found.exit_code == 0 and "could not be refreshed" in found.stderr
    check = invoke("index", "--check", *base)
    assert check.exit_code == 3 and "note not indexed: c.md" in check.output
    assert "is read-only" in check.stderr and "Run `assistant index`" not in check.stderr
    js = json.loads(invoke("index", "--check", "--json", *base).stdout)
    assert js["read_only"] == "Read-only file system" and js["ok"] is False


def test_a_read_only_index_that_cannot_answer_is_still_an_error(
    folder: Path, tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    """Built for another model: answering from it would be wrong, and it cannot be rebuilt."""
    idx = tmp_path / "idx"
    assert invoke("index", "--notes", str(folder), "--index", str(idx)).exit_code == 0
    manifest = json.loads((idx / "manifest.json").read_text())
    (idx / "manifest.json").write_text(json.dumps({**manifest, "model_id": "other@1"}))
    read_only(idx)
    r = invoke("ask", "--notes", str(folder), "--index", str(idx), "alpha clusters?")
    assert r.exit_code == 3 and "Read-only file system" in r.stderr, r.stderr


def test_the_mcp_server_answers_from_a_read_only_index_with_one_notice(
    folder: Path, tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    idx = tmp_path / "idx"
    settings = load_settings(notes=folder, index=idx, watch=False)
    Engine(settings, embedder=FakeEmbedder()).refresh()
    read_only(idx)
    write(folder / "c.md", "# Gamma\n\ngamma volumes keep their snapshots\n")
    emb = FakeEmbedder()
    s = NotesServer(Engine(settings, embedder=emb), builder=Engine(settings, embedder=emb))
    answer = s.ask("alpha clusters?")
    assert answer.outcome == "answered"
    assert len(answer.notices) == 1 and "could not be refreshed" in answer.notices[0]
    assert s.status().stale == "notes were added or removed"
    with pytest.raises(UsageError, match="could not be refreshed"):
        s.read("c.md")  # not in the index, and the error says why
    s.close()


def test_the_write_lock_on_a_read_only_folder_is_a_read_only_error(
    tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    from index.store import IndexReadOnly
    from index.sync import writer_lock

    idx = tmp_path / "idx"
    idx.mkdir()
    read_only(idx)
    with pytest.raises(IndexReadOnly, match="Read-only file system"), writer_lock(idx, 0):
        pass
