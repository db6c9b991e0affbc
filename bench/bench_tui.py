"""TUI start as a person sees it (issue 6 target 4): window drawn <= 0.5 s, first answer <= 2 s.

Builds the bundled notes' index in a temporary ASSISTANT_HOME (`assistant index`, which also
exports the ONNX query model), then, `--runs` times, starts the real `assistant` console script
in a pseudo-terminal (100x30, xterm-256color) and reads what it draws:
  * window: from launch until the input's placeholder text is on the screen;
  * first answer: the question is typed as soon as the window is there (the app queues it
    until the index is checked) and Enter pressed; from launch until the answer's quoted text
    is on the screen. Also reported from Enter.
Then Ctrl+Q. Medians over runs; `python -c "import textual.app"` is timed in the same loop as a
reference for what the framework alone costs.

    python bench/bench_tui.py             # 5 runs
    python bench/bench_tui.py --runs 9
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common
from common import Report, log

WINDOW_TEXT = b"about your notes"  # the input's placeholder (its first cell holds the cursor)
QUESTION = "Which load balancer is preferred for ECS?"
ANSWER_TEXT = b"ALB - Preferred"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--timeout", type=float, default=120.0, help="per run, seconds")
    return p.parse_args()


def assistant_exe() -> str:
    exe = Path(sys.executable).parent / "assistant"
    return str(exe) if exe.exists() else (shutil.which("assistant") or "assistant")


_ESC = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def read_until(fd: int, buf: bytearray, needle: bytes, deadline: float) -> float | None:
    """Read the terminal output into `buf` until `needle` shows as text (escape sequences,
    which split styled runs, removed); the time it did, or None."""
    while needle not in _ESC.sub(b"", bytes(buf)):
        left = deadline - time.perf_counter()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return None
        if not chunk:
            return None
        buf += chunk
    return time.perf_counter()


def one_run(exe: str, env: dict[str, str], timeout: float) -> dict[str, float | None]:
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child: size the terminal, then become the app
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
        os.execve(exe, [exe], env)
    deadline = t0 + timeout
    buf = bytearray()
    out: dict[str, float | None] = {"window": None, "answer": None, "from_enter": None}
    try:
        t_win = read_until(fd, buf, WINDOW_TEXT, deadline)
        if t_win is None:
            return out
        out["window"] = t_win - t0
        os.write(fd, QUESTION.encode())
        time.sleep(0.05)  # let the input take the text before Enter
        t_enter = time.perf_counter()
        os.write(fd, b"\r")
        del buf[:]
        t_ans = read_until(fd, buf, ANSWER_TEXT, deadline)
        if t_ans is not None:
            out["answer"] = t_ans - t0
            out["from_enter"] = t_ans - t_enter
        os.write(fd, b"\x11")  # Ctrl+Q
        end = time.perf_counter() + 10
        while time.perf_counter() < end:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                pid = 0
                break
            with_data, _, _ = select.select([fd], [], [], 0.1)
            if with_data:
                with contextlib.suppress(OSError):
                    os.read(fd, 65536)
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return out


def main() -> int:
    args = parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-tui-"))
    env = {
        **os.environ,
        "ASSISTANT_HOME": str(home),
        "HF_HUB_OFFLINE": "1",
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "30",
    }
    env.pop("NO_COLOR", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as after a normal install (see bench_cold_ask)
    exe = assistant_exe()
    common.print_machine()
    log("building the index (assistant index) ...")
    subprocess.run([exe, "index"], env=env, check=True, capture_output=True)

    one_run(exe, env, args.timeout)  # untimed: bytecode, page cache
    runs = [one_run(exe, env, args.timeout) for _ in range(max(3, args.runs))]
    ref = []
    for _ in range(max(3, args.runs)):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import textual.app"], env=env, check=True)
        ref.append(time.perf_counter() - t)
    shutil.rmtree(home, ignore_errors=True)

    def med(key: str) -> float | None:
        xs = [r[key] for r in runs if r[key] is not None]
        return common.median(xs) if len(xs) == len(runs) else None

    rep = Report(f"bench_tui: `assistant` in a 100x30 pty, {len(runs)} runs, medians")
    for key, label, limit in (("window", "window drawn", 0.5), ("answer", "first answer", 2.0)):
        v = med(key)
        rep.add(
            f"{label} after launch, s",
            "not reached" if v is None else v,
            "{:.3f}",
            f"<= {limit:g} s",
            v is not None and v <= limit,
        )
        rep.add("  per run", " ".join(f"{r[key]:.2f}" if r[key] else "-" for r in runs))
    enter = med("from_enter")
    rep.add("  of which after Enter, s", "not reached" if enter is None else enter, "{:.3f}")
    rep.add("`python -c 'import textual.app'`, s", common.median(ref), "{:.3f}")
    rep.print()
    out = rep.save("bench_tui", {"runs": runs})
    print(f"(json: {out.relative_to(common.REPO)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
