"""Cold `assistant ask` wall time vs `import sentence_transformers` (issue 6 target 1).

Builds an index of the bundled notes in a temporary ASSISTANT_HOME (`assistant index`, which
also exports the ONNX query model), then times, as fresh subprocesses, alternately:
  * `assistant ask "<question>"`                      (the product's console script)
  * `python -c "import sentence_transformers"`        (the reference, same interpreter)
  * `python -c "pass"`                                 (interpreter floor, for orientation)
and prints medians, the ratio ask / import-ST (target <= 0.15) and the absolute (target <= 0.6 s).
Then `python -X importtime` of the ask path: the top imports by cumulative and by self time.

    python bench/bench_cold_ask.py               # 7 runs each
    python bench/bench_cold_ask.py --runs 11 --question "How do I mount EFS?"
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import Report, log

HEAVY = ("torch", "sentence_transformers", "transformers", "textual", "scipy", "sklearn")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--runs", type=int, default=7, help="timed runs of each command (>= 5)")
    p.add_argument("--question", default="Which load balancer is preferred for ECS?")
    p.add_argument("--notes", type=Path, default=None, help="notes folder (default: bundled)")
    p.add_argument("--top", type=int, default=10, help="imports listed from -X importtime")
    p.add_argument("--keep", action="store_true", help="keep the temp ASSISTANT_HOME (printed)")
    return p.parse_args()


def assistant_exe() -> str:
    exe = Path(sys.executable).parent / "assistant"
    if exe.exists():
        return str(exe)
    found = shutil.which("assistant")
    if not found:
        raise SystemExit("`assistant` not found next to this python or on PATH")
    return found


def run(cmd: list[str], env: dict[str, str], ok=(0,)) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    cp = subprocess.run(cmd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if cp.returncode not in ok:
        raise SystemExit(
            f"{' '.join(cmd)} exited {cp.returncode}\nstdout:\n{cp.stdout}\nstderr:\n{cp.stderr}"
        )
    return dt, cp


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)")


def parse_importtime(stderr: str) -> list[tuple[str, int, int, int]]:
    """(module, self_us, cumulative_us, depth) for each `-X importtime` line."""
    out = []
    for line in stderr.splitlines():
        m = _IMPORT_LINE.match(line)
        if m:
            depth = (len(m.group(3)) - 1) // 2
            out.append((m.group(4), int(m.group(1)), int(m.group(2)), depth))
    return out


def main() -> int:
    args = parse_args()
    runs = max(5, args.runs)
    home = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    env = {**os.environ, "ASSISTANT_HOME": str(home), "HF_HUB_OFFLINE": "1", "NO_COLOR": "1"}
    env.pop("ASSISTANT_CONFIG", None)
    # As after a normal install, Python may cache bytecode: the untimed first run writes it for
    # the project's own modules (pip compiles site-packages at install time). Without it every
    # run recompiles ~25 modules from source (~75 ms here).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    exe = assistant_exe()
    py = sys.executable
    notes = ["--notes", str(args.notes)] if args.notes else []
    common.print_machine()

    log("building the index (assistant index) ...")
    t_index, cp = run([exe, "index", *notes], env)
    log(f"index built in {t_index:.1f}s")
    ask_cmd = [exe, "ask", *notes, args.question]
    st_cmd = [py, "-c", "import sentence_transformers"]
    pass_cmd = [py, "-c", "pass"]

    # one untimed run of each: pyc files, page cache, and the first-ask notices
    _, first = run(ask_cmd, env, ok=(0, 1))
    run(st_cmd, env)
    times: dict[str, list[float]] = {"ask": [], "import_st": [], "python": []}
    for i in range(runs):
        log(f"run {i + 1}/{runs}")
        order = [("ask", ask_cmd), ("import_st", st_cmd), ("python", pass_cmd)]
        if i % 2:
            order.reverse()
        for name, cmd in order:
            dt, cp = run(cmd, env, ok=(0, 1))
            times[name].append(dt)
    _, js = run([exe, "ask", *notes, "--json", args.question], env, ok=(0, 1))
    try:
        answer = json.loads(js.stdout)
    except ValueError:
        answer = {}

    med = common.median
    ask, st, floor = med(times["ask"]), med(times["import_st"]), med(times["python"])
    rep = Report(f"bench_cold_ask: {args.question!r} ({runs} runs each, medians)")
    rep.add("index build (assistant index, bundled notes), s", t_index, "{:.1f}")
    rep.add("cold `assistant ask` wall, s", ask, "{:.3f}", "<= 0.6 s", ask <= 0.6)
    rep.add("  min / max, s", f"{min(times['ask']):.3f} / {max(times['ask']):.3f}")
    rep.add("`python -c 'import sentence_transformers'`, s", st, "{:.3f}")
    rep.add("  min / max, s", f"{min(times['import_st']):.3f} / {max(times['import_st']):.3f}")
    rep.add("ratio ask / import-ST", ask / st, "{:.3f}", "<= 0.15", ask / st <= 0.15)
    rep.add(
        "  per run",
        " ".join(f"{a / s:.2f}" for a, s in zip(times["ask"], times["import_st"], strict=True)),
    )
    rep.add("`python -c pass` (interpreter floor), s", floor, "{:.3f}")
    timings = answer.get("timings") or {}
    if timings:
        rep.add(
            "in-process answer (Answer.timings total_ms), ms",
            float(timings.get("total_ms", 0)),
            "{:.1f}",
        )
        rep.add(
            "  embed / retrieve / compose, ms",
            " / ".join(
                f"{float(timings.get(k, 0)):.1f}" for k in ("embed_ms", "retrieve_ms", "compose_ms")
            ),
        )
        rep.add(
            "start-up outside the answer (wall - total), s",
            ask - float(timings.get("total_ms", 0)) / 1000,
            "{:.3f}",
        )
    rep.add("ask exit code / abstained", f"{first.returncode} / {answer.get('abstained')}")
    notices = answer.get("notices") or []
    if notices:
        rep.add("notices", "; ".join(notices))

    # ------------------------------------------------------------------ importtime
    _, cp = run([py, "-X", "importtime", exe, "ask", *notes, args.question], env, ok=(0, 1))
    imports = parse_importtime(cp.stderr)
    total_us = sum(s for _, s, _, _ in imports)
    loaded = {m.split(".")[0] for m, *_ in imports}
    heavy = [h for h in HEAVY if h in loaded]
    rep.add("imports on the ask path (sum of self), s", total_us / 1e6, "{:.3f}")
    rep.add(
        "heavy modules imported by ask", ", ".join(heavy) or "none", target="none", ok=not heavy
    )
    rep.print()

    print(f"\n-X importtime, top {args.top} by cumulative time (nesting depth shown by indent):")
    for mod, s, c, d in sorted(imports, key=lambda r: -r[2])[: args.top]:
        print(f"  {c / 1000:8.1f} ms cum  {s / 1000:7.1f} ms self  {'  ' * d}{mod}")
    print(f"\n-X importtime, top {args.top} top-level imports (depth 0) by cumulative time:")
    for mod, _, c, _ in sorted((r for r in imports if r[3] == 0), key=lambda r: -r[2])[: args.top]:
        print(f"  {c / 1000:8.1f} ms  {mod}")
    print(f"\n-X importtime, top {args.top} by self time:")
    for mod, s, _, _ in sorted(imports, key=lambda r: -r[1])[: args.top]:
        print(f"  {s / 1000:8.1f} ms  {mod}")

    out = rep.save("bench_cold_ask", {"runs_s": times, "importtime": imports[:2000]})
    print(f"(json: {out.relative_to(common.REPO)})")
    if args.keep:
        print(f"kept ASSISTANT_HOME={home}")
    else:
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
