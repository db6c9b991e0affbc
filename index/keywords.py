"""The keyword preview of a first build: the chat answers by keywords before the vectors exist.

A first index of a big folder spends minutes in the model. Reading and chunking the notes
takes seconds, so the writer first stores every section's text and full-text index in a
separate database (`KEYWORDS_DB` beside the index's own), then embeds into the real index as
before. Until the manifest is written, readers may search the preview by keywords, and must
say so (the answer's outcome is `keyword_matches`). It never replaces the index: the manifest
makes the index servable and the preview is deleted; a crashed build leaves it, and the next
build, which holds the write lock, writes it afresh (invariant 4 as README states it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from corpus.models import Chunk
from index.store import KEYWORDS_DB, IndexError_, Store, read_manifest

KEYWORDS_MIN_SECTIONS = 200
"""Sections to embed from which a first build writes the preview (about ten seconds of the
model's work: below that, waiting for the index costs less than a second database)."""

NAMES = (KEYWORDS_DB, f"{KEYWORDS_DB}-wal", f"{KEYWORDS_DB}-shm", f"{KEYWORDS_DB}-journal")
"""Every file of the preview (the index folder's own names: see `index.sync.wipe`)."""


@dataclass(frozen=True)
class PreviewFile:
    """One note as the preview stores it (as `Store.insert_file` takes it)."""

    rel: str
    content_hash: str
    size: int
    mtime_ns: int
    title: str | None
    tags: list[str]
    chunks: Sequence[Chunk]
    labels: str | None = None
    """Its front-matter labels (`Store.insert_file`); None: title and tags."""


def drop(index_dir: Path) -> None:
    """Delete the preview (the index is complete, or a new preview replaces it)."""
    for name in NAMES:
        with contextlib.suppress(FileNotFoundError):
            (Path(index_dir) / name).unlink()


def write(index_dir: Path, files: Iterable[PreviewFile], notes_root: str) -> int:
    """Write a fresh preview of `files` in one transaction; returns its sections. Caller holds
    the write lock."""
    drop(index_dir)
    store = Store.open(index_dir, db_name=KEYWORDS_DB)
    sections = 0
    try:
        with store.transaction():
            for f in files:
                empty = np.zeros((len(f.chunks), 0), np.float32)  # no vectors: text only
                args = (f.rel, f.content_hash, f.size, f.mtime_ns, f.title, f.tags, f.chunks)
                store.insert_file(*args, empty, f.labels)
                sections += len(f.chunks)
            store.set_meta(notes_root=notes_root, complete="1")
    finally:
        store.close()
    return sections


def open_preview(index_dir: Path) -> Store | None:
    """The preview, if the index has no manifest yet (a first build is running or was
    stopped) and a complete preview exists; else None."""
    if read_manifest(index_dir) is not None or not (Path(index_dir) / KEYWORDS_DB).exists():
        return None
    try:
        store = Store.open(index_dir, create=False, db_name=KEYWORDS_DB)
    except IndexError_:
        return None
    try:
        if store.meta("complete") == "1":
            return store
    except Exception:
        pass
    store.close()
    return None
