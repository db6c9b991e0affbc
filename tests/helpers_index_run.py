"""A test-only `assistant index` stand-in: the real `index.sync.sync` under the real write lock,
with a deterministic fake embedder that sleeps a little per batch (so a run lasts long enough
for SIGKILLs to land in every stage), stage markers appended to a file, and optional
self-SIGKILL at a named point (to hit the short FAISS-rename and manifest windows on purpose).

    python tests/helpers_index_run.py NOTES INDEX --marker FILE [--sleep S] [--batch N]
                                      [--kill-at POINT] [--dim D]

Kill points: tx-mid (inside a batch transaction, before COMMIT), faiss-tmp (FAISS temp file
written, not yet renamed), faiss-old (renamed, older FAISS files not yet deleted),
manifest-tmp (manifest temp written, not yet renamed).
Prints the SyncReport as JSON on success.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fakes import FakeEmbedder  # noqa: E402

from index import store as store_mod  # noqa: E402
from index import sync as sync_mod  # noqa: E402

_marker_fd: int | None = None


def mark(stage: str) -> None:
    if _marker_fd is not None:
        os.write(_marker_fd, f"{time.monotonic():.4f} {stage}\n".encode())


def die() -> None:
    mark("self-kill")
    os.kill(os.getpid(), signal.SIGKILL)


class SlowFakeEmbedder(FakeEmbedder):
    """FakeEmbedder that takes `sleep` seconds per 8 texts, like a (very fast) real model."""

    def __init__(self, dim: int, sleep: float) -> None:
        super().__init__(dim=dim)
        self.sleep = sleep

    def embed(self, texts, progress=None):
        mark(f"embed-begin {len(texts)}")
        out = []
        for start in range(0, len(texts), 8):
            part = texts[start : start + 8]
            time.sleep(self.sleep)
            out.append(super().embed(part))
            if progress:
                progress(min(start + 8, len(texts)), len(texts))
        mark("embed-end")
        import numpy as np

        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)


def install_hooks(kill_at: str | None) -> None:
    Store = store_mod.Store
    orig_tx = Store.transaction
    orig_set_meta = Store.set_meta
    orig_write_vectors = Store.write_vectors
    orig_write_manifest = Store.write_manifest
    orig_replace = os.replace
    tx_count = {"n": 0}

    import contextlib

    @contextlib.contextmanager
    def transaction(self):
        tx_count["n"] += 1
        mark(f"tx-begin {tx_count['n']}")
        with orig_tx(self) as conn:
            yield conn
            mark(f"tx-commit {tx_count['n']}")
        mark(f"tx-done {tx_count['n']}")

    def set_meta(self, **values):
        orig_set_meta(self, **values)
        # The first transaction of a run marks the update; later ones commit batches.
        if kill_at == "tx-mid" and "generation" in values and tx_count["n"] >= 3:
            die()

    def write_vectors(self, generation):
        mark("faiss-begin")
        orig_write_vectors(self, generation)
        mark("faiss-end")

    def write_manifest(self, manifest):
        mark("manifest-begin")
        orig_write_manifest(self, manifest)
        mark("manifest-end")

    def replace(src, dst, *a, **kw):
        name = os.fspath(dst)
        if name.endswith(".faiss") and kill_at == "faiss-tmp":
            die()
        if name.endswith("manifest.json") and kill_at == "manifest-tmp":
            die()
        orig_replace(src, dst, *a, **kw)
        if name.endswith(".faiss") and kill_at == "faiss-old":
            die()

    Store.transaction = transaction
    Store.set_meta = set_meta
    Store.write_vectors = write_vectors
    Store.write_manifest = write_manifest
    store_mod.os.replace = replace  # the store's module-level `os` is the real os module


def main() -> None:
    global _marker_fd
    ap = argparse.ArgumentParser()
    ap.add_argument("notes")
    ap.add_argument("index")
    ap.add_argument("--marker")
    ap.add_argument("--sleep", type=float, default=0.0)
    ap.add_argument("--batch", type=int, default=0)
    ap.add_argument("--kill-at", default=None)
    ap.add_argument("--dim", type=int, default=64)
    args = ap.parse_args()
    if args.marker:
        _marker_fd = os.open(args.marker, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    mark("start")
    if args.batch:
        sync_mod.BATCH_CHUNKS = args.batch
    install_hooks(args.kill_at)
    emb = SlowFakeEmbedder(args.dim, args.sleep)
    with sync_mod.writer_lock(Path(args.index), timeout=60):
        mark("locked")
        report = sync_mod.sync(Path(args.index), Path(args.notes), emb)
    mark("done")
    print(report.model_dump_json())


if __name__ == "__main__":
    main()
