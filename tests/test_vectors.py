"""The vector index: exact below a size, IVF above it, and both kept in step with the notes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from fakes import FakeEmbedder

from assistant.engine import Engine
from assistant.settings import load_settings
from index import vectors
from index.store import Store, faiss_ids


def clustered(n: int, dim: int = 32, clusters: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors around random centres, like embeddings of notes on a few topics."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    x = centres[rng.integers(0, clusters, n)] + 0.35 * rng.normal(size=(n, dim))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def exact_top(x: np.ndarray, ids: np.ndarray, q: np.ndarray, k: int) -> list[int]:
    order = np.argsort(-(x @ q), kind="stable")[:k]
    return [int(ids[i]) for i in order]


def build(x: np.ndarray, ids: np.ndarray):
    sample = x[:: max(1, len(x) // 2000)]
    return vectors.build(x.shape[1], len(x), sample, [(ids, x)])


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vectors, "IVF_MIN_VECTORS", 1000)


def test_exact_below_the_threshold_and_ivf_above(small_threshold: None) -> None:
    x = clustered(3000)
    ids = np.arange(10, 3010, dtype=np.int64)
    small, big = build(x[:900], ids[:900]), build(x, ids)
    assert not vectors.is_ivf(small) and vectors.is_ivf(big)
    assert big.nlist == vectors.nlist_for(3000)
    assert vectors.nprobe_for(big) == int(np.ceil(vectors.PROBE_SHARE * big.nlist))
    for index, held in ((small, ids[:900]), (big, ids)):
        assert np.array_equal(np.sort(vectors.ids(index)), held)
        assert vectors.fits(index)


def test_ivf_search_keeps_recall_and_a_path_filter_stays_exact(small_threshold: None) -> None:
    x = clustered(3000)
    ids = np.arange(3000, dtype=np.int64) * 7  # ids need not be dense
    index = build(x, ids)
    queries = clustered(50, seed=1)
    recall = np.mean(
        [
            len({i for i, _ in vectors.search(index, q, 10)} & set(exact_top(x, ids, q, 10))) / 10
            for q in queries
        ]
    )
    assert recall >= 0.95
    allowed = {int(i) for i in ids[::37]}  # a sparse subset, spread over every list
    mask = np.isin(ids, list(allowed))
    for q in queries[:10]:
        got = [i for i, _ in vectors.search(index, q, 5, allowed)]
        assert got == exact_top(x[mask], ids[mask], q, 5)
    assert vectors.search(index, queries[0], 5, set()) == []
    for q in queries[:10]:  # benchmarks ask for an exact search of the same index
        assert [i for i, _ in vectors.search(index, q, 10, exact=True)] == exact_top(x, ids, q, 10)


def test_ivf_vectors_can_be_removed_and_added(small_threshold: None) -> None:
    x = clustered(2000)
    ids = np.arange(2000, dtype=np.int64)
    index = build(x, ids)
    index.remove_ids(np.arange(0, 100, dtype=np.int64))
    assert index.ntotal == 1900
    assert all(vectors.search(index, x[i], 1)[0][0] != i for i in range(100))
    new = clustered(5, seed=2)
    index.add_with_ids(new, np.arange(5000, 5005, dtype=np.int64))
    for j in range(5):
        top_id, score = vectors.search(index, new[j], 1)[0]
        assert top_id == 5000 + j and score == pytest.approx(1.0, abs=1e-5)


def test_the_kind_changes_only_well_past_the_threshold(small_threshold: None) -> None:
    x = clustered(5000)
    ids = np.arange(5000, dtype=np.int64)
    index = build(x[:1200], ids[:1200])
    assert vectors.is_ivf(index) and vectors.fits(index)
    index.remove_ids(np.arange(0, 600, dtype=np.int64))  # 600 left: still above 1000 // 2
    assert vectors.fits(index)
    index.remove_ids(np.arange(600, 800, dtype=np.int64))  # 400 left: exact search again
    assert not vectors.fits(index)
    grown = build(x[:1200], ids[:1200])
    grown.add_with_ids(x[1200:], ids[1200:])  # 5000: needs twice the lists it was trained for
    assert not vectors.fits(grown)


def write(p: Path, text: str) -> None:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))


def note(i: int) -> str:
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    body = "\n\n".join(
        f"## Part {j}\n{words[(i + j) % 8]} {words[(i * j) % 8]} item {i} part {j}"
        for j in range(4)
    )
    return f"# Note {i}\n\n{body}\n"


def test_sync_keeps_an_ivf_index_in_step_with_the_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the threshold a build writes an IVF file; a one-file edit updates it in place;
    deleting most notes goes back to exact search. Every state passes the full check."""
    monkeypatch.setattr(vectors, "IVF_MIN_VECTORS", 60)
    notes, idx = tmp_path / "notes", tmp_path / "idx"
    for i in range(20):  # 20 notes x (4 parts + the title section) = 100 sections
        write(notes / f"n{i:02d}.md", note(i))
    eng = Engine(load_settings(notes=notes, index=idx), embedder=FakeEmbedder())
    eng.refresh()

    def loaded() -> object:
        store = Store.open(idx, create=False)
        try:
            index = store.vector_index()
            assert store.vector_problem is None, store.vector_problem
            assert np.array_equal(np.sort(faiss_ids(index)), store._chunk_ids())
            return index
        finally:
            store.close()

    assert vectors.is_ivf(loaded())
    assert eng.check() == []

    write(notes / "n03.md", note(3) + "\n## Added\nomega added by the edit\n")
    r = eng.refresh()
    assert (r.updated, r.chunks_embedded) == (1, 1)
    assert vectors.is_ivf(loaded()) and eng.check() == []
    top = eng.search("omega added by the edit", k=3, mode="dense")
    assert top[0].chunk.heading_path[-1] == "Added"
    only = eng.search("alpha beta", k=10, mode="dense", paths=["n07.md"])
    assert only and {h.chunk.path for h in only} == {"n07.md"}

    for i in range(4, 20):
        (notes / f"n{i:02d}.md").unlink()
    eng.refresh()
    assert not vectors.is_ivf(loaded()) and eng.check() == []


def test_an_index_that_outgrew_exact_search_switches_without_any_note_changing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An index written before IVF existed (or just under the threshold) gets the right kind
    on the next refresh even when no note changed, and nothing is re-embedded."""
    notes, idx = tmp_path / "notes", tmp_path / "idx"
    for i in range(20):
        write(notes / f"n{i:02d}.md", note(i))
    emb = FakeEmbedder()
    eng = Engine(load_settings(notes=notes, index=idx), embedder=emb)
    eng.refresh()
    assert not vectors.is_ivf(eng.store().vector_index())
    monkeypatch.setattr(vectors, "IVF_MIN_VECTORS", 60)
    before = emb.texts_embedded
    r = eng.refresh()
    assert r.changed is False and emb.texts_embedded == before
    store = Store.open(idx, create=False)
    try:
        assert vectors.is_ivf(store.vector_index()) and store.vector_problem is None
    finally:
        store.close()
    assert eng.check() == []
