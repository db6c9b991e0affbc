"""What the stages read from the index: a small protocol, so each stage can be tested without
SQLite (a dict-backed fake will do). `index.store.Store` satisfies it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np

from corpus.models import Chunk


class NotesSource(Protocol):
    def chunks_after(self, path: str, line: int, limit: int) -> list[Chunk]:
        """Up to `limit` chunks of `path` that start after `line`, in file order."""
        ...

    def vectors_for_ids(self, ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored section vectors of these chunk ids."""
        ...

    def line_vectors(self, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Stored single-line vectors by section content hash (one row per body line)."""
        ...
