"""What this CPU can do: native bfloat16 support and how many cores we may use.

Detection reads /proc/cpuinfo on Linux. Elsewhere nothing is assumed: "auto" precision falls
back to fp32 unless the caller asks for bf16 explicitly.
"""

from __future__ import annotations

import os
import sys

BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
"""Linux cpuinfo flags meaning the CPU computes bfloat16 natively (AVX-512 BF16, AMX-BF16)."""

PRECISIONS = ("auto", "fp32", "bf16")


def read_cpuinfo() -> str | None:
    """The text of /proc/cpuinfo, or None where there is none (not Linux, or unreadable)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def cpu_flags(cpuinfo: str) -> frozenset[str]:
    """Flags common to every processor in a /proc/cpuinfo text (x86 `flags`, arm `Features`)."""
    common: set[str] | None = None
    for line in cpuinfo.splitlines():
        key, sep, value = line.partition(":")
        if not sep or key.strip().lower() not in ("flags", "features"):
            continue
        flags = set(value.split())
        common = flags if common is None else common & flags
    return frozenset(common or ())


def has_native_bf16(cpuinfo: str | None = None, platform: str | None = None) -> bool:
    """True only when the CPU is known to have AVX-512 BF16 or AMX-BF16.

    `cpuinfo` and `platform` default to this machine's; tests pass fake ones.
    """
    platform = platform or sys.platform
    if cpuinfo is None:
        if not platform.startswith("linux"):
            return False
        cpuinfo = read_cpuinfo()
        if cpuinfo is None:
            return False
    return bool(cpu_flags(cpuinfo) & BF16_FLAGS)


def resolve_precision(
    requested: str = "auto", cpuinfo: str | None = None, platform: str | None = None
) -> str:
    """Turn "auto" | "fp32" | "bf16" into the precision to use ("fp32" or "bf16").

    "auto" picks bf16 only on a CPU with native bfloat16 arithmetic: without it bfloat16 is
    emulated and several times slower than fp32. An explicit "bf16" is honoured as asked.
    """
    requested = (requested or "auto").lower()
    if requested not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {requested!r}")
    if requested == "auto":
        return "bf16" if has_native_bf16(cpuinfo, platform) else "fp32"
    return requested


def usable_cores() -> int:
    """CPUs this process may run on (respects taskset/cgroup affinity where the OS reports it)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, n)


def physical_cores(cpuinfo: str | None = None) -> int | None:
    """Distinct (physical id, core id) pairs in /proc/cpuinfo, or None if it does not say."""
    cpuinfo = read_cpuinfo() if cpuinfo is None else cpuinfo
    if not cpuinfo:
        return None
    cores: set[tuple[str, str]] = set()
    phys = core = None
    for line in [*cpuinfo.splitlines(), ""]:
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "physical id":
            phys = value.strip()
        elif key == "core id":
            core = value.strip()
        elif not line.strip():
            if core is not None:
                cores.add((phys or "0", core))
            phys = core = None
    return len(cores) or None


def default_threads() -> int:
    """Inference threads: one per physical core we may use (hyper-threads add contention)."""
    usable = usable_cores()
    phys = physical_cores() if sys.platform.startswith("linux") else None
    return max(1, min(usable, phys)) if phys else usable
