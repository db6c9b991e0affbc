"""Test doubles: the deterministic fake embedder and an engine factory that uses it.

Fast unit tests only; integration tests use the bundled model. Subprocess tests reach these
through `tests/fake_cli.py` (the real CLI's `main` with `fake_engine` as its engine factory).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Progress = Callable[[int, int], None]
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


def fake_engine(settings: Any) -> Any:
    """An Engine over `settings` with the fake embedder (the CLI's engine-factory seam)."""
    from assistant.engine import Engine

    return Engine(settings, embedder=FakeEmbedder())


def indexed_engine(notes: Any, index: Any, options: Any = None) -> Any:
    """An Engine with the fake embedder and `options` over `notes`, its index at `index`
    built (the option tests: the real store and chunker, only the model faked)."""
    from assistant.engine import Engine
    from assistant.settings import load_settings

    e = Engine(load_settings(notes=notes, index=index), FakeEmbedder(), options)
    e.ensure_ready()
    return e


def write_notes(root: Any, files: dict[str, str]) -> Any:
    """A notes folder at `root` of these files (relative path -> text); returns `root`."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root
