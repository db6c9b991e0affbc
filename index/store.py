"""The on-disk index: SQLite (files, chunks, vectors, FTS5) plus a FAISS file and a manifest.

Crash safety (DESIGN invariant 4): SQLite is the transactional source of the index; every
chunk's vector is stored there too, so the FAISS file is a cache that can be rebuilt without
re-embedding. A write goes: SQLite transaction (carrying a new generation id) -> FAISS written to
a temp file and renamed to `vectors-<generation>.faiss` -> manifest written last. On open, a
FAISS file or manifest whose generation differs from SQLite's is repaired from SQLite, never
served.

Readers (`ask`, the TUI) never take the write lock. SQLite runs in WAL mode, so a reader sees
the last committed state; `vector_index()` reads the generation, the FAISS file and (when that
file is missing or out of step) the vectors from SQLite inside one read snapshot. Chunk ids are
never reused (a high-water mark in `meta`), so an id a reader got from an older snapshot can
only be missing from a newer one, never name a different chunk.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from corpus.models import HEADING_SEP, PROPERTIES, Chunk, labels_text
from index import vectors
from index.models import IndexInfo, Manifest

SCHEMA_VERSION = 1
DB_NAME = "index.sqlite"
KEYWORDS_DB = "keywords.sqlite"
"""The keyword preview of a first build: every section's text and full-text index, no vectors
(index/keywords.py)."""
MANIFEST_NAME = "manifest.json"
LOCK_NAME = "write.lock"

_CHUNKS_FTS = """CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    heading, text, meta, context, content='chunks', content_rowid='id',
    tokenize='porter unicode61'
);"""
"""BM25's index of the chunks table (a piece's context too: `Store.lexical_search`)."""

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    title TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    indexed_at REAL NOT NULL,
    skip_reason TEXT
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    ord INTEGER NOT NULL,
    heading_path TEXT NOT NULL,
    heading TEXT NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    text TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    meta TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    vec BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_path ON chunks(path);
CREATE INDEX IF NOT EXISTS chunks_hash ON chunks(content_hash);
{_CHUNKS_FTS}
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_raw USING fts5(
    heading, text, meta, content='chunks', content_rowid='id', tokenize='unicode61'
);
CREATE VIRTUAL TABLE IF NOT EXISTS raw_vocab USING fts5vocab(chunks_raw, 'row');
CREATE TABLE IF NOT EXISTS line_vectors (
    content_hash TEXT PRIMARY KEY,
    vecs BLOB NOT NULL
);
"""


class IndexError_(Exception):
    """The index cannot be used (corrupt, foreign, unwritable); str() is a one-line reason."""


class IndexBusy(Exception):
    """Another process holds the index's write lock."""


class IndexReadOnly(IndexError_):
    """The index folder cannot be written (a read-only mount, no permission): it can still be
    read, so a reader answers from it; only a refresh is impossible."""


READ_ONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)
"""OSError numbers that mean the index folder cannot be written (not that it is damaged)."""


def read_only_reason(index_dir: Path) -> str | None:
    """Why this process cannot write in `index_dir` ("Read-only file system", "Permission
    denied"), or None if it can (or the folder is missing). Writes nothing: `index --check`
    and readers call it."""
    try:
        if os.access(index_dir, os.W_OK):
            return None
        if os.statvfs(index_dir).f_flag & os.ST_RDONLY:
            return os.strerror(errno.EROFS)
    except OSError:
        return None
    return os.strerror(errno.EACCES) if Path(index_dir).is_dir() else None


class IndexCorrupt(IndexError_):
    """The index files are damaged or not an index at all: safe to delete and rebuild."""


# sqlite3 error messages that mean "this file is damaged / not our database", as opposed to
# transient or environmental ones (locked, busy, read-only, cannot open) that must never lead
# to deleting anything.
_CORRUPT_MARKERS = (
    "not a database",
    "malformed",
    "corrupt",
    "no such table",
    "no such column",
    "has no column",
    "file is encrypted",
    "unsupported file format",
    "vtable constructor failed",
)


def is_corruption(e: BaseException) -> bool:
    """Does this sqlite3 error mean the database file is damaged (so a rebuild is the fix)?"""
    msg = str(e).lower()
    return isinstance(e, sqlite3.DatabaseError) and any(m in msg for m in _CORRUPT_MARKERS)


def db_error(db: Path, e: sqlite3.Error) -> IndexError_:
    """An sqlite3 error as a one-line IndexError_ (IndexCorrupt when it means damage)."""
    if is_corruption(e):
        return IndexCorrupt(f"index database {db} is damaged ({e})")
    return IndexError_(f"index database {db} cannot be used ({e})")


def _faiss():
    import faiss

    return faiss


@contextlib.contextmanager
def one_omp_thread() -> Iterator[None]:
    """One OpenMP thread for a single-query search, restored afterwards.

    One query at a time gains nothing from threads (measured: 18 ms -> 1.7 ms per flat search
    over 10k vectors with 1 thread instead of 2 on a busy 2-core machine). The setting must not
    outlive the search: FAISS and torch share the OpenMP runtime, and left at 1 it made every
    later embedding in the process (a whole index build) run on one core."""
    faiss = _faiss()
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(before)


def _vec_blob(v: np.ndarray) -> bytes:
    return np.asarray(v, dtype=np.float32).tobytes()


CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
"""A Chinese or Japanese character (kana, CJK ideographs). The full-text tokenizer writes no
space between them, so a run of them ("在留カードの更新") is one token, and a word inside it
("在留") is found by the tokens holding it (`Store.term_query`)."""
CJK_TOKENS = 64
"""Most tokens a Chinese or Japanese word is searched as (those of the notes holding it)."""


UNIT_SYMBOLS = ("ω", "µ", "μ")
"""Letters a value's unit starts with, as the tokenizer reads them (lower-cased): "10kΩ" is
one token, "10kω", "470µF" is "470µf", so "What colour bands does a 10k resistor have?" was
told "Your notes don't mention 10k" of a table row "| 10kΩ | brown black orange |"."""
_VALUE = re.compile(r"\d+[a-z]{0,2}")


def term_queries(term: str) -> list[str]:
    """FTS5 queries for a question term, tried in order: the term (porter-stemmed by the
    index), then a crude-stem prefix ("autoscal"*) that catches forms porter leaves apart
    ("autoscale" / "autoscaling"; the adjective or the practitioner of a noun, six letters
    before "-ic" or "-ist": "allergic" of "allergies" was a word in no note, and "What am I
    allergic to?" was declined)."""
    term = term.replace('"', "")
    queries = ['"' + term + '"']
    if _VALUE.fullmatch(term):  # "10k" of "10kΩ", "470" of "470µF": a unit's symbol is a letter
        units = ['"' + term + u + '"*' for u in UNIT_SYMBOLS]
        queries[0] = "(" + " OR ".join([queries[0], *units]) + ")"
    stem = re.sub(r"(ing|ed|es|e|(?<!s)s)$", "", term)  # not "compass": porter reads "compas"*
    # as "compa"*, and "compacts" and "companionway" wrote it
    if len(stem) >= 5 and stem != term:
        queries.append('"' + stem + '"*')
    elif len(stem := re.sub(r"(ic|ists?)$", "", term)) >= 6 and stem != term:
        queries.append('"' + stem + '"*')  # "allergic" of "allergies", "cardiologist"
    return queries


def _connect(
    target: str | Path,
    *,
    uri: bool = False,
    setup: Callable[[sqlite3.Connection], None] | None = None,
) -> sqlite3.Connection:
    """A connection to an index database whose tables answer (`setup` first: journal mode,
    schema); closed again, and the error raised, if they do not."""
    conn = sqlite3.connect(
        target, uri=uri, timeout=30, isolation_level=None, check_same_thread=False
    )
    try:
        if setup is not None:
            setup(conn)
        conn.execute("SELECT count(*) FROM chunks").fetchone()
        conn.execute("SELECT count(*) FROM files").fetchone()
    except sqlite3.Error:
        with contextlib.suppress(Exception):
            conn.close()
        raise
    return conn


def _connect_read_only(db: Path, why: str, first: sqlite3.Error) -> sqlite3.Connection:
    """A read-only connection to a database in a folder this process cannot write.

    A WAL database needs its -shm file, which SQLite cannot create there: `mode=ro` opens it
    when the -shm is present, `immutable=1` when it is not (the index was closed cleanly, and
    no writer can change a folder that cannot be written). Raises IndexError_ naming the
    folder as read-only, not the database as broken."""
    uri = db.absolute().as_uri()
    for query in ("mode=ro", "mode=ro&immutable=1"):
        try:
            return _connect(f"{uri}?{query}", uri=True)
        except sqlite3.Error as e:
            if is_corruption(e):
                raise db_error(db, e) from e
    raise IndexReadOnly(
        f"index database {db} cannot be opened: the index folder is read-only ({why}) and {first}"
    ) from first


class Store:
    """An open index directory. Readers and the single writer both use this class."""

    def __init__(self, index_dir: Path, conn: sqlite3.Connection) -> None:
        self.index_dir = index_dir
        self.conn = conn
        self._faiss_index: Any = None
        self._faiss_generation: str | None = None
        self._total: tuple[str | None, int] | None = None
        self.keywords_only = False
        """A first build's keyword preview (KEYWORDS_DB): full-text search, no vectors."""
        self.read_only: str | None = None
        """Why the folder cannot be written, when it was opened read-only (`Store.open`)."""
        self.dropped_hashes: set[str] = set()
        """Content hashes of chunks this Store deleted: the only line vectors a sync can have
        orphaned (pruning just these costs ms; a whole-table prune, a second at 100k)."""

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(cls, index_dir: Path, *, create: bool = True, db_name: str = DB_NAME) -> Store:
        """Open (and with `create`, initialise) the SQLite part; raises IndexError_ if unusable.
        `db_name`: KEYWORDS_DB opens a first build's keyword preview instead."""
        index_dir = Path(index_dir)
        db = index_dir / db_name
        if not create and not db.exists():
            raise IndexError_(f"no index at {index_dir}")
        if create:
            try:
                index_dir.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise IndexError_(f"cannot create index folder {index_dir}: {e.strerror}") from e

        def setup(conn: sqlite3.Connection) -> None:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            if create:
                conn.executescript(_SCHEMA)
                _migrate(conn)

        read_only: str | None = None
        try:
            conn = _connect(db, setup=setup)
        except sqlite3.Error as e:
            read_only = None if create or is_corruption(e) else read_only_reason(index_dir)
            if read_only is None:
                raise db_error(db, e) from e
            conn = _connect_read_only(db, read_only, e)
        store = cls(index_dir, conn)
        store.keywords_only = db_name == KEYWORDS_DB
        store.read_only = read_only
        return store

    def quick_check(self) -> str | None:
        """None if SQLite's own quick_check passes, else the first problem (damage: rebuild)."""
        try:
            res = self.conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.Error as e:
            return f"database integrity: {e}"
        return None if res == "ok" else f"database integrity: {res}"

    def structure_problems(self, dim: int) -> tuple[list[str], set[str]]:
        """Inconsistencies between the tables (which our transactions never leave, but a damaged
        or hand-edited file can): (messages, paths whose records are affected)."""
        problems: list[str] = []
        paths: set[str] = set()
        checks = [
            (
                # The same piece twice. Single-line spans are left out of the text rule: windows
                # of one over-long line may repeat text legitimately (they differ by `ord`).
                "duplicated chunks",
                "SELECT DISTINCT path FROM (SELECT path, count(*) c FROM chunks "
                "GROUP BY path, ord HAVING c > 1) UNION "
                "SELECT DISTINCT path FROM (SELECT path, count(*) c FROM chunks "
                "WHERE end_line > start_line "
                "GROUP BY path, start_line, end_line, text HAVING c > 1)",
            ),
            (
                "chunks that belong to no indexed file",
                "SELECT DISTINCT path FROM chunks WHERE path NOT IN "
                "(SELECT path FROM files WHERE skip_reason IS NULL)",
            ),
            (
                f"stored vectors without dimension {dim}",
                f"SELECT DISTINCT path FROM chunks WHERE length(vec) != {int(dim) * 4}",
            ),
        ]
        for what, sql in checks:
            found = {r[0] for r in self.conn.execute(sql)}
            if found:
                problems.append(f"{what} (in {len(found)} files)")
                paths |= found
        fts = self.fts_problem()
        if fts:
            problems.append(fts)
        return problems, paths

    def fts_problem(self) -> str | None:
        """None if both full-text indexes agree with the chunks table (not checked on a
        read-only store: FTS5's integrity check is a write statement, which it refuses)."""
        if self.read_only:
            return None
        try:
            # The FTS5 integrity check writes nothing, but is a write statement: roll it back.
            for fts in ("chunks_fts", "chunks_raw"):
                with self.read_snapshot(rollback=True):
                    self.conn.execute(
                        f"INSERT INTO {fts}({fts}, rank) VALUES('integrity-check', 1)"
                    )
        except sqlite3.Error as e:
            return f"full-text index out of step with the chunks ({e})"
        return None

    def repair_structure(self, paths: set[str]) -> None:
        """Forget the records of `paths` (they are re-read from the notes) and rebuild the
        full-text indexes from the chunks table."""
        with self.transaction():
            for p in paths:
                self.conn.execute("DELETE FROM chunks WHERE path=?", (p,))
                self.conn.execute("DELETE FROM files WHERE path=?", (p,))
            for fts in ("chunks_fts", "chunks_raw"):
                self.conn.execute(f"INSERT INTO {fts}({fts}) VALUES('rebuild')")
            self.set_meta(generation=new_generation())

    @contextlib.contextmanager
    def read_snapshot(self, write: bool = False, rollback: bool = False) -> Iterator[None]:
        """Run the body in one SQLite transaction (one consistent snapshot for a reader).

        Nested use (already inside a transaction) just runs the body.
        """
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield
        finally:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK" if rollback else "COMMIT")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()

    # ---------------------------------------------------------------- meta / manifest
    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def generation(self) -> str | None:
        return self.meta("generation")

    def read_manifest(self) -> Manifest | None:
        return read_manifest(self.index_dir)

    def write_manifest(self, manifest: Manifest) -> None:
        _atomic_write(self.index_dir / MANIFEST_NAME, manifest.model_dump_json(indent=2).encode())

    # ---------------------------------------------------------------- reading
    def file_rows(self) -> dict[str, tuple[str, int, int]]:
        """path -> (content_hash, size, mtime_ns) for every file the index has recorded.

        That includes notes skipped as unreadable (binary, no permission): they have no chunks
        and an empty content hash, and are recorded so an unchanged folder is not seen as stale.
        """
        rows = self.conn.execute("SELECT path, content_hash, size, mtime_ns FROM files")
        return {p: (h, s, m) for p, h, s, m in rows}

    def note_labels(self, path: str) -> str:
        """A stored note's front-matter labels as its sections hold them (`insert_file`)."""
        row = self.conn.execute("SELECT meta FROM chunks WHERE path=? LIMIT 1", (path,)).fetchone()
        return row[0] or "" if row else ""

    def note_top(self, path: str) -> str:
        """A stored note's first section when it is the note's own top, under its title or no
        heading at all (its "**Author:**", "**Read:** … Kindle" lines), else ''; after its
        front-matter properties (`corpus.markdown.property_span`), those and that section."""
        rows = self.conn.execute(
            "SELECT heading_path, text, context FROM chunks WHERE path=? ORDER BY ord LIMIT 2",
            (path,),
        ).fetchall()
        top = rows[: 2 if rows and rows[0][2] == PROPERTIES else 1]
        return "\n".join(r[1] for r in top if len(json.loads(r[0])) <= 1)

    def set_note_labels(self, path: str, labels: str) -> None:
        """Inside a transaction: a note's sections' labels (meta column) rewritten in place,
        their text, vectors and ids kept."""
        rows = self.conn.execute(
            "SELECT id, heading, text, meta, context FROM chunks WHERE path=?", (path,)
        ).fetchall()
        self._full_text(rows, delete=True)
        self._full_text([(i, heading, text, labels, ctx) for i, heading, text, _, ctx in rows])
        self.conn.execute("UPDATE chunks SET meta=? WHERE path=?", (labels, path))

    def file_labels(self, path: str) -> tuple[str | None, list[str]]:
        """A stored note's front-matter title and tags."""
        row = self.conn.execute("SELECT title, tags FROM files WHERE path=?", (path,)).fetchone()
        return (row[0], json.loads(row[1])) if row else (None, [])

    def skipped_rows(self) -> dict[str, str]:
        """path -> reason, for the notes recorded as skipped (unreadable) in the last sync."""
        rows = self.conn.execute(
            "SELECT path, skip_reason FROM files WHERE skip_reason IS NOT NULL"
        )
        return dict(rows.fetchall())

    def counts(self) -> tuple[int, int]:
        """(indexed files, chunks); files recorded as skipped are not counted."""
        with self.read_snapshot():
            files = self.conn.execute(
                "SELECT count(*) FROM files WHERE skip_reason IS NULL"
            ).fetchone()[0]
            chunks = self.conn.execute("SELECT count(*) FROM chunks").fetchone()[0]
        return files, chunks

    def chunk_total(self) -> int:
        """Chunks in the index, counted once per generation (a count costs ~4 ms at 100k, and
        every question needs it; every committed change sets a new generation)."""
        gen = self.generation
        if gen is None or self._total is None or self._total[0] != gen:
            self._total = (gen, self.conn.execute("SELECT count(*) FROM chunks").fetchone()[0])
        return self._total[1]

    def _rows_by_id(self, columns: str, ids: Sequence[int]) -> Iterator[tuple]:
        """Rows of chunks by id, `columns` first being the id (in batches: SQLite caps the
        number of bound parameters)."""
        ids = list(ids)
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            q = ",".join("?" * len(part))
            yield from self.conn.execute(f"SELECT {columns} FROM chunks WHERE id IN ({q})", part)

    def chunks(self, ids: Sequence[int]) -> dict[int, Chunk]:
        """Chunks by id (missing ids are left out)."""
        return {row[0]: _row_chunk(row) for row in self._rows_by_id(_CHUNK_COLUMNS, ids)}

    def paths_of(self, ids: Sequence[int]) -> dict[int, str]:
        """The note path of each chunk id (missing ids are left out)."""
        return dict(self._rows_by_id("id, path", ids))

    def chunks_for_path(self, path: str) -> list[Chunk]:
        rows = self.conn.execute(
            f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE path=? ORDER BY ord",
            (path,),
        )
        return [_row_chunk(r) for r in rows]

    def chunks_after(self, path: str, line: int, limit: int) -> list[Chunk]:
        """The next `limit` chunks of `path` starting after `line`, in file order."""
        rows = self.conn.execute(
            f"SELECT {_CHUNK_COLUMNS} "
            "FROM chunks WHERE path=? AND start_line > ? ORDER BY start_line LIMIT ?",
            (path, line, limit),
        )
        return [_row_chunk(r) for r in rows]

    def sample_headings(self, limit: int = 400) -> list[tuple[str, list[str], str]]:
        """(path, heading path, text) of up to about `limit` sections spread evenly over the
        notes, in file order: every section of a small folder, a cheap sample of a large one."""
        total = self.chunk_total()
        step = max(1, total // limit)
        rows = self.conn.execute(
            "SELECT path, heading_path, text FROM chunks WHERE heading != '' AND rowid % ? = 0 "
            "ORDER BY path, ord LIMIT ?",
            (step, limit),
        )
        return [(p, json.loads(h), t) for p, h, t in rows]

    def distinct_headings(self) -> list[str]:
        """Every distinct heading path of the index, as stored (`HEADING_SEP`-joined)."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT heading FROM chunks")]

    def headings_with_initials(self, initials: str, sample: int = 10_000) -> list[str]:
        """Distinct headings with words starting with these letters, in order (a prefilter for
        abbreviations: "lb" finds "Load balancer integration"), among the first `sample`
        sections: an abbreviation worth knowing recurs, and the scan stays a few ms."""
        pattern = "%" + "".join(f" {c}%" for c in initials.replace("%", "").replace("_", ""))
        rows = self.conn.execute(
            "SELECT DISTINCT heading FROM (SELECT heading FROM chunks LIMIT ?) "
            "WHERE ' ' || heading LIKE ?",
            (sample, pattern),
        )
        headings = [r[0] for r in rows]
        # A note of no heading is titled by its file name ("pages/Designing Data-Intensive
        # Applications.md" for "DDIA"): its words, "-", "_", "/" and "." as spaces.
        stems = self.conn.execute(
            "SELECT path FROM (SELECT path FROM files LIMIT ?) WHERE ' ' || "
            "replace(replace(replace(replace(path, '-', ' '), '_', ' '), '/', ' '), '.', ' ') "
            "LIKE ?",
            (sample, pattern),
        )
        titles = [PurePosixPath(r[0]).stem for r in stems]
        return headings + [re.sub(r"[-_.]", " ", t) for t in titles]

    def ids_for_paths(self, paths: Iterable[str]) -> list[int]:
        out: list[int] = []
        for p in paths:
            out.extend(r[0] for r in self.conn.execute("SELECT id FROM chunks WHERE path=?", (p,)))
        return out

    def vectors_by_hash(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Stored vectors for chunk content hashes (reuse across renames and moved sections)."""
        out: dict[str, np.ndarray] = {}
        hashes = list(set(hashes))
        for start in range(0, len(hashes), 500):
            part = hashes[start : start + 500]
            q = ",".join("?" * len(part))
            for h, blob in self.conn.execute(
                f"SELECT content_hash, vec FROM chunks WHERE content_hash IN ({q})", part
            ):
                out.setdefault(h, np.frombuffer(blob, dtype=np.float32))
        return out

    # ---------------------------------------------------------------- line vectors
    # One row per distinct chunk content: the float16 vectors of `Chunk.body_lines()`, in order.
    # They are filled after the chunks (`index.sync._sync_lines`), so a chunk may lack them for a
    # while (an interrupted or older index): readers then embed those lines themselves.

    def line_vectors(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Stored line vectors (n_lines x dim, float32) by chunk content hash."""
        hashes = list(set(hashes))
        if not hashes:
            return {}
        q = ",".join("?" * len(hashes))
        try:
            rows = self.conn.execute(
                f"SELECT content_hash, vecs FROM line_vectors WHERE content_hash IN ({q})", hashes
            ).fetchall()
        except sqlite3.OperationalError:
            return {}  # an index from before line vectors, opened read-only
        width = self.dim() * 2  # bytes per float16 vector
        return {  # a damaged row is left out: its lines are then embedded on the fly
            h: np.frombuffer(blob, dtype=np.float16).astype(np.float32).reshape(-1, width // 2)
            for h, blob in rows
            if isinstance(blob, bytes) and len(blob) % width == 0
        }

    def best_line_scores(
        self, ids: Sequence[int], qvec: np.ndarray, skip: Callable[[str], bool] | None = None
    ) -> dict[int, float]:
        """Each chunk's best stored line cosine with `qvec` (chunk id -> score), for line
        retrieval (`index.retrieve`). A chunk without stored line vectors (or with vectors of
        other lines) is left out; a line `skip` rejects (given its raw text: a line of
        nothing but links) does not count, nor does a chunk with no other line."""
        chunks = self.chunks(list(ids)) if ids else {}
        mats = self.line_vectors(c.content_hash for c in chunks.values())
        out: dict[int, float] = {}
        for cid, c in chunks.items():
            mat = mats.get(c.content_hash)
            if mat is None or not len(mat):
                continue
            sims = mat @ qvec
            if skip is None:
                out[cid] = float(sims.max())
                continue
            body = c.body_lines()
            if len(body) != len(sims):
                continue  # written for another chunker version
            raw = c.text.split("\n")
            for n in np.argsort(-sims, kind="stable"):  # usually the first one counts
                if not skip(raw[body[n][0]]):
                    out[cid] = float(sims[n])
                    break
        return out

    def hashes_missing_line_vectors(self) -> list[str]:
        """Content hashes of chunks whose line vectors are not stored yet (one pass), in
        file order: a file's repeated lines then meet in one build's line cache."""
        rows = self.conn.execute(
            "SELECT content_hash FROM chunks "
            "WHERE content_hash NOT IN (SELECT content_hash FROM line_vectors) "
            "GROUP BY content_hash ORDER BY MIN(id)"
        )
        return [r[0] for r in rows]

    def line_vectors_missing(self) -> bool:
        """Whether some section's line vectors are not stored yet (a build that deferred or
        was stopped during its line pass)."""
        row = self.conn.execute(
            "SELECT 1 FROM chunks WHERE content_hash NOT IN "
            "(SELECT content_hash FROM line_vectors) LIMIT 1"
        ).fetchone()
        return row is not None

    def chunks_by_hash(self, hashes: Sequence[str]) -> list[Chunk]:
        """One chunk for each content hash given (those still in the index), in that order."""
        q = ",".join("?" * len(hashes))
        rows = self.conn.execute(
            f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE content_hash IN ({q})",
            list(hashes),
        ).fetchall()
        by_hash = {r[6]: r for r in rows}
        return [_row_chunk(by_hash[h]) for h in hashes if h in by_hash]

    def put_line_vectors(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        """Inside a transaction: store line vectors by chunk content hash."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO line_vectors(content_hash, vecs) VALUES(?, ?)",
            ((h, np.asarray(v, dtype=np.float16).tobytes()) for h, v in items),
        )

    def drop_line_vectors(self) -> None:
        """Inside a transaction: drop every line vector (their kind changed)."""
        self.conn.execute("DELETE FROM line_vectors")

    def drop_nested_line_vectors(self) -> None:
        """Inside a transaction: drop the line vectors of sections under two headings or more,
        the lines whose text `corpus.models.LINE_TEXT_VERSION` 2 changed (a note's one
        heading, or none, gives the same text as before)."""
        self.conn.execute(
            "DELETE FROM line_vectors WHERE content_hash IN (SELECT content_hash FROM chunks "
            "WHERE json_array_length(heading_path) > 1)"
        )

    def prune_line_vectors(self, hashes: Iterable[str] | None = None) -> int:
        """Inside a transaction: drop line vectors no chunk uses any more, checking only
        `hashes` when given (else the whole table)."""
        if hashes is None:
            cur = self.conn.execute(
                "DELETE FROM line_vectors "
                "WHERE content_hash NOT IN (SELECT content_hash FROM chunks)"
            )
            return cur.rowcount
        cur = self.conn.executemany(
            "DELETE FROM line_vectors WHERE content_hash = ? "
            "AND NOT EXISTS (SELECT 1 FROM chunks WHERE content_hash = ?)",
            ((h, h) for h in hashes),
        )
        return cur.rowcount

    def full_text_current(self) -> bool:
        """Whether the full-text index reads a piece's context (an older one is rebuilt by
        the next writer to open it, `_migrate`)."""
        return _fts_reads_context(self.conn)

    def lexical_search(
        self, match: str, k: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """BM25 over heading, text, front-matter metadata and a piece's context (the header row
        of the table it continues: "| Host | IP | MAC |" over "| docker01 | … |", whose MAC
        column BM25 could not find); score = -bm25 (higher is better)."""
        if not match:
            return []
        limit = k if allowed is None else max(k * 20, 1000)
        try:
            rows = self.conn.execute(
                "SELECT rowid, -bm25(chunks_fts, 2.0, 1.0, 1.5, 1.0) AS s FROM chunks_fts "
                "WHERE chunks_fts MATCH ? ORDER BY s DESC LIMIT ?",
                (match, limit),
            ).fetchall()
        except sqlite3.OperationalError:
            return []
        if allowed is not None:
            rows = [r for r in rows if r[0] in allowed]
        return [(int(i), float(s)) for i, s in rows[:k]]

    def term_query(self, term: str) -> str:
        """The FTS5 query that finds `term` as `term_count` counts it: the term, or else its
        crude-stem prefix where only that matches ("thrasing" finds "thrashing", as it was
        counted in the notes; searched as written it found nothing, and the section that
        answered was left to dense search)."""
        if CJK.search(term):
            return self._holding(term) or term_queries(term)[0]
        exact, *prefix = term_queries(term)
        if prefix and not self._matches(exact) and self._matches(prefix[0]):
            return prefix[0]
        return exact

    def _holding(self, word: str) -> str | None:
        """The FTS5 query for the notes' tokens holding a Chinese or Japanese `word` ("在留"
        inside "在留カードの更新": `CJK`), at most `CJK_TOKENS`; None if no token does."""
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", word.replace('"', "")) + "%"
        rows = self.conn.execute(
            "SELECT term FROM raw_vocab WHERE term LIKE ? ESCAPE '\\' LIMIT ?",
            (pattern, CJK_TOKENS),
        ).fetchall()
        tokens = [f'"{r[0]}"' for r in rows]
        return f"({' OR '.join(tokens)})" if tokens else None

    def has_phrase(self, words: Sequence[str]) -> bool:
        """Whether some section writes `words` side by side (porter-stemmed, as BM25 reads)."""
        return self._matches('"' + " ".join(w.replace('"', "") for w in words) + '"')

    def _matches(self, query: str) -> bool:
        try:
            return (
                self.conn.execute(
                    "SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1", (query,)
                ).fetchone()
                is not None
            )
        except sqlite3.OperationalError:
            return False

    def term_count(self, term: str, cap: int = 1_000_000) -> int:
        """Chunks containing `term` after porter stemming, else as a crude-stem prefix (0: none),
        counted up to `cap` (counting every match of a frequent word costs ms at 100k chunks).

        The prefix fallback catches forms porter leaves apart ("autoscale" / "autoscaling"); a
        Chinese or Japanese word is counted in the tokens holding it (`_holding`).
        """
        if CJK.search(term):
            held = self._holding(term)
            queries = [held] if held else []
        else:
            queries = term_queries(term)
        for q in queries:
            try:
                n = self.conn.execute(
                    "SELECT count(*) FROM (SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? "
                    "LIMIT ?)",
                    (q, cap),
                ).fetchone()[0]
            except sqlite3.OperationalError:
                n = 0
            if n:
                return n
        return 0

    def cooccurs(self, word: str, others: Sequence[str]) -> bool:
        """Whether a note holds `word` and any of `others` (porter-stemmed, as BM25 reads)."""
        if not others:
            return False
        quoted = " OR ".join('"' + o.replace('"', "") + '"' for o in others)
        try:
            row = self.conn.execute(
                "SELECT 1 FROM chunks WHERE id IN (SELECT rowid FROM chunks_fts WHERE chunks_fts "
                "MATCH ?) AND path IN (SELECT path FROM chunks WHERE id IN (SELECT rowid FROM "
                "chunks_fts WHERE chunks_fts MATCH ?)) LIMIT 1",
                ('"' + word.replace('"', "") + '"', quoted),
            ).fetchone()
        except sqlite3.OperationalError:
            return False
        return row is not None

    def raw_count(self, word: str) -> int:
        """Chunks holding `word` exactly as written (lower-cased, not stemmed): "reds" is in
        one til note though `term_count` finds "red" in dozens."""
        row = self.conn.execute("SELECT doc FROM raw_vocab WHERE term = ?", (word,)).fetchone()
        return int(row[0]) if row else 0

    def hyphenated_count(self, first: str, second: str, cap: int = 1_000) -> int:
        """Chunks writing `first` and `second` joined by a hyphen ("Wi-Fi", "e-mail"; any
        case), counted up to `cap`: FTS5 reads them as two words side by side, and the
        hyphen is checked in the text of those chunks."""
        phrase = f'"{first.replace(chr(34), "")} {second.replace(chr(34), "")}"'
        joined = re.compile(rf"\b{re.escape(first)}-{re.escape(second)}\b", re.IGNORECASE)
        rows = self._raw_texts(phrase, cap)
        return sum(1 for row in rows if any(joined.search(t or "") for t in row))

    def _raw_texts(self, query: str, cap: int) -> list[tuple[str | None, str | None, str | None]]:
        """(heading, text, meta) of at most `cap` chunks the unstemmed index matches for the
        FTS5 `query`, for checks FTS5 cannot make (a hyphen, the word before); none for a
        query it cannot parse."""
        try:
            return self.conn.execute(
                "SELECT c.heading, c.text, c.meta FROM chunks_raw JOIN chunks c "
                "ON c.id = chunks_raw.rowid WHERE chunks_raw MATCH ? LIMIT ?",
                (query, cap),
            ).fetchall()
        except sqlite3.OperationalError:
            return []

    def texts_matching(self, query: str, cap: int = 50) -> list[str]:
        """The heading and text of at most `cap` sections the unstemmed index matches for the
        FTS5 `query`, for what FTS5 cannot check itself (the case a word is written in)."""
        return [f"{h or ''}\n{t or ''}" for h, t, _ in self._raw_texts(query, cap)]

    def words_before(self, word: str, cap: int = 500) -> list[str]:
        """The words written just before `word` (or its plural) in the sections' headings and
        text, as written, one per occurrence, read from at most `cap` sections holding it."""
        forms = [word, word + "s", word + "es"]
        query = " OR ".join('"' + f.replace('"', "") + '"' for f in forms)
        pair = re.compile(
            rf"([^\W\d_]+)[ \t-]+(?:{'|'.join(map(re.escape, forms))})\b", re.IGNORECASE
        )
        rows = self._raw_texts(query, cap)
        return [m.group(1) for row in rows for t in row[:2] for m in pair.finditer(t or "")]

    def raw_terms(self, prefix: str) -> list[str]:
        """Unstemmed vocabulary terms starting with `prefix` (for typo-tolerant matching)."""
        hi = prefix + "\U0010ffff"
        rows = self.conn.execute(
            "SELECT term FROM raw_vocab WHERE term >= ? AND term < ?", (prefix, hi)
        )
        return [r[0] for r in rows]

    # ---------------------------------------------------------------- dense
    def faiss_path(self, generation: str) -> Path:
        return self.index_dir / f"vectors-{generation}.faiss"

    def vector_index(self) -> Any:
        """The FAISS index for the current generation, loading or rebuilding it as needed.

        The generation, the file and any fallback read of vectors from SQLite happen in one
        read snapshot, so a writer committing meanwhile cannot pair one state's FAISS file with
        another state's chunks. `self.vector_problem` says why the file could not be used
        (None when it was); the index is then rebuilt in memory from SQLite.
        """
        with self.read_snapshot():
            gen = self.generation
            if self._faiss_index is not None and self._faiss_generation == gen:
                return self._faiss_index
            index, problem = self._load_faiss_file(gen)
            if index is None:
                index = self._index_from_sqlite()
            self._faiss_index, self._faiss_generation = index, gen
            self.vector_problem = problem
            return index

    vector_problem: str | None = None

    def _load_faiss_file(self, gen: str | None) -> tuple[Any, str | None]:
        """(index, None) if the FAISS file for `gen` is sound, else (None, reason)."""
        if gen is None:
            return None, "no generation recorded"
        path = self.faiss_path(gen)
        if not path.exists():
            return None, f"vector file {path.name} is missing"
        try:
            index = _faiss().read_index(str(path))
        except Exception as e:  # truncated or garbage file
            return None, f"vector file {path.name} is unreadable ({faiss_read_reason(e)})"
        db_ids = self._chunk_ids()
        if index.ntotal != len(db_ids):
            return None, f"vector file holds {index.ntotal} vectors for {len(db_ids)} chunks"
        if not np.array_equal(np.sort(faiss_ids(index)), db_ids):
            return None, "vector file ids do not match the database's chunk ids"
        if index.d != self.dim():
            return None, f"vector file has dimension {index.d}, index {self.dim()}"
        return index, None

    def _chunk_ids(self) -> np.ndarray:
        """Every chunk id, sorted (by numpy: SQLite then reads a small covering index instead
        of every row of the table, 3x faster at 100k chunks)."""
        ids = self.conn.execute("SELECT id FROM chunks").fetchall()
        return np.sort(np.array(ids, dtype=np.int64).reshape(-1))

    def faiss_file_problem(self) -> str | None:
        """Why the FAISS file of the current generation cannot be served (None if it can).
        A sound file stays loaded for `vector_index` (reading 150 MB twice cost 0.3 s)."""
        with self.read_snapshot():
            gen = self.generation
            index, problem = self._load_faiss_file(gen)
            if index is not None:
                self._faiss_index, self._faiss_generation = index, gen
                self.vector_problem = None
            return problem

    def faiss_file_ok(self) -> bool:
        return self.faiss_file_problem() is None

    def _index_from_sqlite(self) -> Any:
        """The vector index rebuilt from the vectors stored in SQLite (no re-embedding)."""
        dim = self.dim()
        bad = self.conn.execute(
            "SELECT count(*) FROM chunks WHERE length(vec) != ?", (dim * 4,)
        ).fetchone()[0]
        if bad:
            raise IndexCorrupt(f"{bad} stored vectors do not have dimension {dim}")
        n = self.chunk_total()
        sample = np.zeros((0, dim), np.float32)
        if n >= vectors.IVF_MIN_VECTORS:  # every step-th vector trains the IVF lists
            step = max(1, n // (vectors.nlist_for(n) * vectors.TRAIN_PER_LIST))
            rows = self.conn.execute("SELECT vec FROM chunks WHERE id % ? = 0", (step,))
            sample = np.stack([np.frombuffer(r[0], dtype=np.float32) for r in rows])
        return vectors.build(dim, n, sample, self.stored_vectors())

    def stored_vectors(self, batch: int = 10_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, vectors) from SQLite in batches, so a rebuild never holds two copies."""
        cur = self.conn.execute("SELECT id, vec FROM chunks")
        while rows := cur.fetchmany(batch):
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            yield ids, np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])

    def vectors_for_ids(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """Stored vectors of some chunks (an IVF index cannot hand its vectors back)."""
        q = ",".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT id, vec FROM chunks WHERE id IN ({q})", list(ids))
        return {int(i): np.frombuffer(v, dtype=np.float32) for i, v in rows}

    def dim(self) -> int:
        d = self.meta("dim")
        if d is not None:
            return int(d)
        row = self.conn.execute("SELECT vec FROM chunks LIMIT 1").fetchone()
        return len(row[0]) // 4 if row else 1

    def dense_search(
        self, qvec: np.ndarray, k: int, allowed: set[int] | None = None, exact: bool = False
    ) -> list[tuple[int, float]]:
        index = self.vector_index()
        with one_omp_thread():
            return vectors.search(index, qvec, k, allowed, exact=exact)

    # ---------------------------------------------------------------- writing
    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        self._next_id = None
        try:
            yield self.conn
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    _next_id: int | None = None

    def _allocate_ids(self, n: int) -> int:
        """Inside a transaction: the first of `n` fresh chunk ids (never reused after deletes)."""
        if self._next_id is None:
            hwm = int(self.meta("max_chunk_id") or 0)
            top = self.conn.execute("SELECT coalesce(max(id), 0) FROM chunks").fetchone()[0]
            self._next_id = max(hwm, int(top)) + 1
        first = self._next_id
        self._next_id += n
        if n:
            self.set_meta(max_chunk_id=str(self._next_id - 1))
        return first

    def _full_text(
        self, rows: Sequence[tuple[int, str, str, str, str]], delete: bool = False
    ) -> None:
        """Inside a transaction: (id, heading, text, meta, context) rows into both full-text
        tables (the raw one, the notes' own words, without the context a piece repeats), or
        (`delete`) out of them, with the values they were indexed with (external content)."""
        columns = ("rowid", "heading", "text", "meta", "context")
        for fts, n in (("chunks_fts", 5), ("chunks_raw", 4)):
            command = f"{fts}, " if delete else ""
            values = ("'delete', " if delete else "") + ", ".join(["?"] * n)
            self.conn.executemany(
                f"INSERT INTO {fts}({command}{', '.join(columns[:n])}) VALUES({values})",
                [r[:n] for r in rows],
            )

    def delete_path(self, path: str) -> list[int]:
        """Inside a transaction: remove a file and its chunks (FTS rows included)."""
        rows = self.conn.execute(
            "SELECT id, heading, text, meta, context, content_hash FROM chunks WHERE path=?",
            (path,),
        ).fetchall()
        self.dropped_hashes.update(r[5] for r in rows)
        self._full_text([r[:5] for r in rows], delete=True)
        self.conn.execute("DELETE FROM chunks WHERE path=?", (path,))
        self.conn.execute("DELETE FROM files WHERE path=?", (path,))
        return [r[0] for r in rows]

    def insert_file(
        self,
        path: str,
        content_hash: str,
        size: int,
        mtime_ns: int,
        title: str | None,
        tags: list[str],
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        labels: str | None = None,
    ) -> list[int]:
        """Inside a transaction: add a file's chunks and vectors; returns the new chunk ids.
        `labels`: what its sections' meta column holds (`NoteChunks.labels`: title, aliases
        and tags; default title and tags)."""
        self.conn.execute(
            "INSERT OR REPLACE INTO files(path, content_hash, size, mtime_ns, title, tags, "
            "indexed_at, skip_reason) VALUES(?,?,?,?,?,?,?,NULL)",
            (path, content_hash, size, mtime_ns, title, json.dumps(tags), time.time()),
        )
        meta = labels_text(title, tags) if labels is None else labels
        rows: list[tuple[int, str, str, str, str]] = []  # what the full-text tables index
        next_id = self._allocate_ids(len(chunks))
        for ord_, (c, v) in enumerate(zip(chunks, vectors, strict=True)):
            heading = HEADING_SEP.join(c.heading_path)
            cur = self.conn.execute(
                "INSERT INTO chunks(id, path, ord, heading_path, heading, start_line, end_line, "
                "text, context, title, meta, content_hash, vec) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    next_id + ord_,
                    path,
                    ord_,
                    json.dumps(c.heading_path, ensure_ascii=False),
                    heading,
                    c.start_line,
                    c.end_line,
                    c.text,
                    c.context,
                    c.title,
                    meta,
                    c.content_hash,
                    _vec_blob(v),
                ),
            )
            rows.append((int(cur.lastrowid), heading, c.text, meta, c.context))
        self._full_text(rows)
        return [r[0] for r in rows]

    def record_skipped(self, path: str, size: int, mtime_ns: int, reason: str) -> None:
        """Inside a transaction: remember a note that could not be read (it has no chunks)."""
        self.delete_path(path)
        self.conn.execute(
            "INSERT INTO files(path, content_hash, size, mtime_ns, title, tags, indexed_at, "
            "skip_reason) VALUES(?, '', ?, ?, NULL, '[]', ?, ?)",
            (path, size, mtime_ns, time.time(), reason),
        )

    def set_meta(self, **values: str) -> None:
        for k, v in values.items():
            self.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES(?,?)", (k, v))

    def write_vectors(self, generation: str) -> None:
        """Write the FAISS file for `generation` (temp file + rename), then drop older ones.

        The in-memory index (kept up to date incrementally during a sync) is checked against
        SQLite first: ids must match exactly, else it is rebuilt from the stored vectors.
        """
        with self.read_snapshot():
            if self.generation != generation:
                raise IndexError_("internal error: writing vectors for a stale generation")
            index = self.vector_index()
            if not vectors.fits(index) or not np.array_equal(
                np.sort(faiss_ids(index)), self._chunk_ids()
            ):
                self._faiss_index = index = None  # free it before building the new one
                index = self._index_from_sqlite()
                self._faiss_index, self._faiss_generation = index, generation
        final = self.faiss_path(generation)
        fd, tmp = tempfile.mkstemp(dir=self.index_dir, prefix=".vectors-", suffix=".tmp")
        os.close(fd)
        try:
            _faiss().write_index(index, tmp)
            _fsync_file(Path(tmp))
            os.replace(tmp, final)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        _fsync_dir(self.index_dir)
        for old in self.index_dir.glob("vectors-*.faiss"):
            if old != final:
                with contextlib.suppress(OSError):
                    old.unlink()

    def remove_temp_files(self) -> int:
        """Delete temp files a killed writer left behind (call only under the write lock)."""
        return remove_temp_files(self.index_dir)

    def update_vector_index(self, removed: Sequence[int], added: Sequence[int], vecs: np.ndarray):
        """Apply an incremental change to the in-memory FAISS index (after the SQLite commit)."""
        index = self._faiss_index
        if index is None:
            return
        if removed:
            index.remove_ids(np.asarray(removed, dtype=np.int64))
        if len(added):
            index.add_with_ids(np.asarray(vecs, dtype=np.float32), np.asarray(added, np.int64))

    def adopt_vector_index(self, index: Any, generation: str) -> None:
        """Serve `index` (built by the caller from this store's vectors, e.g. the exact index
        a build grows) as the in-memory index of `generation`; `write_vectors` checks its ids
        against SQLite before writing it."""
        self._faiss_index, self._faiss_generation = index, generation

    def adopt_generation(self, generation: str) -> None:
        """Mark the in-memory FAISS index as matching `generation` (after a commit)."""
        if self._faiss_index is not None:
            self._faiss_generation = generation

    def info(self) -> IndexInfo:
        files, chunks = self.counts()
        manifest = self.read_manifest()
        return IndexInfo(
            index_dir=str(self.index_dir),
            notes_root=manifest.notes_root if manifest else self.meta("notes_root"),
            files=files,
            chunks=chunks,
            size_bytes=dir_size(self.index_dir),
            updated_at=manifest.updated_at if manifest else None,
            model_id=manifest.model_id if manifest else self.meta("model_id"),
            precision=manifest.precision if manifest else None,
        )


def new_generation() -> str:
    return uuid.uuid4().hex[:16]


def faiss_read_reason(e: Exception) -> str:
    """Why FAISS could not read a vector file, in a user's words: its own message names a C++
    function and a build path ("Error in void faiss::read_xb_vector(…) at /project/fa…")
    and says no more than that the file is damaged or cut short."""
    if isinstance(e, OSError):
        return e.strerror or type(e).__name__
    return "damaged or cut short"


def faiss_ids(index: Any) -> np.ndarray:
    """The chunk ids a vector index holds (unsorted)."""
    return vectors.ids(index)


def read_manifest(index_dir: Path) -> Manifest | None:
    return manifest_status(index_dir)[0]


def manifest_status(index_dir: Path) -> tuple[Manifest | None, str | None]:
    """(manifest, None) if readable; (None, None) if absent; (None, reason) if damaged."""
    path = Path(index_dir) / MANIFEST_NAME
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as e:
        return None, f"{MANIFEST_NAME} is unreadable ({e.strerror or e})"
    try:
        json.loads(data)
    except ValueError:
        return None, f"{MANIFEST_NAME} is not valid JSON"
    try:
        return Manifest.model_validate_json(data), None
    except ValueError as e:
        n = len(e.errors()) if hasattr(e, "errors") else 1
        return None, f"{MANIFEST_NAME} is not an index manifest ({n} invalid or missing fields)"


TEMP_GLOBS = (".vectors-*.tmp", f".{MANIFEST_NAME}-*.tmp", ".probe-*.tmp")


def remove_temp_files(index_dir: Path) -> int:
    """Delete leftover temp files of this module's atomic writes; returns how many."""
    n = 0
    for pattern in TEMP_GLOBS:
        for p in Path(index_dir).glob(pattern):
            with contextlib.suppress(OSError):
                if p.is_file() and not p.is_symlink():
                    p.unlink()
                    n += 1
    return n


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring an older schema-1 database up to date (columns added since)."""
    cols = {r[1] for r in conn.execute("PRAGMA table_info(files)")}
    if "skip_reason" not in cols:
        conn.execute("ALTER TABLE files ADD COLUMN skip_reason TEXT")
    if "title" not in {r[1] for r in conn.execute("PRAGMA table_info(chunks)")}:
        # `Chunk.title` (chunker 20); the index's older chunks are re-chunked at its refresh
        conn.execute("ALTER TABLE chunks ADD COLUMN title TEXT NOT NULL DEFAULT ''")
    if not _fts_reads_context(conn):
        # BM25 reads a piece's context since: the full-text index is rebuilt from the chunks
        # table (seconds at 100k sections; nothing embedded again)
        conn.execute("BEGIN IMMEDIATE")  # all or nothing: never a table left empty
        try:
            conn.execute("DROP TABLE chunks_fts")
            conn.execute(_CHUNKS_FTS)
            conn.execute("INSERT INTO chunks_fts(chunks_fts) VALUES('rebuild')")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _fts_reads_context(conn: sqlite3.Connection) -> bool:
    """Whether the full-text index has the context column (`_CHUNKS_FTS`)."""
    return "context" in {r[1] for r in conn.execute("PRAGMA table_info(chunks_fts)")}


def dir_size(path: Path) -> int:
    total = 0
    for p in Path(path).glob("*"):
        with contextlib.suppress(OSError):
            total += p.stat().st_size
    return total


_CHUNK_COLUMNS = "id, path, heading_path, start_line, end_line, text, content_hash, context, title"
"""The columns `_row_chunk` reads, in its order."""


def _row_chunk(row: tuple) -> Chunk:
    cid, path, hp, start, end, text, h, context, title = row
    return Chunk(
        id=cid,
        path=path,
        heading_path=json.loads(hp),
        start_line=start,
        end_line=end,
        text=text,
        content_hash=h,
        context=context,
        title=title,
    )


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    """Make a rename in `path` durable (best effort; not every platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    _fsync_dir(path.parent)
