"""Helpers shared by the benchmark scripts in bench/ (benchmarks, not tests).

Every script prints a table of figures, each with its target beside it and a verdict, and
keeps ratios honest by measuring both sides in the same process run (the machine is noisy).
Run from the repository root with the venv active; see bench/README.md.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "aws-container-docs"
"""`../shared/corpora/aws-container-docs` relative to the repository; read at run time only."""
GOLD = REPO / "assistant" / "eval" / "data" / "gold.jsonl"
NOTE_SUFFIXES = (".md", ".markdown", ".txt")

if str(REPO) not in sys.path:  # allow `python bench/x.py` without installing
    sys.path.append(str(REPO))  # after PYTHONPATH: a snapshot of other code can be measured

FALLBACK_QUESTIONS = [
    "Which load balancer is preferred for ECS?",
    "How do I create an ECS cluster?",
    "What is the difference between the Fargate and EC2 launch types?",
    "How do I configure auto scaling for an App Runner service?",
    "How does App Runner connect to a VPC?",
    "What is a task definition?",
    "How do I pass secrets to a container in ECS?",
    "How do I update a running ECS service?",
    "What IAM role does an ECS task need to pull images from ECR?",
    "How are App Runner services deployed from source code?",
    "What network modes are supported for ECS tasks?",
    "How do I view container logs in CloudWatch?",
    "How do I mount an EFS file system in a task?",
    "What is service discovery in ECS?",
    "How does capacity provider scaling work?",
    "What health check options does App Runner offer?",
    "How do I use a custom domain with App Runner?",
    "What is the awsvpc network mode?",
    "How do I run a scheduled task?",
    "What are the Fargate task size limits?",
    "How do I enable ECS Exec?",
    "How does blue/green deployment with CodeDeploy work?",
    "What observability options does App Runner have?",
    "How do I pause and resume an App Runner service?",
    "What is the ECS container agent?",
]


# ----------------------------------------------------------------------------- figures
def pct(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation, as numpy's default."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB, macOS bytes)."""
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024 * 1024) if sys.platform == "darwin" else r / 1024


def current_rss_mb() -> float | None:
    """Current resident set size (Linux only), MiB."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


@contextmanager
def timed(into: dict, key: str):
    """`with timed(d, "x"):` adds the block's wall seconds to d["x"]."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        into[key] = into.get(key, 0.0) + time.perf_counter() - t0


class Report:
    """Rows of (figure, value, target, verdict), printed as an aligned table."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: list[tuple[str, str, str, str]] = []
        self.data: dict[str, object] = {}

    def add(
        self,
        name: str,
        value: float | str,
        fmt: str = "{:.2f}",
        target: str = "",
        ok: bool | None = None,
        key: str | None = None,
    ) -> None:
        text = value if isinstance(value, str) else fmt.format(value)
        verdict = "" if ok is None else ("MET" if ok else "MISSED")
        self.rows.append((name, text, target, verdict))
        self.data[key or name] = value

    def note(self, text: str) -> None:
        self.rows.append((text, "", "", ""))

    def print(self) -> None:
        self.note(f"load average at end: {load_avg()}")
        w0 = max(len(r[0]) for r in self.rows if r[1] or r[2]) if self.rows else 10
        w1 = max((len(r[1]) for r in self.rows), default=5)
        w2 = max((len(r[2]) for r in self.rows), default=6)
        print()
        print(f"== {self.title} ==")
        print(f"{'figure':<{w0}}  {'value':>{w1}}  {'target':<{w2}}  verdict")
        for name, val, tgt, ver in self.rows:
            if not val and not tgt:
                print(f"  {name}")
            else:
                print(f"{name:<{w0}}  {val:>{w1}}  {tgt:<{w2}}  {ver}".rstrip())
        sys.stdout.flush()

    def save(self, name: str, extra: dict | None = None) -> Path:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"{name}.json"
        payload = {"title": self.title, "machine": machine_info(), "figures": self.data}
        if extra:
            payload.update(extra)
        path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
        return path


def log(msg: str) -> None:
    """Progress lines go to stderr so stdout stays the report."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def progress_logger(every_s: float = 60.0) -> Callable[[str, int, int], None]:
    """A sync progress callback logging the embedding stages ("embed" = sections, "lines") with
    ETA and RSS every `every_s`."""
    states: dict[str, dict[str, float]] = {}

    def cb(stage: str, done: int, total: int) -> None:
        if stage not in ("embed", "lines") or not total:
            return
        now = time.perf_counter()
        state = states.setdefault(stage, {})
        if "t0" not in state:  # rate from the first report on, so batch warm-up is excluded
            state.update(t0=now, d0=done, last=now)
            return
        if now - state["last"] < every_s and done < total:
            return
        state["last"] = now
        rate = (done - state["d0"]) / max(now - state["t0"], 1e-9)
        eta = f"{(total - done) / rate:.0f}s" if rate > 0 else "?"
        rss = current_rss_mb() or 0.0
        log(f"{stage} {done}/{total} ({rate:.1f}/s, ETA {eta}, RSS {rss:.0f} MiB)")

    return cb


# ----------------------------------------------------------------------------- machine
def machine_info() -> dict[str, object]:
    cpu = platform.processor() or platform.machine()
    flags: set[str] = set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and cpu in ("", platform.machine()):
                    cpu = line.split(":", 1)[1].strip()
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    info: dict[str, object] = {
        "cpu": cpu,
        "cores_usable": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "bf16_native": bool(flags & {"avx512_bf16", "amx_bf16"}),
        "avx512": "avx512f" in flags,
    }
    try:
        import importlib.metadata as md

        for pkg in ("torch", "sentence-transformers", "faiss-cpu", "onnxruntime"):
            with suppress(md.PackageNotFoundError):
                info[pkg] = md.version(pkg)
    except Exception:
        pass
    return info


def load_avg() -> str:
    """1/5/15-minute load averages; above the core count, absolute timings are inflated."""
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def print_machine() -> None:
    m = machine_info()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in m.items()))
    print(f"load average at start: {load_avg()} (cores: {m['cores_usable']})")


# ----------------------------------------------------------------------------- corpus
def note_files(root: Path) -> list[Path]:
    """Note files under root, sorted by relative path (what the scanner would index)."""
    root = Path(root)
    return sorted(
        (
            p
            for p in root.rglob("*")
            if p.is_file()
            and p.suffix.lower() in NOTE_SUFFIXES
            and not any(part.startswith(".") for part in p.relative_to(root).parts)
        ),
        key=lambda p: p.relative_to(root).as_posix(),
    )


def copy_corpus(src: Path, dst: Path, limit: int | None = None) -> list[Path]:
    """Copy the note files of `src` (the first `limit` by path) into `dst`; returns copies."""
    src, dst = Path(src), Path(dst)
    if not src.is_dir():
        raise SystemExit(f"corpus {src} not found (pass --corpus DIR)")
    files = note_files(src)
    if limit:
        files = files[:limit]
    out = []
    for p in files:
        q = dst / p.relative_to(src)
        q.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, q)
        out.append(q)
    return out


def questions(n: int = 50) -> list[str]:
    """`n` questions: the gold set's (if present), topped up with ECS/App Runner ones."""
    qs: list[str] = []
    if GOLD.is_file():
        for line in GOLD.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line:
                q = json.loads(line).get("question")
                if q and q not in qs:
                    qs.append(q)
    for q in FALLBACK_QUESTIONS:
        if q not in qs:
            qs.append(q)
    while len(qs) < n:  # cycle if still short
        qs.append(qs[len(qs) % max(1, len(qs))])
    return qs[:n]


def latency_ms(fn: Callable[[str], object], qs: Iterable[str]) -> list[float]:
    out = []
    for q in qs:
        t0 = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


# ----------------------------------------------------------------------------- instrumentation
class StageTimer:
    """Time named stages of the real code path by wrapping functions in place.

    `patch(owner, "attr", "label")` replaces owner.attr (a module function, a class method or
    an instance's bound method) with a wrapper that adds its wall time and call count to
    `label`; `restore()` undoes every patch. Nested stages overlap (chunk_note includes the
    token counting it calls), so read them as "time inside", not as a partition.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.items: dict[str, int] = {}
        self._undo: list[Callable[[], None]] = []

    def patch(self, owner: object, attr: str, label: str, count_items: bool = False) -> None:
        import functools
        import inspect

        orig = getattr(owner, attr, None)
        if orig is None:  # the code moved on; time what is still there
            log(f"stage timer: {getattr(owner, '__name__', owner)}.{attr} not found, not timed")
            return
        is_instance = not (inspect.ismodule(owner) or inspect.isclass(owner))

        @functools.wraps(orig)
        def wrapper(*a, **kw):
            t0 = time.perf_counter()
            try:
                return orig(*a, **kw)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - t0
                self.calls[label] = self.calls.get(label, 0) + 1
                if count_items and a:
                    items = a[0] if is_instance else (a[1] if len(a) > 1 else a[0])
                    with suppress(TypeError):
                        self.items[label] = self.items.get(label, 0) + len(items)

        setattr(owner, attr, wrapper)
        if is_instance:
            self._undo.append(lambda: owner.__dict__.pop(attr, None))
        else:
            raw = owner.__dict__[attr] if inspect.isclass(owner) else orig
            self._undo.append(lambda: setattr(owner, attr, raw))

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()
        self.items.clear()

    def restore(self) -> None:
        while self._undo:
            self._undo.pop()()

    def s(self, label: str) -> float:
        return self.seconds.get(label, 0.0)


def profile_top(prof, n: int = 25) -> str:
    """cProfile.Profile -> text of the top `n` functions by cumulative time."""
    import io
    import pstats

    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(n)
    return s.getvalue()


def cosine_rows(a, b):
    """Row-wise cosine of two (n, d) arrays."""
    import numpy as np

    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    na = np.linalg.norm(a, axis=1)
    nb = np.linalg.norm(b, axis=1)
    return (a * b).sum(axis=1) / np.maximum(na * nb, 1e-12)


def exact_index(store):
    """An exact FAISS index over the vectors stored in SQLite, and the chunk id of each row
    (the reference an approximate index's recall is measured against)."""
    import faiss
    import numpy as np

    exact, ids = None, []
    for batch_ids, vecs in store.stored_vectors():
        exact = exact or faiss.IndexFlatIP(vecs.shape[1])
        exact.add(vecs)
        ids.append(batch_ids)
    return exact, np.concatenate(ids)


def faiss_thread_probe(index, qvecs, k: int = 50) -> dict[int, float]:
    """Mean ms of single-query FAISS searches at the default OpenMP threads and at 1 thread.

    Diagnostic only: restores the thread count afterwards. On a small, busy machine OpenMP's
    fork/spin for a single query vector can cost far more than the search itself.
    """
    import faiss
    import numpy as np

    default = faiss.omp_get_max_threads()
    out: dict[int, float] = {}
    try:
        for th in dict.fromkeys((default, 1)):
            faiss.omp_set_num_threads(th)
            index.search(np.asarray(qvecs[:1], dtype=np.float32), k)
            t0 = time.perf_counter()
            for row in qvecs:
                index.search(np.asarray(row, dtype=np.float32).reshape(1, -1), k)
            out[th] = (time.perf_counter() - t0) * 1000 / max(1, len(qvecs))
    finally:
        faiss.omp_set_num_threads(default)
    return out


def onnx_thread_probe(qemb, texts: Sequence[str]) -> dict[object, float] | None:
    """Mean ms per single-question embedding with the ONNX query embedder at 1 thread vs default.

    None if `qemb` is not the ONNX embedder (or it cannot be re-created with 1 thread).
    """
    directory = getattr(qemb, "directory", None)
    if type(qemb).__name__ != "OnnxEmbedder" or directory is None:
        return None
    out: dict[object, float] = {}
    try:
        one = type(qemb)(directory, num_threads=1)
    except Exception:
        return None
    from index.cpu import default_threads

    for name, e in ((f"default={default_threads()}", qemb), (1, one)):
        e.embed([texts[0]])
        t0 = time.perf_counter()
        for t in texts:
            e.embed([t])
        out[name] = (time.perf_counter() - t0) * 1000 / max(1, len(texts))
    return out
