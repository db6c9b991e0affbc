"""The models one engine uses, loaded on first need: answering needs only the fast ONNX query
model; building an index needs the ONNX model too in fp32, sentence-transformers (torch) in
bf16."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future
from pathlib import Path

import numpy as np

from assistant import paths
from assistant.errors import EngineError
from assistant.settings import Settings, check_model_folder
from assistant.stages import decide
from index.embed import DeferredEmbedder, Embedder, bundled_model_path, model_id_for

LINE_CACHE_MAX = 50_000
"""Line embeddings kept in memory by a long-lived engine (about 80 MB at most)."""


class Embedders:
    """The index embedder, the query embedder and the vocabulary of one configured model.

    A fixed embedder (tests, benches) serves both roles and is never exported. Two engines of
    one process may share one `Embedders` (`Engine.twin`): each model is loaded once, under a
    lock of its own, by whichever thread needs it first."""

    def __init__(self, settings: Settings, fixed: Embedder | None = None) -> None:
        self.settings = settings
        self.fixed = fixed
        self._index: Embedder | None = fixed
        self._query: Embedder | None = fixed
        self._common: set[str] | None = None
        self._line_vectors: dict[str, np.ndarray] = {}
        self.notices: list[str] = []
        """Said once by the query model's loader (e.g. 'no ONNX export yet')."""
        self._index_loading = threading.Lock()
        self._query_loading = threading.Lock()

    def _configured(self) -> Path | None:
        """The `model` setting (None: the bundled model), read wherever the model is: one that
        names no folder is an EngineError (`check_model_folder`), not a traceback."""
        check_model_folder(self.settings)
        return self.settings.model

    def _folder(self) -> Path:
        model = self._configured()
        return Path(model) if model else bundled_model_path()

    def index_embedder(
        self, defer: bool = False, on_load: Callable[[], None] | None = None
    ) -> Embedder:
        """The model that embeds notes. `defer`: a bf16 model loads when it first embeds, not
        now (`index.embed.DeferredEmbedder`; a refresh with nothing to embed skips torch);
        `on_load` runs just before a model loads."""
        with self._index_loading:
            if self._index is None:
                from index.onnx_embed import load_index_embedder

                model = self._configured()  # outside the try: its error is said as it is
                try:
                    self._index = load_index_embedder(
                        model, self.settings.precision, paths.models_dir(), defer, on_load
                    )
                except Exception as e:  # a broken model folder is the user's config problem
                    raise EngineError(
                        f"cannot load model {self.settings.model or 'bundled'}: {e}"
                    ) from e
            elif isinstance(self._index, DeferredEmbedder) and not self._index.loaded:
                self._index.on_load = on_load  # this refresh's progress line, not an earlier one's
            return self._index

    def query_embedder(self) -> Embedder:
        """The index embedder if this process loaded it already in fp32, else the ONNX export.

        Questions are always embedded in fp32: a bf16 index embedder reused for them would make
        an answer depend on whether this process built the index (the chat or `eval` right
        after a first build against every later start)."""
        with self._query_loading:  # never waits for the index embedder's load (its own lock)
            if self._query is None:
                if self._index is not None and getattr(self._index, "precision", None) != "bf16":
                    self._query = self._index
                else:
                    from index.onnx_embed import load_query_embedder

                    model = self._configured()
                    try:
                        emb, notice = load_query_embedder(model, paths.models_dir())
                    except Exception as e:
                        raise EngineError(f"cannot load model: {e}") from e
                    if notice:
                        self.notices.append(notice)
                    self._query = emb
            return self._query

    def model_id(self) -> str:
        """The configured model's identity, without loading it."""
        if self.fixed is not None:
            return self.fixed.model_id
        return model_id_for(self._folder())

    def precision(self) -> str | None:
        """The precision the index must be in ("fp32" or "bf16"): the one the settings ask for
        (a fixed embedder's own), or None for "auto", which takes an index made in either (a
        CPU without native bf16 reading an index built where it had it is no reason to redo
        every vector)."""
        if self.fixed is not None:
            return getattr(self.fixed, "precision", None)
        return None if self.settings.precision == "auto" else self.settings.precision

    def export_query_model(self) -> None:
        """Export the ONNX query model once per model, so later cold starts skip torch."""
        if self.fixed is not None:
            return
        with contextlib.suppress(Exception):
            from index.onnx_embed import ensure_onnx_export

            ensure_onnx_export(self.settings.model, paths.models_dir())

    def common_words(self) -> set[str]:
        """Ordinary words: the whole words of the model's WordPiece vocabulary (if it has one)."""
        if self._common is None:
            words: set[str] = set()
            with contextlib.suppress(OSError):
                vocab = (self._folder() / "vocab.txt").read_text(encoding="utf-8")
                for line in vocab.splitlines():
                    if line.isalpha() and line.islower() and len(line) > 1:
                        words.add(line)
            self._common = words
        return self._common

    def spelt_right(self, term: str) -> bool:
        """An ordinary word (inflected or British forms too): never "corrected" to a notes word.
        Not as an inflection of a word of three letters: the vocabulary's short words ("tak")
        would make a typo ("taks" for "tasks") a plural; nor with its last consonant left
        undoubled ("snaped", `decide.undoubled`)."""
        common = self.common_words()
        return not decide.undoubled(term, common) and decide.is_common(term, common, min_stem=4)

    def forget_lines(self) -> None:
        """Empty the line cache (a bench timing questions about lines not seen yet)."""
        self._line_vectors.clear()

    def embed_lines(self, texts: list[str]) -> list[np.ndarray]:
        """Line vectors embedded now (sections whose stored ones are missing), each distinct
        line text once per engine: lines recur across questions (the TUI, eval)."""
        cache = self._line_vectors
        todo = list(dict.fromkeys(t for t in texts if t not in cache))
        if todo:
            if len(cache) > LINE_CACHE_MAX:
                cache.clear()
            cache.update(zip(todo, self.query_embedder().embed(todo), strict=True))
        return [cache[t] for t in texts]


class Embedding:
    """The question's vector: computed already, or being computed on the engine's second
    thread (a `concurrent.futures` future of (vector, seconds))."""

    def __init__(self, future: Future[tuple[np.ndarray, float]]) -> None:
        self._future = future

    @classmethod
    def now(cls, fn: Callable[[str], np.ndarray], arg: str) -> Embedding:
        done: Future[tuple[np.ndarray, float]] = Future()
        done.set_result(timed(fn, arg))
        return cls(done)

    def result(self) -> np.ndarray:
        """The vector (waits for it; re-raises the embedding's error)."""
        return self._future.result()[0]

    @property
    def seconds(self) -> float:
        return self._future.result()[1]

    def wait(self) -> None:
        futures.wait([self._future])


def timed(fn: Callable[[str], np.ndarray], arg: str) -> tuple[np.ndarray, float]:
    t0 = time.perf_counter()
    return fn(arg), time.perf_counter() - t0
