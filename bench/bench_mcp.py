"""`assistant mcp` under load, and how soon it answers.

1. Spawn to first `search` result over stdio on the bundled notes (index built and fresh,
   query model exported), median of --spawns runs. Target <= 1 s.
2. Load: one `assistant mcp --http` server on the bundled notes, --clients concurrent SDK
   clients making --calls calls in all (search, ask, read, status in turn): errors, p50/p95 per
   tool as the client sees it, and the server's peak RSS.
3. Warm `search` p50 server-side on the AWS docs (the tools' logic in this process, the
   per-call freshness check, a scan of the folder, included), and the engine's search alone
   for comparison. Target <= 50 ms.

    python bench/bench_mcp.py
    python bench/bench_mcp.py --clients 8 --calls 400 --corpus ../shared/corpora/aws-container-docs
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

EXE = str(Path(sys.executable).with_name("assistant"))
QUESTIONS = [
    "Which load balancer is preferred for ECS?",
    "Can EFS be mounted with both launch types?",
    "How does ECS scale EC2 instances?",
    "What is App Runner?",
]


def spawn_to_first_search(args: list[str], env: dict[str, str]) -> tuple[float, float | None]:
    """(wall seconds from spawn to the first search result, CPU seconds the server process
    used by then). The CPU figure is what other load on a shared machine cannot inflate."""
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    async def once() -> tuple[float, float | None]:
        before = _children()
        t0 = time.perf_counter()
        params = StdioServerParameters(command=EXE, args=["mcp", *args], env=env)
        async with Client(params) as c:
            r = await c.call_tool("search", {"query": "load balancer", "k": 3})
            wall = time.perf_counter() - t0
            assert not r.is_error, r.content
            new = _children() - before
            cpu = _cpu_seconds(new.pop()) if len(new) == 1 else None
            return wall, cpu

    return asyncio.run(once())


def _children() -> set[int]:
    """This process's child pids (Linux /proc; empty elsewhere)."""
    out: set[int] = set()
    for f in Path("/proc/self/task").glob("*/children"):
        with contextlib.suppress(OSError):
            out |= {int(p) for p in f.read_text().split()}
    return out


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a running process, from /proc/PID/stat."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(args: list[str], env: dict[str, str], clients: int, calls: int) -> dict:
    from mcp import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [EXE, "mcp", "--http", "--port", str(port), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        lat: dict[str, list[float]] = {"search": [], "ask": [], "read": [], "status": []}
        errors: list[str] = []

        async def client(n: int, share: int) -> None:
            async with Client(url) as c:
                for i in range(share):
                    q = QUESTIONS[(n + i) % len(QUESTIONS)]
                    tool, targs = [
                        ("search", {"query": q, "k": 5}),
                        ("ask", {"question": q}),
                        ("read", {"path": "aws-containers.md", "start_line": 1, "end_line": 40}),
                        ("status", {}),
                    ][i % 4]
                    t0 = time.perf_counter()
                    r = await c.call_tool(tool, targs)
                    lat[tool].append((time.perf_counter() - t0) * 1000)
                    if r.is_error:
                        errors.append(f"{tool}: {r.content[0].text}")

        async def all_clients() -> None:
            share = calls // clients
            await asyncio.gather(*(client(n, share) for n in range(clients)))

        t0 = time.perf_counter()
        asyncio.run(all_clients())
        wall = time.perf_counter() - t0
        rss = _peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"lat": lat, "errors": errors, "wall": wall, "rss_mb": rss}


def _peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def warm_search(corpus: Path, home: Path) -> dict[str, float]:
    from assistant import mcp_server
    from assistant.engine import Engine
    from assistant.settings import load_settings

    os.environ["ASSISTANT_HOME"] = str(home)
    index = common.OUT / "realnotes" / f"{corpus.name}-mcp"
    engine = Engine(load_settings(notes=corpus, index=index))
    if engine.stale_reason() is not None:
        common.log(f"indexing {corpus} for the warm-search figure (once) ...")
        engine.refresh(progress=common.progress_logger())
    server = mcp_server.NotesServer(engine)
    queries = common.questions(40)
    server.search(queries[0])  # warm-up: model, FAISS
    out: dict[str, float] = {}
    for label, search in (
        ("with the per-call check", server.search),
        ("engine alone, no check", engine.search),
    ):
        lat = []
        for q in queries:
            t0 = time.perf_counter()
            search(q)
            lat.append((time.perf_counter() - t0) * 1000)
        out[label] = statistics.median(lat)
    server.close()
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--spawns", type=int, default=5)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--calls", type=int, default=300)
    p.add_argument("--corpus", type=Path, default=common.DEFAULT_CORPUS)
    args = p.parse_args()
    common.print_machine()
    tmp = Path(tempfile.mkdtemp(prefix="bench-mcp-"))
    notes = tmp / "notes"
    notes.mkdir()
    for f in (common.REPO / "corpus" / "notes").glob("*.md"):
        shutil.copy(f, notes)
    env = {**os.environ, "ASSISTANT_HOME": str(tmp / "home"), "HF_HUB_OFFLINE": "1"}
    cli_args = ["--notes", str(notes), "--index", str(tmp / "index")]
    subprocess.run([EXE, "index", *cli_args], env=env, check=True, capture_output=True)

    r = common.Report("assistant mcp")
    runs = [spawn_to_first_search(cli_args, env) for _ in range(args.spawns)]
    spawns = [wall for wall, _ in runs]
    r.add(
        f"spawn to first search, bundled notes, median of {args.spawns}",
        f"{statistics.median(spawns):.2f} s (runs: {', '.join(f'{s:.2f}' for s in spawns)})",
        target="<= 1 s",
        ok=statistics.median(spawns) <= 1.0,
    )
    cpu = [c for _, c in runs if c is not None]
    if cpu:
        r.add(
            "  server CPU time by then (user + sys), median",
            f"{statistics.median(cpu):.2f} s (runs: {', '.join(f'{c:.2f}' for c in cpu)})",
        )
    got = load(cli_args, env, args.clients, args.calls)
    n = sum(len(v) for v in got["lat"].values())
    r.add(
        f"load: {args.clients} HTTP clients, {n} calls",
        f"{len(got['errors'])} errors, {n / got['wall']:.0f} calls/s",
    )
    for tool, lat in got["lat"].items():
        if lat:
            r.add(f"  {tool} p50 / p95 (client-side)", f"{common.pct(lat, 50):.1f} / "
                  f"{common.pct(lat, 95):.1f} ms")  # fmt: skip
    r.add("  server peak RSS", f"{got['rss_mb']:.0f} MiB" if got["rss_mb"] else "n/a")
    if args.corpus.exists():
        warm = warm_search(args.corpus, tmp / "home")
        for label, ms in warm.items():
            r.add(
                f"warm search p50 server-side, {args.corpus.name}, {label}",
                f"{ms:.1f} ms",
                target="<= 50 ms",
                ok=ms <= 50,
            )
    r.print()
    for e in got["errors"][:5]:
        print("error:", e)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
