"""BEIR-format datasets: streaming loaders, and writing a corpus out as a notes folder.

A BEIR dataset folder holds ``corpus.jsonl`` (``_id``, ``title``, ``text``), ``queries.jsonl``
(``_id``, ``text``) and ``qrels/<split>.tsv`` (header ``query-id  corpus-id  score``).

To measure the product's own retrieval, every document becomes one Markdown note (``# title``
then the text) that goes through the normal chunker, embedder and store. A document may become
several chunks; :func:`doc_run` maps chunk hits back to document ids (a document scores as its
best chunk). The notes folder lives in a cache directory keyed by the dataset's absolute path and
the corpus file's content, so a second run finds it (and the index beside it) unchanged and the
engine's incremental sync re-embeds nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

CACHE_FORMAT = 1
"""Bump when the way documents are written as notes changes (forces a fresh notes folder)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    text: str


class BeirFormatError(ValueError):
    """The folder is not a readable BEIR dataset."""


# --------------------------------------------------------------------------- loading


def _iter_jsonl(path: Path) -> Iterator[dict]:
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BeirFormatError(f"{path}:{n}: not JSON ({exc.msg})") from exc
            if not isinstance(obj, dict) or "_id" not in obj:
                raise BeirFormatError(f"{path}:{n}: expected an object with an _id")
            yield obj


def check_dataset(root: Path, split: str = "test") -> None:
    """Raise BeirFormatError naming the first missing file."""
    for rel in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"):
        if not (Path(root) / rel).is_file():
            raise BeirFormatError(f"{root}: missing {rel} (is this a BEIR dataset folder?)")


def iter_corpus(root: Path) -> Iterator[Doc]:
    """Documents one at a time (never the whole corpus in memory)."""
    for obj in _iter_jsonl(Path(root) / "corpus.jsonl"):
        yield Doc(str(obj["_id"]), str(obj.get("title") or ""), str(obj.get("text") or ""))


def load_queries(root: Path) -> dict[str, str]:
    """``{query_id: text}`` in file order."""
    return {
        str(o["_id"]): str(o.get("text") or "") for o in _iter_jsonl(Path(root) / "queries.jsonl")
    }


def load_qrels(root: Path, split: str = "test") -> dict[str, dict[str, int]]:
    """``{query_id: {doc_id: grade}}`` from ``qrels/<split>.tsv`` (header line skipped)."""
    path = Path(root) / "qrels" / f"{split}.tsv"
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) < 3 or not line.strip():
                continue
            if n == 1 and not _is_int(parts[2]):
                continue  # header: query-id  corpus-id  score
            try:
                grade = int(float(parts[2]))
            except ValueError as exc:
                raise BeirFormatError(f"{path}:{n}: score {parts[2]!r} is not a number") from exc
            qrels.setdefault(parts[0], {})[parts[1]] = grade
    return qrels


def _is_int(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- docs as notes


def doc_filename(doc_id: str) -> str:
    """A safe, unique relative path for a document: ``<2 hex>/<slug>-<hash>.md``.

    The hash keeps ids apart that differ only in case or in unsafe characters; the two-character
    folder keeps any one directory small.
    """
    digest = hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).hexdigest()
    slug = _UNSAFE.sub("-", doc_id).strip("-.")[:60] or "doc"
    return f"{digest[:2]}/{slug}-{digest[:12]}.md"


def doc_markdown(doc: Doc) -> str:
    """A document as a note: ``# title`` (if any), a blank line, then the text."""
    title = " ".join(doc.title.split())
    text = doc.text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    if title:
        return f"# {title}\n\n{text}\n" if text else f"# {title}\n"
    return f"{text}\n"


def file_digest(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def cache_key(root: Path) -> str:
    """Name of a dataset's cache folder: readable name + hash of (absolute path, corpus bytes)."""
    resolved = Path(root).expanduser().resolve()
    h = hashlib.sha256()
    h.update(f"beir-cache-v{CACHE_FORMAT}\0".encode())
    h.update(str(resolved).encode("utf-8", "surrogateescape"))
    h.update(b"\0")
    h.update(file_digest(resolved / "corpus.jsonl").encode())
    slug = _UNSAFE.sub("-", resolved.name).strip("-") or "beir"
    return f"{slug[:40]}-{h.hexdigest()[:12]}"


def default_cache_root() -> Path:
    from assistant import paths

    return paths.user_dir() / "beir"


@dataclass(frozen=True)
class PreparedDataset:
    """Where a dataset's notes, index and doc-id map live."""

    cache_dir: Path
    notes_dir: Path
    index_dir: Path
    docmap_path: Path
    documents: int
    reused: bool

    def docmap(self) -> dict[str, str]:
        """``{note path relative to notes_dir: doc id}``."""
        with open(self.docmap_path, encoding="utf-8") as fh:
            return json.load(fh)


def write_notes(
    docs: Iterable[Doc],
    notes_dir: Path,
    progress: Callable[[int], None] | None = None,
) -> dict[str, str]:
    """Write each document as a note under ``notes_dir``; return ``{relative path: doc id}``."""
    notes_dir = Path(notes_dir)
    docmap: dict[str, str] = {}
    made: set[str] = set()
    for n, doc in enumerate(docs, 1):
        rel = doc_filename(doc.id)
        sub = rel.split("/", 1)[0]
        if sub not in made:
            (notes_dir / sub).mkdir(parents=True, exist_ok=True)
            made.add(sub)
        with open(notes_dir / rel, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(doc_markdown(doc))
        docmap[rel] = doc.id
        if progress and n % 1000 == 0:
            progress(n)
    if progress:
        progress(len(docmap))
    return docmap


def prepare(
    root: Path,
    cache_root: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> PreparedDataset:
    """Write the corpus as a notes folder in the dataset's cache dir (once), with its doc map.

    Reuses a complete earlier write (marked by ``docmap.json``, written last). The index folder
    beside it is left to the engine, which refreshes it incrementally.
    """
    root = Path(root).expanduser().resolve()
    check_dataset(root)
    cache_dir = Path(cache_root or default_cache_root()) / cache_key(root)
    notes_dir = cache_dir / "notes"
    index_dir = cache_dir / "index"
    docmap_path = cache_dir / "docmap.json"
    if docmap_path.is_file() and notes_dir.is_dir():
        with open(docmap_path, encoding="utf-8") as fh:
            n = len(json.load(fh))
        return PreparedDataset(cache_dir, notes_dir, index_dir, docmap_path, n, reused=True)

    cache_dir.mkdir(parents=True, exist_ok=True)
    if notes_dir.exists():  # an interrupted earlier write
        shutil.rmtree(notes_dir)
    tmp = cache_dir / "notes.partial"
    if tmp.exists():
        shutil.rmtree(tmp)
    docmap = write_notes(iter_corpus(root), tmp, progress)
    os.replace(tmp, notes_dir)
    part = docmap_path.with_suffix(".json.partial")
    with open(part, "w", encoding="utf-8") as fh:
        json.dump(docmap, fh)
    os.replace(part, docmap_path)
    return PreparedDataset(cache_dir, notes_dir, index_dir, docmap_path, len(docmap), reused=False)


# --------------------------------------------------------------------------- chunk hits -> docs


def doc_run(
    ranked_paths: Iterable[tuple[str, float]],
    docmap: dict[str, str],
    k: int = 100,
) -> dict[str, float]:
    """Turn ranked chunk hits ``(note path, score)`` into ``{doc_id: score}`` for the top k docs.

    A document scores as its best chunk. ``ranked_paths`` must come best first; to keep exactly
    the engine's order (and leave no ties for trec_eval to break by doc id), the returned scores
    are ``k - position`` of each document's first (best) appearance, not the raw fused scores.
    """
    out: dict[str, float] = {}
    for path, _score in ranked_paths:
        doc = docmap.get(path.replace(os.sep, "/"))
        if doc is None or doc in out:
            continue
        out[doc] = float(k - len(out))
        if len(out) >= k:
            break
    return out


def max_score_run(ranked: Iterable[tuple[str, float]], docmap: dict[str, str]) -> dict[str, float]:
    """``{doc_id: max chunk score}`` (the raw-score alternative to :func:`doc_run`)."""
    out: dict[str, float] = {}
    for path, score in ranked:
        doc = docmap.get(path.replace(os.sep, "/"))
        if doc is not None and (doc not in out or score > out[doc]):
            out[doc] = float(score)
    return out
