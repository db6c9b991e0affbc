"""The index folder's lifecycle outside a build: which files belong to it, whether another
process holds its write lock, its own consistency (`assistant index --check`), and the list
of indexes on this machine. Used by the engine; knows nothing of answers or settings."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from corpus.models import LINE_TEXT_VERSION, text_hash
from corpus.read import NoteReadError, read_note
from corpus.scan import scan_notes
from index.models import IndexInfo, Skipped
from index.store import (
    IndexError_,
    Store,
    faiss_ids,
    faiss_read_reason,
    manifest_status,
    read_manifest,
)
from index.sync import LINE_TEXT, is_index_name, manifest_problem


def lock_held(index_dir: Path) -> bool:
    """Is another process holding the index's write lock right now? (False if unknowable.)"""
    from filelock import FileLock, Timeout

    from index.store import LOCK_NAME

    if not (index_dir / LOCK_NAME).exists():
        return False
    lock = FileLock(str(index_dir / LOCK_NAME))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return True
    except OSError:
        return False
    lock.release()
    return False


def check_store(store: Store, manifest_generation: str, dim: int) -> list[str]:
    """The index's own consistency: SQLite, FAISS file and manifest against each other."""
    import faiss

    problems: list[str] = []
    gen = store.generation
    if gen != manifest_generation:
        problems.append(
            f"generation mismatch: manifest {manifest_generation}, database {gen} "
            "(an update was interrupted)"
        )
    integrity = store.quick_check()
    if integrity:
        return [*problems, integrity]
    db_ids = {r[0] for r in store.conn.execute("SELECT id FROM chunks")}
    path = store.faiss_path(gen) if gen else None
    if path is None or not path.exists():
        problems.append(f"vector file missing ({path.name if path else 'no generation'})")
    else:
        try:
            index = faiss.read_index(str(path))
        except Exception as e:
            problems.append(f"vector file {path.name} unreadable ({faiss_read_reason(e)})")
        else:
            ids = {int(i) for i in faiss_ids(index)}
            if ids - db_ids:
                problems.append(f"{len(ids - db_ids)} orphan vectors (no chunk in the database)")
            if db_ids - ids:
                problems.append(f"{len(db_ids - ids)} chunks without a vector in the vector file")
            if index.ntotal != len(ids):
                problems.append(f"{index.ntotal - len(ids)} duplicated vectors")
            if index.d != dim:
                problems.append(f"vector file dimension {index.d} != manifest dimension {dim}")
    problems += store.structure_problems(dim)[0]
    try:
        lacking = len(store.hashes_missing_line_vectors())
    except sqlite3.OperationalError:  # an index from before line vectors
        lacking = len(db_ids)
    if lacking:
        problems.append(
            f"{lacking} section{'' if lacking == 1 else 's'} without line vectors "
            "(`assistant index` adds them; answers "
            "meanwhile embed those lines themselves)"
        )
    return problems


def broken_index_info(index_dir: Path, notes_root: str | None, problem: str) -> IndexInfo:
    """What `index --list` and the TUI show for an index that cannot be opened."""
    return IndexInfo(
        index_dir=str(index_dir),
        notes_root=notes_root,
        files=0,
        chunks=0,
        size_bytes=0,
        updated_at=None,
        model_id=None,
        problem=problem,
    )


def list_indexes(root: Path) -> list[IndexInfo]:
    """Every index folder under `root` (the user data directory's indexes)."""
    out: list[IndexInfo] = []
    if not root.is_dir():
        return out
    for d in sorted(root.iterdir()):
        if not d.is_dir():
            continue
        try:
            store = Store.open(d, create=False)
        except (IndexError_, OSError) as e:  # an OSError: a folder it may not read
            why = str(e) if isinstance(e, IndexError_) else f"cannot be read ({e.strerror or e})"
            try:
                manifest = read_manifest(d)
            except OSError:
                manifest = None
            out.append(broken_index_info(d, manifest.notes_root if manifest else None, why))
            continue
        try:
            info = store.info()
        finally:
            store.close()
        if info.notes_root and not Path(info.notes_root).exists():  # moved or deleted
            info.problem = (
                f"its notes folder no longer exists (`assistant index --drop --index {d}` "
                "removes it)"
            )
        out.append(info)
    return out


def index_file_names(names: set[str]) -> set[str]:
    """Of `names`, those an index folder holds (`index.sync.is_index_name`)."""
    return {n for n in names if is_index_name(n)}


INDEX_BUSY = "another assistant process is updating the index; check again when it ends"
"""`check_index`'s one problem while another process holds the write lock: nothing to repair."""


def check_index(index_dir: Path, notes_root: Path, model_id: str) -> list[str]:
    """Problems with the index (empty list: consistent with itself and with the notes).

    Read-only: never takes the write lock, writes or repairs anything (`refresh` repairs).
    """
    if lock_held(index_dir):  # a first build has no manifest yet: that is no damage
        return [INDEX_BUSY]
    manifest, manifest_err = manifest_status(index_dir)
    if manifest_err:
        return [manifest_err]
    if manifest is None:
        return ["no manifest (index missing or never completed)"]
    problems: list[str] = []
    wrong = manifest_problem(manifest, model_id, manifest.dim)
    if wrong:
        problems.append(f"built for another configuration: {wrong}")
    try:
        store = Store.open(index_dir, create=False)
    except IndexError_ as e:
        return [*problems, str(e)]
    try:
        with store.read_snapshot():
            problems += check_store(store, manifest.generation, manifest.dim)
            stored = store.file_rows()
            skipped = store.skipped_rows()
    except (sqlite3.Error, IndexError_) as e:
        return [*problems, f"index database cannot be read ({e})"]
    finally:
        store.close()
    scan = scan_notes(notes_root, exclude=index_dir)
    current = {f.rel: f for f in scan.files}
    for rel in sorted(set(stored) - set(current)):
        problems.append(f"indexed file no longer in notes: {rel}")
    for rel in sorted(set(current) - set(stored)):
        try:
            read_note(current[rel].path)
        except NoteReadError:
            continue  # unreadable: `index` will skip it with a warning, nothing to index
        problems.append(f"note not indexed: {rel}")
    for rel in sorted(set(current) & set(stored)):
        try:
            h = text_hash(read_note(current[rel].path).text)
        except NoteReadError:
            continue
        if rel in skipped:
            problems.append(f"note not indexed (was unreadable: {skipped[rel]}): {rel}")
        elif h != stored[rel][0]:
            problems.append(f"note changed since indexed: {rel}")
    return problems


def stale_reason(
    index_dir: Path,
    notes_root: Path,
    model_id: str,
    open_store: Callable[[], Store],
    precision: str | None = None,
    unread: list[Skipped] | None = None,
) -> str | None:
    """Why the index must be (re)built before answering, or None if it is fresh: no manifest,
    another configuration (model, or `precision` when given), an interrupted update, an
    unreadable database, line vectors of another `LINE_TEXT_VERSION`, a full-text index
    without a piece's context (`Store.full_text_current`), or notes changed
    (`notes_changed`). `open_store` gives the reader's
    open store."""
    manifest = read_manifest(index_dir)
    if manifest is None:
        return "no index yet"
    problem = manifest_problem(manifest, model_id, manifest.dim, precision)
    if problem:
        return problem
    try:
        store = open_store()
        if store.generation != manifest.generation:
            return "index is inconsistent (interrupted update)"
        stored = store.file_rows()
        line_text = store.meta(LINE_TEXT)
        full_text = store.full_text_current()
    except Exception as e:  # an EngineError from the opener, a damaged database
        return f"index unreadable: {e}"
    if line_text != LINE_TEXT_VERSION:
        return "single-line vectors of an older version (embedded again; sections are kept)"
    if not full_text:
        return "full-text index of an older version (rebuilt from the sections, in seconds)"
    return notes_changed(stored, notes_root, index_dir, unread)


def unreadable(reason: str) -> bool:
    """A reason a note or folder was skipped that the user can fix and should hear of every
    time (not a binary file or a link out of the folder, left out by design)."""
    return reason == "permission denied" or reason.startswith("unreadable")


def notes_changed(
    stored: dict[str, tuple[str, int, int]],
    notes_root: Path,
    index_dir: Path | None = None,
    unread: list[Skipped] | None = None,
) -> str | None:
    """Why the notes no longer match the index's file rows (added, removed or a file whose
    size or mtime moved), or None. `index_dir` is not part of the notes (`scan_notes`).
    `unread` gets what the scan could not enter or read (a folder made unreadable: its notes
    leave the index at the refresh that finds it, and an index fresh since would say nothing
    of it)."""
    scan = scan_notes(notes_root, exclude=index_dir)
    if unread is not None:
        unread.extend(
            Skipped(path=s.path, reason=s.reason) for s in scan.skipped if unreadable(s.reason)
        )
    current = {f.rel: f for f in scan.files}
    if set(current) != set(stored):
        return "notes were added or removed"
    for rel, f in current.items():
        _hash, size, mtime = stored[rel]
        if not f.same_stat(size, mtime):
            return f"{rel} changed"
    return None
