"""Which FAISS index holds the chunk vectors, and how one question searches it.

Up to IVF_MIN_VECTORS the index is exact: IndexIDMap2 over IndexFlatIP (a flat scan of 50k
vectors takes about 6 ms on one core). From there on it is an inverted-file index, IndexIVFFlat
with about 4·√N lists of which a quarter are scanned per question: at 100k chunks, 11 ms -> 4 ms
on one core. Questions are short and land between clusters, so fewer lists lose neighbours
(measured at 100k, recall@10 of 100 questions: 0.955 probing 10%, 0.982 at 20%).
`bench/bench_scale.py` measures recall@10 against exact search (issue 6: at least 0.98).
A search restricted to some paths probes every list, so it stays exact. Both kinds take chunk
ids as FAISS ids and support adding and removing vectors, which is what a one-file refresh does;
the kind is re-chosen only when the vector file is written and the size has moved well past the
choice (`fits`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

IVF_MIN_VECTORS = 50_000
"""Vectors from which an approximate (IVF) index replaces exact search."""
PROBE_SHARE = 0.25
"""Share of the lists scanned per question; chosen by measured recall@10 (see above)."""
TRAIN_PER_LIST = 40
"""Training vectors per list for k-means (FAISS warns below 39)."""
KMEANS_ITERATIONS = 10


def _faiss() -> Any:
    import faiss

    return faiss


def nlist_for(n: int) -> int:
    return max(1, int(4 * math.sqrt(n)))


def nprobe_for(index: Any) -> int:
    return max(1, math.ceil(PROBE_SHARE * index.nlist))


def is_ivf(index: Any) -> bool:
    return isinstance(index, _faiss().IndexIVF)


def fits(index: Any) -> bool:
    """Is this kind of index still right for its size? (With slack, so a size near the
    threshold does not flip the kind on every refresh.)"""
    n = index.ntotal
    if is_ivf(index):
        return n >= IVF_MIN_VECTORS // 2 and nlist_for(n) < 2 * index.nlist
    return n < IVF_MIN_VECTORS


def empty(dim: int) -> Any:
    """An exact index to grow during a build (re-chosen when its file is written)."""
    faiss = _faiss()
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def build(
    dim: int, n: int, sample: np.ndarray, batches: Iterable[tuple[np.ndarray, np.ndarray]]
) -> Any:
    """An index of the right kind for `n` vectors, filled from `batches` of (ids, vectors).

    `sample` (used only for an IVF index) trains the list centroids: spread over the corpus,
    at least TRAIN_PER_LIST vectors per list where there are that many."""
    faiss = _faiss()
    if n < IVF_MIN_VECTORS:
        index = empty(dim)
    else:
        quantizer = faiss.IndexFlatIP(dim)
        nlist = min(nlist_for(n), len(sample))
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.niter = KMEANS_ITERATIONS
        index.cp.seed = 1234
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index.nprobe = nprobe_for(index)
    for ids, vecs in batches:
        index.add_with_ids(np.ascontiguousarray(vecs, dtype=np.float32), ids.astype(np.int64))
    return index


def ids(index: Any) -> np.ndarray:
    """The chunk ids an index holds (unsorted)."""
    faiss = _faiss()
    if not is_ivf(index):
        return faiss.vector_to_array(index.id_map).astype(np.int64)
    lists = index.invlists
    parts = []
    for i in range(index.nlist):
        size = lists.list_size(i)
        if size:
            parts.append(faiss.rev_swig_ptr(lists.get_ids(i), size).copy())
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def search(
    index: Any, qvec: np.ndarray, k: int, allowed: set[int] | None = None, exact: bool = False
) -> list[tuple[int, float]]:
    """Top-k (chunk id, cosine) for one normalised question vector, optionally only among
    `allowed` ids. An IVF index probes every list (an exact search) for `exact` or `allowed`."""
    faiss = _faiss()
    if index.ntotal == 0 or (allowed is not None and not allowed):
        return []
    q = np.asarray(qvec, dtype=np.float32).reshape(1, -1)
    sel = faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64)) if allowed else None
    if is_ivf(index):
        nprobe = index.nlist if exact or sel is not None else nprobe_for(index)
        params = faiss.SearchParametersIVF(nprobe=nprobe)
        if sel is not None:
            params.sel = sel
    else:
        params = faiss.SearchParameters(sel=sel) if sel is not None else None
    scores, found = index.search(q, min(k, index.ntotal), params=params)
    return [(int(i), float(s)) for i, s in zip(found[0], scores[0], strict=True) if i >= 0]
