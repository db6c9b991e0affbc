"""Handing freed heap memory back to the operating system during a long build.

An index build runs the model over thousands of batches of changing shape, while small
arrays (line vectors, tokeniser output) that outlive their batch are scattered through the
heap. glibc's malloc keeps what those batches freed: on the 1,873-file til folder the process
grew from about 650 MiB of live memory to 1.15 GB. `malloc_trim` returns the free pages (also
those between live blocks) to the system. Where there is no glibc (macOS, musl) or no
/proc, everything here is a no-op.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable

SLACK_MIB = 64
"""RSS growth since the last trim that makes `HeapTrimmer` trim again: trimming after every
batch would hand pages back that the next batch faults in again."""


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, loaded on first use (ctypes stays off the `ask` path)."""
    import ctypes

    try:
        fn = ctypes.CDLL(None).malloc_trim  # the C library this process already runs on
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int | None:
    """This process's resident set size now (Linux), else None."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def release() -> None:
    """Give the heap's free pages back to the system now (after a build, before an export)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


class HeapTrimmer:
    """Called after each batch: trims once RSS has grown `slack_mib` since the last trim, so
    the peak stays near the live memory instead of climbing with what the batches freed."""

    def __init__(self, slack_mib: int = SLACK_MIB) -> None:
        self.slack = slack_mib * 2**20
        self._after_last: int | None = None
        self.trims = 0

    def __call__(self) -> None:
        trim = _malloc_trim()
        rss = rss_bytes()
        if trim is None or rss is None:
            return
        if self._after_last is None or rss > self._after_last + self.slack:
            trim(0)
            self.trims += 1
            self._after_last = rss_bytes()
        elif rss < self._after_last:  # memory given back meanwhile: measure growth from here
            self._after_last = rss
