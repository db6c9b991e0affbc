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

from assistant.errors import UsageError

CACHE_FORMAT = 1
"""Bump when the way documents are written as notes changes (forces a fresh notes folder)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Doc:
    id: str
    title: str
    text: str


class BeirFormatError(UsageError):
    """The folder is not a readable BEIR dataset (a usage error: exit 2)."""


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


# --------------------------------------------------------------------------- the runner

CHUNK_DEPTH = 300
"""Chunks fetched per query (and per retriever before fusion): enough for the top 100 docs."""
TOP_DOCS = 100


def _peak_rss_mb() -> float | None:
    try:
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    except Exception:  # pragma: no cover - not on POSIX
        return None


def _search_fn(engine):
    """`(query, qvec, k, mode) -> hits` through the product's retrieval, with a depth of k and
    exact dense search (a large corpus is served by an approximate index; published BEIR
    figures are for exact search)."""
    from index.retrieve import retrieve

    return lambda q, v, k, mode: retrieve(engine.store(), q, v, k=k, mode=mode, depth=k, exact=True)


def run_beir(
    root: Path,
    modes: Iterable[str] = ("bm25", "dense", "hybrid"),
    *,
    split: str = "test",
    limit_queries: int | None = None,
    cache_root: Path | None = None,
    embedder=None,
    progress: Callable[[str, int, int], None] | None = None,
    log: Callable[[str], None] | None = None,
    ignore_identical_ids: bool = True,
) -> dict:
    """Index a BEIR dataset with the product's engine (cached) and score each mode.

    Returns a JSON-able report: per mode nDCG@10 and Recall@100 (pytrec_eval semantics) and
    MRR@10 (BEIR's), query latency, plus indexing figures. As BEIR's ``evaluate`` does by
    default, a document whose id equals the query id is dropped from that query's results.
    """
    import time

    from assistant.engine import Engine
    from assistant.eval import metrics
    from assistant.settings import load_settings

    say = log or (lambda _m: None)
    modes = list(modes)
    root = Path(root).expanduser().resolve()
    t0 = time.perf_counter()
    prepared = prepare(
        root, cache_root, progress=(lambda n: progress("write", n, 0)) if progress else None
    )
    say(
        f"{'Reusing' if prepared.reused else 'Wrote'} {prepared.documents} documents as notes "
        f"in {prepared.notes_dir}"
    )
    write_s = time.perf_counter() - t0

    engine = Engine(
        load_settings(notes=prepared.notes_dir, index=prepared.index_dir), embedder=embedder
    )
    try:
        t1 = time.perf_counter()
        reason = engine.stale_reason()
        report = None
        if reason is not None:
            say(f"Indexing ({reason})…")
            report = engine.refresh(progress=progress, lines=False)  # retrieval only
        index_s = time.perf_counter() - t1
        files, chunks = engine.store().counts()

        queries = load_queries(root)
        qrels_all = load_qrels(root, split)
        qids = [q for q in qrels_all if q in queries]
        if limit_queries is not None:
            qids = qids[:limit_queries]
        qrels = {q: qrels_all[q] for q in qids}
        texts = [queries[q] for q in qids]

        qvecs = None
        embed_s = 0.0
        if any(m != "bm25" for m in modes) and texts:
            t2 = time.perf_counter()
            qvecs = engine.query_embedder().embed(texts)
            embed_s = time.perf_counter() - t2
        search = _search_fn(engine)
        docmap = prepared.docmap()

        results: dict[str, dict] = {}
        for mode in modes:
            run: dict[str, dict[str, float]] = {}
            lat: list[float] = []
            for i, (qid, text) in enumerate(zip(qids, texts, strict=True)):
                vec = qvecs[i] if qvecs is not None and mode != "bm25" else None
                ts = time.perf_counter()
                hits = search(text, vec, CHUNK_DEPTH, mode)
                lat.append((time.perf_counter() - ts) * 1000)
                docs = doc_run(((h.chunk.path, h.score) for h in hits), docmap, k=TOP_DOCS + 1)
                if ignore_identical_ids:
                    docs.pop(qid, None)
                if len(docs) > TOP_DOCS:
                    docs.pop(min(docs, key=docs.__getitem__))
                run[qid] = docs
                if progress:
                    progress(f"queries ({mode})", i + 1, len(qids))
            scores = metrics.beir_scores(run, qrels)
            results[mode] = {**scores, **metrics.latency_summary(lat)}
            say(
                f"{mode:>6}: nDCG@10 {scores['ndcg@10']:.4f}  Recall@100 "
                f"{scores['recall@100']:.4f}  MRR@10 {scores['mrr@10']:.4f}"
            )
    finally:
        engine.close()
    return {
        "dataset": str(root),
        "split": split,
        "documents": prepared.documents,
        "files": files,
        "chunks": chunks,
        "queries": len(qids),
        "cache_dir": str(prepared.cache_dir),
        "notes_reused": prepared.reused,
        "chunks_embedded": report.chunks_embedded if report else 0,
        "write_seconds": round(write_s, 2),
        "index_seconds": round(index_s, 2),
        "query_embed_seconds": round(embed_s, 2),
        "peak_rss_mb": _peak_rss_mb(),
        "modes": results,
    }


def format_beir(report: dict) -> str:
    lines = [
        f"dataset {report['dataset']} ({report['split']}): {report['documents']} documents, "
        f"{report['chunks']} chunks, {report['queries']} queries",
        f"index: {report['index_seconds']:.1f}s, {report['chunks_embedded']} chunks embedded "
        f"this run; query embedding {report['query_embed_seconds']:.1f}s; peak RSS "
        + (f"{report['peak_rss_mb']:.0f} MB" if report.get("peak_rss_mb") else "n/a"),
        "",
        f"{'mode':<8}{'nDCG@10':>10}{'R@100':>10}{'MRR@10':>10}{'p50 ms':>9}{'p95 ms':>9}",
    ]
    for mode, s in report["modes"].items():
        lines.append(
            f"{mode:<8}{s['ndcg@10']:>10.4f}{s['recall@100']:>10.4f}{s['mrr@10']:>10.4f}"
            f"{s['p50_ms']:>9.1f}{s['p95_ms']:>9.1f}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- a dataset from notes


def notes_to_beir(notes_root: Path, out_dir: Path, min_query_words: int = 3) -> dict[str, int]:
    """Build a known-item BEIR dataset from a notes folder, for runtime and sanity checks.

    Every section with a heading and a body becomes a document (``<path>#<n>``, no title, the
    body without its heading line); every heading of at least ``min_query_words`` words becomes
    a query whose relevant documents (grade 1) are the sections carrying that heading.
    """
    from corpus.markdown import sections
    from corpus.read import NoteReadError, read_note, split_lines
    from corpus.scan import scan_notes

    out_dir = Path(out_dir)
    (out_dir / "qrels").mkdir(parents=True, exist_ok=True)
    by_heading: dict[str, list[str]] = {}
    docs = 0
    with open(out_dir / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for f in scan_notes(Path(notes_root)).files:
            try:
                text = read_note(f.path).text
            except NoteReadError:
                continue
            lines = split_lines(text)
            for n, s in enumerate(sections(text), 1):
                if not s.heading_path:
                    continue
                body = "\n".join(lines[s.start : s.end]).strip()
                if len(body.split()) < 5:
                    continue
                doc_id = f"{f.rel}#{n}"
                fh.write(json.dumps({"_id": doc_id, "title": "", "text": body}) + "\n")
                docs += 1
                heading = " ".join(s.heading_path[-1].split())
                if len(heading.split()) >= min_query_words:
                    by_heading.setdefault(heading, []).append(doc_id)
    queries = {f"q{i}": h for i, h in enumerate(sorted(by_heading), 1)}
    with open(out_dir / "queries.jsonl", "w", encoding="utf-8") as fh:
        for qid, h in queries.items():
            fh.write(json.dumps({"_id": qid, "text": h}) + "\n")
    with open(out_dir / "qrels" / "test.tsv", "w", encoding="utf-8") as fh:
        fh.write("query-id\tcorpus-id\tscore\n")
        for qid, h in queries.items():
            for doc_id in by_heading[h]:
                fh.write(f"{qid}\t{doc_id}\t1\n")
    return {"documents": docs, "queries": len(queries)}
