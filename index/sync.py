"""Incremental sync of a notes folder into the store, and the checks that decide a rebuild.

Only files whose bytes changed are re-read and re-chunked, and only chunks whose embedded text
is new are re-embedded: a renamed file, or a section moved between files, reuses the vectors
already stored under the same content hash.

Order of writes (crash safety, DESIGN invariant 4): one small transaction marks the update
(new generation, metadata); changed files are then committed in batches as their vectors are
ready, each file replaced whole inside one transaction; files that left the folder are removed
in the last transaction (so a run killed half-way never loses a note's chunks, and a renamed
file's vectors are still there to reuse on the next run); then the FAISS file for the final
generation; the manifest last. A run killed anywhere leaves SQLite with every file either
at its old or its new version, and a generation the manifest does not match; the next run
resumes from there and rewrites the FAISS file and manifest from SQLite.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np

from corpus.markdown import CHUNKER_VERSION, chunk_note, front_matter_labels
from corpus.models import LINE_TEXT_VERSION, Chunk, text_hash
from corpus.read import NoteReadError, read_note, split_lines
from corpus.scan import NoteFile, scan_notes
from index import keywords, vectors
from index.embed import Embedder, embed_with_lines, split_rows
from index.heap import release
from index.models import Manifest, Skipped, SyncReport
from index.store import (
    DB_NAME,
    LOCK_NAME,
    MANIFEST_NAME,
    READ_ONLY_ERRNOS,
    SCHEMA_VERSION,
    IndexBusy,
    IndexCorrupt,
    IndexError_,
    IndexReadOnly,
    Store,
    db_error,
    is_corruption,
    manifest_status,
    new_generation,
    remove_temp_files,
)

SyncProgress = Callable[[str, int, int], None]
"""progress(stage, done, total): stage is "read", "embed" (chunks) or "lines" (sections);
"lines" says 0/total before its first batch, which can take minutes."""

BATCH_CHUNKS = 2048
LINE_KIND = "line_vectors"
LINE_TEXT = "line_text"
"""Meta key: `corpus.models.LINE_TEXT_VERSION` of the stored line vectors."""
LABELS_KIND, LABELS_VERSION = "labels", "3"
"""Meta key and value of the labels a note's sections are searched by: 2, front-matter
title, aliases and tags (1, before it: title and tags; `_upgrade_labels`)."""
"""Meta key: which kind of line vectors the index holds ("own", "pooled" or "mixed")."""
LineVectors = Literal["own", "pooled", "mixed"]
MIXED_OWN_CHARS = 240
"""With "mixed" line vectors, a line (as embedded: "heading path: line") shorter than this is
embedded on its own and a longer one pooled from its section's pass. A line read in context
drifts from the line read alone the more, the shorter it is (cosine of the two, 60 AWS docs
files: 0.42–0.65 under 24 tokens, 0.89 for 64–128, 0.95 above); the long lines are where the
tokens are (41% of the AWS docs' line tokens from 64 tokens, about 240 characters, up)."""
LINE_BATCH_CHUNKS = 256
LINE_CACHE_MAX = 20_000
"""Distinct line vectors a build keeps to skip repeated lines (about 30 MB at most)."""


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout: float = -1):
    """Exclusive write lock on an index folder. timeout=0: fail at once; -1: wait forever."""
    refuse_foreign(Path(index_dir))  # before the lock file: a refused folder is never written
    try:
        Path(index_dir).mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise IndexError_(f"cannot create index folder {index_dir}: {e.strerror}") from e
    if not Path(index_dir).is_dir():
        raise IndexError_(f"cannot create index folder {index_dir}: not a folder")
    from filelock import FileLock, Timeout  # only writers lock: kept off the `ask` path

    lock = FileLock(str(Path(index_dir) / LOCK_NAME))
    try:
        lock.acquire(timeout=timeout)
    except Timeout as e:
        raise IndexBusy(f"another assistant process is indexing into {index_dir}") from e
    except OSError as e:
        raise cannot_write(index_dir, e) from e
    try:
        yield
    finally:
        lock.release()


def cannot_write(index_dir: Path, e: OSError) -> IndexError_:
    """An OSError writing in the index folder, as one line; IndexReadOnly when the folder is
    read-only or not ours to write (readers can still answer from it)."""
    cls = IndexReadOnly if e.errno in READ_ONLY_ERRNOS else IndexError_
    return cls(f"cannot write to index folder {index_dir}: {e.strerror or e}")


def manifest_problem(
    manifest: Manifest | None, embedder_model_id: str, dim: int, precision: str | None = None
) -> str | None:
    """Why an existing index cannot be used with this configuration (None if it can). A
    `precision` the user asked for ("fp32" or "bf16"; None for "auto") other than the
    index's: the vectors are made again in it, not left mixed."""
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
    if precision is not None and manifest.precision != precision:
        return f"index built in {manifest.precision}, precision now {precision}"
    return None


def _index_names(index_dir: Path) -> list[Path]:
    """Every file in `index_dir` this package writes (and so may delete)."""
    out = []
    for name in (DB_NAME, MANIFEST_NAME):
        out += [index_dir / name, index_dir / f"{name}-wal", index_dir / f"{name}-shm"]
    out += sorted(index_dir.glob("vectors-*.faiss"))
    return out + [index_dir / n for n in keywords.NAMES]


def wipe(index_dir: Path) -> None:
    """Delete an index's files (never anything else: only regular files with names this package
    writes; the lock file stays). Raises IndexError_ if they cannot be deleted."""
    index_dir = Path(index_dir)
    for p in _index_names(index_dir):
        try:
            if p.is_symlink() or not p.is_file():
                if p.is_symlink():
                    p.unlink()
                continue
            p.unlink()
        except FileNotFoundError:
            pass
        except OSError as e:
            raise IndexError_(f"cannot delete {p} to rebuild the index: {e.strerror or e}") from e
    remove_temp_files(index_dir)


def is_index_name(name: str) -> bool:
    """A name an index folder holds: the database and its journals, the manifest, the lock,
    FAISS files, the keyword preview, a writer's temp files."""
    own = {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal", MANIFEST_NAME}
    return (
        name in own | {LOCK_NAME, *keywords.NAMES}
        or (name.startswith("vectors-") and name.endswith(".faiss"))
        or (name.startswith(".") and name.endswith(".tmp"))
    )


def foreign_entries(index_dir: Path) -> list[str]:
    """Names in `index_dir` that an index folder never holds (user files: refuse to write)."""
    try:
        names = sorted(os.listdir(index_dir))
    except OSError:
        return []
    return [n for n in names if not is_index_name(n)]


def refuse_foreign(index_dir: Path) -> None:
    """Raise IndexError_ if `index_dir` holds other files and no index database (a notes
    folder, a project): an index is never written among a user's files."""
    if (index_dir / DB_NAME).exists():
        return
    foreign = foreign_entries(index_dir)
    if foreign:
        raise IndexError_(
            f"index folder {index_dir} holds files that are not part of an index "
            f"(e.g. {foreign[0]!r}); choose an empty or new folder"
        )


def check_writable(index_dir: Path) -> None:
    """Create `index_dir` if needed; raise IndexError_ (one line) unless we can write in it."""
    try:
        Path(index_dir).mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".probe-", suffix=".tmp")
    except OSError as e:
        raise cannot_write(index_dir, e) from e
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def stored_problem(store: Store, embedder: Embedder) -> str | None:
    """Why the database itself was built for another configuration (None if it fits)."""
    files, _ = store.counts()
    if not files and not store.conn.execute("SELECT 1 FROM chunks LIMIT 1").fetchone():
        return None  # empty: nothing to keep or to mismatch
    schema = store.meta("schema_version")
    if schema is not None and int(schema) != SCHEMA_VERSION:
        return f"index database schema {schema} != {SCHEMA_VERSION}"
    model = store.meta("model_id")
    if model is not None and model != embedder.model_id:
        return f"index database built with model {model}, now {embedder.model_id}"
    dim = store.meta("dim")
    if dim is not None and int(dim) != embedder.dim:
        return f"stored vectors have dimension {dim}, model {embedder.dim}"
    chunker = store.meta("chunker_version")
    if chunker is not None and int(chunker) != CHUNKER_VERSION:
        return f"index database chunker version {chunker} != {CHUNKER_VERSION}"
    return None


def open_for_write(
    index_dir: Path,
    embedder: Embedder,
    report: SyncReport,
    verify: bool = True,
    precision: str | None = None,
) -> Store:
    """Open the store, rebuilding it from scratch if it is corrupt or built differently.

    Only damage (IndexCorrupt) or a foreign configuration leads to a rebuild; environmental
    errors (locked, read-only, cannot open) are raised as IndexError_ and delete nothing.
    The full consistency check of the database (seconds at 100k sections) runs with `verify`,
    and always after a run that did not finish (the manifest does not match the database).
    """
    manifest, manifest_err = manifest_status(index_dir)
    problem = manifest_problem(manifest, embedder.model_id, embedder.dim, precision)
    if manifest_err:
        report.repaired.append(f"{manifest_err}; rewritten from the database")
    refuse_foreign(index_dir)
    db_exists = (index_dir / DB_NAME).exists()
    if problem is None and db_exists:
        try:
            store = Store.open(index_dir)
        except IndexCorrupt as e:
            problem = str(e)
        else:
            finished = manifest is not None and manifest.generation == store.generation
            deep = verify or not finished
            problem = stored_problem(store, embedder)
            if problem is None and deep:
                problem = store.quick_check()
            if problem is None and deep:
                damaged, paths = store.structure_problems(embedder.dim)
                if damaged:
                    store.repair_structure(paths)
                    report.repaired.append(
                        f"{'; '.join(damaged)}: those records dropped and re-read from the notes"
                    )
            if problem is None:
                return store
            store.close()
    if problem:
        report.repaired.append(f"rebuilt index: {problem}")
    wipe(index_dir)
    return Store.open(index_dir)


LARGE_NOTE_CHARS = 5_000_000
"""A note this long (a 20 MB chat export) is most of a build's work, and of every refresh
after an edit to it: `assistant index` says so, with how to leave it out."""


def sync(
    index_dir: Path,
    notes_root: Path,
    embedder: Embedder,
    *,
    progress: SyncProgress | None = None,
    lines: bool = True,
    verify: bool = True,
    line_vectors: LineVectors = "own",
    keywords_min: int | None = None,
    precision: str | None = None,
) -> SyncReport:
    """Bring the index at `index_dir` up to date with `notes_root`. Caller holds the write lock.

    `lines=False` skips the line vectors (retrieval alone, e.g. a BEIR run, never uses them).
    `line_vectors`: "own" embeds each line on its own, "pooled" takes it from the section's
    own pass through the model (`embed_with_lines`; README, "Faster first index").
    `verify=False` trusts a database the last run closed cleanly (see `open_for_write`).
    `keywords_min`: a build with no manifest yet and at least this many sections to embed
    first writes the keyword preview (index/keywords.py; None: never; `Engine.refresh` passes
    `KEYWORDS_MIN_SECTIONS`).
    `precision`: the one the user asked for ("fp32" or "bf16"); an index made in another is
    rebuilt in it. None ("auto") takes the index as it is, whatever this CPU would pick."""
    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    notes_root = Path(notes_root).resolve()
    report = SyncReport()
    check_writable(index_dir)
    remove_temp_files(index_dir)  # left by a killed writer; we hold the lock, so none are live
    keywords.drop(index_dir)  # a stopped first build's: written afresh if still wanted
    store = open_for_write(index_dir, embedder, report, verify, precision)
    kw = keywords_min
    try:
        try:
            _sync(store, notes_root, embedder, report, progress, lines, verify, line_vectors, kw)
        except sqlite3.Error as e:
            if not is_corruption(e):
                raise db_error(index_dir / DB_NAME, e) from e
            # Damage found only while writing: rebuild once from the notes.
            store.close()
            report.repaired.append(f"rebuilt index: database damaged ({e})")
            wipe(index_dir)
            store = Store.open(index_dir)
            fresh = SyncReport(repaired=report.repaired)
            _sync(store, notes_root, embedder, fresh, progress, lines, verify, line_vectors, kw)
            report = fresh
    finally:
        store.close()
        release()  # the build's freed batches, before the caller's next step (the export)
    report.seconds = time.perf_counter() - t0
    return report


def _sync(
    store: Store,
    notes_root: Path,
    embedder: Embedder,
    report: SyncReport,
    progress: SyncProgress | None,
    lines: bool = True,
    verify: bool = True,
    line_vectors: LineVectors = "own",
    keywords_min: int | None = None,
) -> None:
    # An index from before the choice holds own line vectors: an upgrade keeps them, and so
    # does a switch from own to mixed (which only approximates own).
    held = store.meta(LINE_KIND) or "own"
    if lines and held != line_vectors:
        with store.transaction():
            if (held, line_vectors) != ("own", "mixed"):  # another kind: all made afresh
                store.drop_line_vectors()
            store.set_meta(**{LINE_KIND: line_vectors})
    if store.meta(LINE_TEXT) != LINE_TEXT_VERSION:  # lines embedded another way: made afresh
        with store.transaction():
            store.drop_nested_line_vectors()
            store.set_meta(**{LINE_TEXT: LINE_TEXT_VERSION})
    pooled = lines and line_vectors in ("pooled", "mixed")
    line_cache: dict[str, np.ndarray] = {}  # own line vectors of this build, by text
    if store.meta("dim") is None:
        with store.transaction():
            store.set_meta(dim=str(embedder.dim))
    scan = scan_notes(notes_root, exclude=store.index_dir)
    report.skipped.extend(Skipped(path=s.path, reason=s.reason) for s in scan.skipped)
    stored = store.file_rows()
    stored_skipped = store.skipped_rows()
    if store.meta(LABELS_KIND) != LABELS_VERSION:
        _upgrade_labels(store, notes_root, stored, stored_skipped)
    manifest = store.read_manifest()
    old_gen = store.generation
    faiss_problem = store.faiss_file_problem() if manifest is not None else None
    consistent = manifest is not None and manifest.generation == old_gen and faiss_problem is None
    if stored and not consistent:
        if manifest is None:
            why = "no manifest"
        elif manifest.generation != old_gen:
            why = "manifest generation did not match the database (interrupted update)"
        else:
            why = faiss_problem
        report.repaired.append(f"{why}; vector file and manifest rewritten from the database")

    # 1. Decide what changed, reading only files whose size or mtime moved.
    changed: list[tuple[NoteFile, str, object]] = []  # (file, hash, NoteChunks)
    touched: list[NoteFile] = []
    unreadable: list[tuple[NoteFile, str]] = []  # newly skipped at read time
    seen: set[str] = set()
    total = len(scan.files)
    for i, f in enumerate(scan.files, 1):
        seen.add(f.rel)
        old = stored.get(f.rel)
        was_skipped = f.rel in stored_skipped
        same_stat = bool(old) and f.same_stat(old[1], old[2])  # type: ignore[index]
        if same_stat and not was_skipped:
            report.unchanged += 1
            continue
        if same_stat and stored_skipped[f.rel] != "permission denied":
            # Still the same unreadable bytes (binary...): report again without re-reading.
            report.skipped.append(Skipped(path=f.rel, reason=stored_skipped[f.rel]))
            continue
        try:
            note = read_note(f.path)
        except NoteReadError as e:
            report.skipped.append(Skipped(path=f.rel, reason=str(e)))
            if e.reason == "file vanished":
                seen.discard(f.rel)  # gone: leaves the index
            elif not (was_skipped and old and f.same_stat(old[1], old[2])):
                unreadable.append((f, e.reason))
            continue
        h = text_hash(note.text)
        if old and old[0] == h:
            report.unchanged += 1
            touched.append(f)
            continue
        chunks = chunk_note(f.rel, note.text, embedder.count_tokens, embedder.max_tokens - 2)
        changed.append((f, h, chunks))
        if len(note.text) >= LARGE_NOTE_CHARS:
            report.large.append(f"{f.rel} ({len(note.text) / 1e6:.1f} million characters)")
        if progress:
            progress("read", i, total)

    report.skipped.sort(key=lambda s: s.path)
    removed = [p for p in stored if p not in seen]
    removed_hashes = {stored[p][0]: p for p in removed if p not in stored_skipped}
    renamed_from: set[str] = set()
    for f, h, _ in changed:
        if f.rel in stored and f.rel not in stored_skipped:
            report.updated += 1
        elif h in removed_hashes and removed_hashes[h] not in renamed_from:
            report.renamed += 1
            renamed_from.add(removed_hashes[h])
        else:
            report.added += 1
    report.removed = len([p for p in removed if p not in stored_skipped]) - len(renamed_from)

    if consistent and not changed and not removed and not touched and not unreadable:
        # Nothing to do: leave the database alone; refresh the manifest's time. The vector
        # file is rewritten only if its kind no longer suits its size (see index.vectors).
        if not vectors.fits(store.vector_index()):
            store.write_vectors(old_gen)  # type: ignore[arg-type]
        store.write_manifest(manifest.model_copy(update={"updated_at": time.time()}))  # type: ignore[union-attr]
        report.chunks = store.counts()[1]
        if lines:
            _sync_lines(store, embedder, report, progress, verify or not consistent, line_vectors)
        return

    # 2. Reuse stored vectors by chunk content hash; embed the rest in batches.
    reuse = store.vectors_by_hash(
        c.content_hash
        for _, _, nc in changed
        for c in nc.chunks  # type: ignore[attr-defined]
    )
    to_embed: dict[str, str] = {}
    spans: dict[str, list[tuple[int, int]]] = {}  # pooled line vectors: where each line lies
    line_mats: dict[str, np.ndarray] = {}
    for _, _, nc in changed:
        for c in nc.chunks:  # type: ignore[attr-defined]
            if c.content_hash not in reuse:
                to_embed.setdefault(c.content_hash, c.embed_text())
                if pooled:
                    spans.setdefault(c.content_hash, c.body_line_spans())
    report.chunks_embedded = len(to_embed)
    # Mixed line vectors embed each batch's short lines after its sections: counted up front,
    # so progress goes on past "embed: N of N" (on a small folder that is most of the wait).
    short_total = 0
    if line_vectors == "mixed" and lines:
        short_total = len(
            {
                t
                for _, _, nc in changed
                for c in nc.chunks  # type: ignore[attr-defined]
                if c.content_hash in to_embed
                for _, t in c.body_lines()
                if len(t) < MIXED_OWN_CHARS
            }
        )
    short_done = 0
    if manifest is None and keywords_min is not None and len(to_embed) >= keywords_min:
        _write_preview(store, notes_root, changed, seen, stored_skipped, progress)

    if to_embed and (ready := getattr(embedder, "ready", None)) is not None:
        ready()  # a deferred model loads before the update starts, not inside it (seconds)
    gen = new_generation()
    # Keep the loaded index up to date in place (no local reference: writing the file may swap
    # it for another kind, and two copies of 100k vectors need not be alive at once).
    index_loaded = (consistent or not stored) and store.vector_index() is not None
    with store.transaction():
        # Mark the update as started: from here the manifest no longer matches SQLite.
        for f in touched:
            store.conn.execute(
                "UPDATE files SET size=?, mtime_ns=? WHERE path=?", (f.size, f.mtime_ns, f.rel)
            )
        removed_ids: list[int] = []
        for f, reason in unreadable:
            removed_ids += store.delete_path(f.rel)
            store.record_skipped(f.rel, f.size, f.mtime_ns, reason)
        store.set_meta(
            generation=gen,
            dim=str(embedder.dim),
            model_id=embedder.model_id,
            notes_root=str(notes_root),
            schema_version=str(SCHEMA_VERSION),
            chunker_version=str(CHUNKER_VERSION),
        )
    if index_loaded:
        store.update_vector_index(removed_ids, [], np.zeros((0, embedder.dim), np.float32))
        store.adopt_generation(gen)

    hashes = list(to_embed)
    done = 0
    pending: list[tuple[NoteFile, str, object]] = []
    pending_chunks = 0

    def short_progress(done: int) -> None:
        if progress and short_total:
            progress("lines", min(short_done + done, short_total), short_total)

    def flush() -> None:
        nonlocal pending, pending_chunks, gen, short_done
        if not pending:
            return
        if line_vectors == "mixed" and line_mats:
            t = time.perf_counter()
            chunks = [c for _, _, nc in pending for c in nc.chunks]  # type: ignore[attr-defined]
            short_done += _own_short_lines(embedder, chunks, line_mats, line_cache, short_progress)
            report.embed_seconds += time.perf_counter() - t
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
                    f.rel,
                    h,
                    f.size,
                    f.mtime_ns,
                    nc.title,
                    nc.tags,
                    nc.chunks,
                    vecs,  # type: ignore[attr-defined]
                    nc.labels,
                )
                added_ids += ids
                added_vecs.extend(vecs)
            store.put_line_vectors(line_mats.items())
            store.set_meta(generation=gen)
        line_mats.clear()
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
            args = (to_embed, embedder, progress, done, len(hashes), report, spans, line_mats)
            _embed_into(reuse, list(batch_needed), *args)
            done += len(batch_needed)
            batch_needed = {}
            flush()
    args = (to_embed, embedder, progress, done, len(hashes), report, spans, line_mats)
    _embed_into(reuse, list(batch_needed), *args)
    flush()

    # 3. Files that left the folder go last, so a killed run never loses what is still there.
    if removed:
        gen = new_generation()
        with store.transaction():
            removed_ids = []
            for p in removed:
                removed_ids += store.delete_path(p)
            store.set_meta(generation=gen)
        if index_loaded:
            store.update_vector_index(removed_ids, [], np.zeros((0, embedder.dim), np.float32))
            store.adopt_generation(gen)

    # 4. FAISS file for the final generation, then the manifest, last.
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
    keywords.drop(store.index_dir)  # the index answers now
    report.chunks = store.counts()[1]
    # The sections' texts and vectors are in SQLite now: let go of them before the line pass
    # (at 100k sections they held about 400 MB through the rest of the build).
    changed.clear()
    reuse.clear()
    to_embed.clear()
    if lines:
        _sync_lines(store, embedder, report, progress, verify or not consistent, line_vectors)


def _upgrade_labels(
    store: Store,
    notes_root: Path,
    stored: dict[str, tuple[str, int, int]],
    skipped: dict[str, str],
) -> None:
    """Once, for an index built before aliases (version 2) or the front matter's names
    (version 3, `corpus.markdown.front_matter_names`) were searched: each stored
    note's front matter read again and its sections' labels rewritten in place where they
    differ (no text chunked or embedded again; a note that cannot be read keeps its labels
    until it changes)."""
    updates: dict[str, str] = {}
    for rel in stored:
        if rel in skipped:
            continue
        try:
            labels = front_matter_labels(split_lines(read_note(notes_root / rel).text))
        except NoteReadError:
            continue
        if labels != store.note_labels(rel):
            updates[rel] = labels
    with store.transaction():
        for rel, labels in updates.items():
            store.set_note_labels(rel, labels)
        store.set_meta(**{LABELS_KIND: LABELS_VERSION})


def _write_preview(
    store: Store,
    notes_root: Path,
    changed: list[tuple[NoteFile, str, object]],
    seen: set[str],
    skipped: dict[str, str],
    progress: SyncProgress | None,
) -> None:
    """The keyword preview of the notes as this build will index them: the files read now,
    and those a stopped build had stored already (index/keywords.py)."""
    fresh = {f.rel for f, _, _ in changed}
    files = [
        keywords.PreviewFile(f.rel, h, f.size, f.mtime_ns, nc.title, nc.tags, nc.chunks, nc.labels)  # type: ignore[attr-defined]
        for f, h, nc in changed
    ]
    for rel, (h, size, mtime) in store.file_rows().items():
        if rel in seen and rel not in fresh and rel not in skipped:
            title, tags = store.file_labels(rel)
            chunks = store.chunks_for_path(rel)
            labels = store.note_labels(rel)
            files.append(keywords.PreviewFile(rel, h, size, mtime, title, tags, chunks, labels))
    sections = keywords.write(store.index_dir, files, str(notes_root))
    if progress:
        progress("keywords", sections, sections)


def _sync_lines(
    store: Store,
    embedder: Embedder,
    report: SyncReport,
    progress: SyncProgress | None,
    whole_prune: bool = True,
    line_vectors: LineVectors = "own",
) -> None:
    """5. Vectors for every section's single lines, which `ask` scores against the question:
    each line embedded on its own, or ("pooled") from its section's pass (`embed_with_lines`;
    `_sync` has already dropped vectors of the other kind).

    This runs after the manifest: the index already answers without them (`ask` embeds missing
    lines itself), and a killed run, or an index built before line vectors, resumes here."""
    with store.transaction():
        # A verified run sweeps the whole table (orphans of a run killed before this step).
        store.prune_line_vectors(None if whole_prune else store.dropped_hashes)
    missing = store.hashes_missing_line_vectors()
    if progress and missing:  # a batch can take minutes: say the phase before the first
        progress("lines", 0, len(missing))
    seen: dict[str, np.ndarray] = {}  # line text -> vector, across batches (bounded)
    for start in range(0, len(missing), LINE_BATCH_CHUNKS):
        chunks = store.chunks_by_hash(missing[start : start + LINE_BATCH_CHUNKS])
        t = time.perf_counter()
        if line_vectors == "own":
            mats = _own_line_vectors(embedder, chunks, seen)
        else:
            texts = [c.embed_text() for c in chunks]
            _, mats = embed_with_lines(embedder, texts, [c.body_line_spans() for c in chunks])
            if line_vectors == "mixed":
                by_hash = {c.content_hash: m for c, m in zip(chunks, mats, strict=True)}
                _own_short_lines(embedder, chunks, by_hash, seen)
                mats = [by_hash[c.content_hash] for c in chunks]
        report.embed_seconds += time.perf_counter() - t
        report.lines_embedded += sum(len(m) for m in mats)
        with store.transaction():
            store.put_line_vectors((c.content_hash, m) for c, m in zip(chunks, mats, strict=True))
        if progress:
            progress("lines", min(start + LINE_BATCH_CHUNKS, len(missing)), len(missing))


def _own_line_vectors(
    embedder: Embedder, chunks: list[Chunk], seen: dict[str, np.ndarray]
) -> list[np.ndarray]:
    """Each chunk's body lines embedded on their own, one matrix per chunk. A line text met
    before (in `seen`, which this fills) is not embedded again: a line is embedded under its
    heading, and repeated ones ("Example container definitions: ```", "…: }") are about a
    tenth of the line tokens of the AWS docs and of til."""
    bodies = [[t for _, t in c.body_lines()] for c in chunks]
    texts = [t for body in bodies for t in body]
    vecs, _ = _own_vectors(embedder, texts, seen)
    return split_rows(vecs, [len(body) for body in bodies])


def _own_short_lines(
    embedder: Embedder,
    chunks: list[Chunk],
    mats: dict[str, np.ndarray],
    seen: dict[str, np.ndarray],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Mixed line vectors: in each chunk's pooled matrix in `mats` (written in place), the
    lines shorter than MIXED_OWN_CHARS replaced by their own vectors. Returns how many texts
    were embedded (`progress(done)` after each batch)."""
    rows: list[tuple[str, int, str]] = []  # (content hash, line position, text)
    for c in {c.content_hash: c for c in chunks if c.content_hash in mats}.values():
        body = c.body_lines()
        if len(body) == len(mats[c.content_hash]):
            rows += [
                (c.content_hash, n, t) for n, (_, t) in enumerate(body) if len(t) < MIXED_OWN_CHARS
            ]
    vecs, embedded = _own_vectors(embedder, [t for _, _, t in rows], seen, progress)
    for (h, n, _), v in zip(rows, vecs, strict=True):
        mats[h][n] = v
    return embedded


def _own_vectors(
    embedder: Embedder,
    texts: list[str],
    seen: dict[str, np.ndarray],
    progress: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, int]:
    """`texts` embedded on their own, one row each, and how many were embedded: a text met
    before in this build (in `seen`, which this fills, up to LINE_CACHE_MAX) is not embedded
    again."""
    if len(seen) > LINE_CACHE_MAX:
        seen.clear()
    todo = list(dict.fromkeys(t for t in texts if t not in seen))
    if todo:
        cb = (lambda done, _n: progress(done)) if progress else None
        seen.update(zip(todo, embedder.embed(todo, progress=cb), strict=True))
    vecs = np.stack([seen[t] for t in texts]) if texts else np.zeros((0, embedder.dim), np.float32)
    return vecs, len(todo)


def _embed_into(
    reuse: dict[str, np.ndarray],
    needed: list[str],
    texts: dict[str, str],
    embedder: Embedder,
    progress: SyncProgress | None,
    done_before: int,
    total: int,
    report: SyncReport,
    spans: dict[str, list[tuple[int, int]]] | None = None,
    line_mats: dict[str, np.ndarray] | None = None,
) -> None:
    """Embed the `needed` sections into `reuse`; with `spans` (pooled line vectors) their
    lines' vectors into `line_mats` from the same pass."""

    def cb(done: int, _n: int) -> None:
        if progress:
            progress("embed", done_before + done, total)

    if not needed:
        return
    t = time.perf_counter()
    batch = [texts[h] for h in needed]
    if spans and line_mats is not None:
        vecs, mats = embed_with_lines(embedder, batch, [spans[h] for h in needed], cb)
        line_mats.update(zip(needed, mats, strict=True))
        report.lines_embedded += sum(len(m) for m in mats)
    else:
        vecs = embedder.embed(batch, progress=cb)
    report.embed_seconds += time.perf_counter() - t
    for h, v in zip(needed, vecs, strict=True):
        reuse[h] = v
