"""Incremental sync of a notes folder into the store, and the checks that decide a rebuild.

Only files whose bytes changed are re-read and re-chunked, and only chunks whose embedded text
is new are re-embedded: a renamed file, or a section moved between files, reuses the vectors
already stored under the same content hash.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from corpus.markdown import CHUNKER_VERSION, chunk_note
from corpus.models import Chunk, text_hash
from corpus.read import NoteReadError, read_note
from corpus.scan import NoteFile, scan_notes
from index.embed import Embedder
from index.models import Manifest, Skipped, SyncReport
from index.store import (
    DB_NAME,
    LOCK_NAME,
    MANIFEST_NAME,
    SCHEMA_VERSION,
    IndexError_,
    Store,
    new_generation,
    read_manifest,
)

SyncProgress = Callable[[str, int, int], None]
"""progress(stage, done, total): stage is "scan", "read" or "embed"."""

BATCH_CHUNKS = 2048


class IndexBusy(Exception):
    """Another process holds the index's write lock."""


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout: float = -1):
    """Exclusive write lock on an index folder. timeout=0: fail at once; -1: wait forever."""
    try:
        Path(index_dir).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise IndexError_(f"cannot create index folder {index_dir}: {e.strerror}") from e
    lock = FileLock(str(Path(index_dir) / LOCK_NAME))
    try:
        lock.acquire(timeout=timeout)
    except Timeout as e:
        raise IndexBusy(f"another assistant process is indexing into {index_dir}") from e
    except OSError as e:
        raise IndexError_(f"cannot write to index folder {index_dir}: {e.strerror}") from e
    try:
        yield
    finally:
        lock.release()


def manifest_problem(manifest: Manifest | None, embedder_model_id: str, dim: int) -> str | None:
    """Why an existing index cannot be used with this configuration (None if it can)."""
    if manifest is None:
        return None
    if manifest.schema_version != SCHEMA_VERSION:
        return f"index schema {manifest.schema_version} != {SCHEMA_VERSION}"
    if manifest.model_id != embedder_model_id:
        return f"index built with model {manifest.model_id}, now {embedder_model_id}"
    if manifest.dim != dim:
        return f"index dimension {manifest.dim} != model dimension {dim}"
    if manifest.chunker_version != CHUNKER_VERSION:
        return f"index chunker version {manifest.chunker_version} != {CHUNKER_VERSION}"
    return None


def wipe(index_dir: Path) -> None:
    """Delete an index's files (never anything else: only names this module writes)."""
    index_dir = Path(index_dir)
    for p in [index_dir / DB_NAME, index_dir / MANIFEST_NAME]:
        for q in (p, Path(f"{p}-wal"), Path(f"{p}-shm")):
            with contextlib.suppress(FileNotFoundError):
                q.unlink()
    for p in index_dir.glob("vectors-*.faiss"):
        p.unlink()
    for p in index_dir.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            p.unlink() if p.is_file() else shutil.rmtree(p)


def open_for_write(index_dir: Path, embedder: Embedder, report: SyncReport) -> Store:
    """Open the store, rebuilding it from scratch if it is corrupt or built differently."""
    problem = manifest_problem(read_manifest(index_dir), embedder.model_id, embedder.dim)
    if problem is None and (index_dir / DB_NAME).exists():
        try:
            store = Store.open(index_dir)
            stored_dim = store.meta("dim")
            if stored_dim is not None and int(stored_dim) != embedder.dim:
                problem = f"stored vectors have dimension {stored_dim}"
                store.close()
            else:
                return store
        except IndexError_ as e:
            problem = str(e)
    if problem:
        report.repaired.append(f"rebuilt index: {problem}")
    wipe(index_dir)
    return Store.open(index_dir)


def sync(
    index_dir: Path,
    notes_root: Path,
    embedder: Embedder,
    *,
    progress: SyncProgress | None = None,
) -> SyncReport:
    """Bring the index at `index_dir` up to date with `notes_root`. Caller holds the write lock."""
    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    notes_root = Path(notes_root).resolve()
    report = SyncReport()
    store = open_for_write(index_dir, embedder, report)
    try:
        _sync(store, notes_root, embedder, report, progress)
    finally:
        store.close()
    report.seconds = time.perf_counter() - t0
    return report


def _sync(
    store: Store,
    notes_root: Path,
    embedder: Embedder,
    report: SyncReport,
    progress: SyncProgress | None,
) -> None:
    if store.meta("dim") is None:
        with store.transaction():
            store.set_meta(dim=str(embedder.dim))
    scan = scan_notes(notes_root)
    report.skipped.extend(Skipped(path=s.path, reason=s.reason) for s in scan.skipped)
    stored = store.file_rows()
    manifest = store.read_manifest()
    old_gen = store.generation
    consistent = (
        manifest is not None and manifest.generation == old_gen and store.faiss_file_ok()
    )
    if stored and not consistent:
        report.repaired.append("vector file or manifest did not match the database; rewritten")

    # 1. Decide what changed, reading only files whose size or mtime moved.
    changed: list[tuple[NoteFile, str, object]] = []  # (file, hash, NoteChunks)
    touched: list[NoteFile] = []
    seen: set[str] = set()
    total = len(scan.files)
    for i, f in enumerate(scan.files, 1):
        seen.add(f.rel)
        old = stored.get(f.rel)
        if old and old[1] == f.size and old[2] == f.mtime_ns:
            report.unchanged += 1
            continue
        try:
            note = read_note(f.path)
        except NoteReadError as e:
            report.skipped.append(Skipped(path=f.rel, reason=str(e)))
            seen.discard(f.rel)
            continue
        h = text_hash(note.text)
        if old and old[0] == h:
            report.unchanged += 1
            touched.append(f)
            continue
        chunks = chunk_note(f.rel, note.text, embedder.count_tokens, embedder.max_tokens)
        changed.append((f, h, chunks))
        if progress:
            progress("read", i, total)

    removed = [p for p in stored if p not in seen]
    removed_hashes = {stored[p][0]: p for p in removed}
    renamed_from: set[str] = set()
    for f, h, _ in changed:
        if f.rel in stored:
            report.updated += 1
        elif h in removed_hashes and removed_hashes[h] not in renamed_from:
            report.renamed += 1
            renamed_from.add(removed_hashes[h])
        else:
            report.added += 1
    report.removed = len(removed) - len(renamed_from)

    # 2. Reuse stored vectors by chunk content hash; embed the rest in batches.
    reuse = store.vectors_by_hash(
        c.content_hash for _, _, nc in changed for c in nc.chunks  # type: ignore[attr-defined]
    )
    to_embed: dict[str, str] = {}
    for _, _, nc in changed:
        for c in nc.chunks:  # type: ignore[attr-defined]
            if c.content_hash not in reuse:
                to_embed.setdefault(c.content_hash, c.embed_text())
    report.chunks_embedded = len(to_embed)

    gen = new_generation()
    index = store.vector_index() if consistent or not stored else None
    index_loaded = index is not None
    with store.transaction():
        removed_ids: list[int] = []
        for p in removed:
            removed_ids += store.delete_path(p)
        for f in touched:
            store.conn.execute(
                "UPDATE files SET size=?, mtime_ns=? WHERE path=?", (f.size, f.mtime_ns, f.rel)
            )
        store.set_meta(
            generation=gen,
            dim=str(embedder.dim),
            model_id=embedder.model_id,
            notes_root=str(notes_root),
        )
    if index_loaded:
        store.update_vector_index(removed_ids, [], np.zeros((0, embedder.dim), np.float32))
        store.adopt_generation(gen)

    hashes = list(to_embed)
    done = 0
    pending: list[tuple[NoteFile, str, object]] = []
    pending_chunks = 0

    def flush() -> None:
        nonlocal pending, pending_chunks, gen
        if not pending:
            return
        gen = new_generation()
        added_ids: list[int] = []
        added_vecs: list[np.ndarray] = []
        with store.transaction():
            for f, h, nc in pending:
                rm = store.delete_path(f.rel)
                if index_loaded and rm:
                    store.update_vector_index(rm, [], np.zeros((0, embedder.dim), np.float32))
                vecs = (
                    np.stack([reuse[c.content_hash] for c in nc.chunks])  # type: ignore[attr-defined]
                    if nc.chunks  # type: ignore[attr-defined]
                    else np.zeros((0, embedder.dim), np.float32)
                )
                ids = store.insert_file(
                    f.rel, h, f.size, f.mtime_ns, nc.title, nc.tags, nc.chunks, vecs  # type: ignore[attr-defined]
                )
                added_ids += ids
                added_vecs.extend(vecs)
            store.set_meta(generation=gen)
        if index_loaded and added_ids:
            store.update_vector_index([], added_ids, np.stack(added_vecs))
        if index_loaded:
            store.adopt_generation(gen)
        pending, pending_chunks = [], 0

    # Embed in batches of files, committing each batch as soon as its vectors are ready.
    batch_needed: dict[str, None] = {}
    for item in changed:
        nc = item[2]
        pending.append(item)
        pending_chunks += len(nc.chunks)  # type: ignore[attr-defined]
        for c in nc.chunks:  # type: ignore[attr-defined]
            if c.content_hash not in reuse:
                batch_needed[c.content_hash] = None
        if pending_chunks >= BATCH_CHUNKS:
            _embed_into(reuse, list(batch_needed), to_embed, embedder, progress, done, len(hashes))
            done += len(batch_needed)
            batch_needed = {}
            flush()
    _embed_into(reuse, list(batch_needed), to_embed, embedder, progress, done, len(hashes))
    flush()

    # 3. FAISS file for the final generation, then the manifest, last.
    store.write_vectors(gen)
    now = time.time()
    store.write_manifest(
        Manifest(
            schema_version=SCHEMA_VERSION,
            model_id=embedder.model_id,
            dim=embedder.dim,
            precision=embedder.precision,
            chunker_version=CHUNKER_VERSION,
            generation=gen,
            notes_root=str(notes_root),
            created_at=manifest.created_at if manifest else now,
            updated_at=now,
        )
    )
    report.chunks = store.counts()[1]


def _embed_into(
    reuse: dict[str, np.ndarray],
    needed: list[str],
    texts: dict[str, str],
    embedder: Embedder,
    progress: SyncProgress | None,
    done_before: int,
    total: int,
) -> None:
    def cb(done: int, _n: int) -> None:
        if progress:
            progress("embed", done_before + done, total)

    if not needed:
        return
    vecs = embedder.embed([texts[h] for h in needed], progress=cb)
    for h, v in zip(needed, vecs, strict=True):
        reuse[h] = v
