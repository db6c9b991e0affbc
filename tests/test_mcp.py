"""`assistant mcp` with the official SDK's client, against the real server in another process
(integration: the real model, SQLite and FAISS; the notes are indexed beforehand with
`assistant index`, so the server answers through `ask`'s query path)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from corpus import BUNDLED_NOTES
from corpus.read import read_note, split_lines

pytestmark = pytest.mark.integration

EXE = str(Path(sys.executable).parent / "assistant")
QUESTION = "Which load balancer is preferred for ECS?"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Notes (the bundled file, a second note, a binary file, a symlink out) indexed once."""
    root = tmp_path_factory.mktemp("mcp")
    notes = root / "notes"
    notes.mkdir()
    shutil.copy(BUNDLED_NOTES / "aws-containers.md", notes)
    (notes / "kitchen.md").write_text("# Bread\n\nKnead the dough for ten minutes.\n")
    (notes / "blob.md").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    outside = root / "secret.md"
    outside.write_text("# Secret\n\nnot a note\n")
    (notes / "escape.md").symlink_to(outside)
    env = {
        **os.environ,
        "ASSISTANT_HOME": str(root / "home"),
        "HF_HUB_OFFLINE": "1",
        "NO_COLOR": "1",
    }
    for var in ("ASSISTANT_NOTES", "ASSISTANT_INDEX", "ASSISTANT_MODEL", "ASSISTANT_CONFIG"):
        env.pop(var, None)
    args = ["--notes", str(notes), "--index", str(root / "index")]
    r = subprocess.run([EXE, "index", *args], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    return {"root": root, "notes": notes, "args": args, "env": env}


def client(folder: dict[str, Any]):
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    params = StdioServerParameters(command=EXE, args=["mcp", *folder["args"]], env=folder["env"])
    return Client(params)


def run(coro):
    return asyncio.run(coro)


def test_every_tool_over_stdio_matches_the_cli(folder: dict[str, Any]) -> None:
    async def session() -> dict[str, Any]:
        async with client(folder) as c:
            tools = {t.name: t for t in (await c.list_tools()).tools}
            out: dict[str, Any] = {"tools": tools}
            for name, args in {
                "search": {"query": "load balancer", "k": 3},
                "ask": {"question": QUESTION},
                "read": {"path": "aws-containers.md", "start_line": 27, "end_line": 30},
                "status": {},
            }.items():
                out[name] = await c.call_tool(name, args)
            return out

    got = run(session())
    assert set(got["tools"]) == {"search", "ask", "read", "status"}
    for tool in got["tools"].values():
        assert tool.description and tool.input_schema["type"] == "object"
        assert tool.output_schema is not None  # structured output, with its schema
    for name in ("search", "ask", "read", "status"):
        assert not got[name].is_error, (name, got[name].content)

    cli = subprocess.run(
        [EXE, "ask", QUESTION, "--json", *folder["args"]],
        capture_output=True,
        text=True,
        env=folder["env"],
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(cli.stdout)
    answer = got["ask"].structured_content
    assert answer["citations"], answer
    keys = ("path", "start_line", "end_line", "heading_path", "quote", "score")
    assert [{k: c[k] for k in keys} for c in answer["citations"]] == [
        {k: c[k] for k in keys} for c in expected["citations"]
    ]
    assert answer["abstained"] is expected["abstained"] is False
    assert "ALB - Preferred" in got["ask"].content[0].text  # the readable rendering

    hits = got["search"].structured_content["hits"]
    assert hits[0]["heading_path"][-1] == "Load balancer integration"
    assert {"path", "start_line", "end_line", "heading_path", "score", "text"} <= set(hits[0])

    lines = split_lines(read_note(folder["notes"] / "aws-containers.md").text)
    read = got["read"].structured_content
    assert read["text"] == "\n".join(lines[26:30])
    assert (read["start_line"], read["end_line"], read["total_lines"]) == (27, 30, len(lines))

    status = got["status"].structured_content
    assert status["files"] == 2 and status["sections"] > 10  # the binary file is skipped
    assert status["model"] and status["precision"] in ("fp32", "bf16")


@pytest.mark.parametrize(
    "tool, args, reason",
    [
        ("read", {"path": "../secret.md"}, "relative to the notes folder"),
        ("read", {"path": "/etc/passwd"}, "relative to the notes folder"),
        ("read", {"path": "escape.md"}, "escape.md"),
        ("read", {"path": "blob.md"}, "not a note in the index"),
        ("read", {"path": "kitchen.md", "start_line": 40}, "past the end"),
        ("read", {"path": "kitchen.md", "start_line": 1, "end_line": 99}, "past the end"),
        ("search", {"query": "   "}, "query is empty"),
        ("search", {"query": "bread", "k": 100000}, "k must be between 1 and 50"),
        ("ask", {"question": ""}, "question is empty"),
        ("ask", {"question": "bread", "k": 0}, "k must be between 1 and 10"),
    ],
)
def test_bad_input_is_a_tool_error_and_the_session_goes_on(
    folder: dict[str, Any], tool: str, args: dict[str, Any], reason: str
) -> None:
    async def session():
        async with client(folder) as c:
            bad = await c.call_tool(tool, args)
            good = await c.call_tool("search", {"query": "knead the dough", "k": 1})
            return bad, good

    bad, good = run(session())
    assert bad.is_error
    text = bad.content[0].text
    assert reason in text and "\n" not in text.strip() and "Traceback" not in text
    assert not good.is_error
    assert good.structured_content["hits"][0]["path"] == "kitchen.md"


def test_stdout_carries_the_protocol_only(folder: dict[str, Any], tmp_path: Path) -> None:
    """A library that prints or warns during a call (fault injected through sitecustomize)
    writes to stderr: every stdout line is a JSON-RPC message."""
    (tmp_path / "sitecustomize.py").write_text(
        "import warnings\n"
        "import assistant.engine as e\n"
        "_search = e.Engine.search\n"
        "def noisy(self, *a, **k):\n"
        "    print('stray print from a library')\n"
        "    warnings.warn('a library warning', UserWarning, stacklevel=1)\n"
        "    return _search(self, *a, **k)\n"
        "e.Engine.search = noisy\n"
    )
    env = {**folder["env"], "PYTHONPATH": str(tmp_path)}
    proc = subprocess.Popen(
        [EXE, "mcp", *folder["args"]],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "0"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "search", "arguments": {"query": "load balancer", "k": 1}},
        },
    ]
    try:
        assert proc.stdin and proc.stdout
        for m in messages:
            proc.stdin.write(json.dumps(m) + "\n")
            proc.stdin.flush()
        replies = []
        while len([r for r in replies if "id" in r]) < 2:
            line = proc.stdout.readline()
            assert line, "server closed stdout"
            replies.append(json.loads(line))  # fails on anything that is not JSON
        proc.stdin.close()
        proc.wait(timeout=30)
        err = proc.stderr.read() if proc.stderr else ""
    finally:
        proc.kill()
    result = next(r for r in replies if r.get("id") == 2)["result"]
    assert not result.get("isError") and result["structuredContent"]["hits"]
    assert "stray print from a library" in err and "a library warning" in err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def outward_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if not loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
        except OSError:
            return None
        addr = s.getsockname()[0]
    return None if addr.startswith("127.") else addr


def test_http_on_loopback_serves_and_refuses_foreign_origins(folder: dict[str, Any]) -> None:
    from mcp import Client

    port = free_port()
    proc = subprocess.Popen(
        [EXE, "mcp", "--http", "--port", str(port), *folder["args"]],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=folder["env"],
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
                time.sleep(0.1)

        async def call():
            async with Client(url) as c:
                return await c.call_tool("ask", {"question": QUESTION})

        answer = run(call())
        assert not answer.is_error and answer.structured_content["citations"]
        other = outward_address()
        if other is not None:  # bound to loopback only: not reachable on another interface
            with pytest.raises(OSError):
                socket.create_connection((other, port), timeout=2).close()

        taken = subprocess.run(
            [EXE, "mcp", "--http", "--port", str(port), *folder["args"]],
            capture_output=True,
            text=True,
            env=folder["env"],
            timeout=60,
        )
        assert taken.returncode == 2 and f"--port {port}" in taken.stderr, taken.stderr
        assert "Traceback" not in taken.stderr

        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode()
        for headers, status in (
            ({"Origin": "http://evil.example"}, 403),
            ({"Host": f"evil.example:{port}"}, 421),
        ):
            req = urllib.request.Request(
                url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json, text/event-stream",
                    **headers,
                },
            )
            with pytest.raises(urllib.error.HTTPError) as e:
                urllib.request.urlopen(req, timeout=10)
            assert e.value.code == status, headers
    finally:
        proc.terminate()
        proc.wait(timeout=30)
