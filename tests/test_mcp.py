"""`assistant mcp` with the official SDK's client, against the real server in another process
(integration: the real model, SQLite and FAISS; the notes are indexed beforehand with
`assistant index`, so the server answers through `ask`'s query path)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.output import cite_label
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
    (notes / "log.md").write_text("# Log\n" + "".join(f"- entry {i}\n" for i in range(2, 521)))
    (notes / "blob.md").write_bytes(b"\x00\x01\x02binary\x00" * 50)
    outside = root / "secret.md"
    outside.write_text("# Secret\n\nnot a note\n")
    (notes / "escape.md").symlink_to(outside)
    (notes / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
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


class Session:
    """A synchronous face on one SDK `ClientSession` whose event loop runs in a portal thread:
    the module's tests share one server process."""

    def __init__(self, portal: Any, session: Any) -> None:
        self.portal, self.session = portal, session

    def call(self, name: str, **args: Any) -> Any:
        return self.portal.call(lambda: self.session.call_tool(name, args))


@pytest.fixture(scope="module")
def session(folder: dict[str, Any]) -> Iterator[Session]:
    from anyio.from_thread import start_blocking_portal
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=EXE, args=["mcp", *folder["args"]], env=folder["env"])
    errlog = (folder["root"] / "server-stderr.txt").open("w")
    with errlog, start_blocking_portal() as portal, contextlib.ExitStack() as stack:
        streams = stack.enter_context(
            portal.wrap_async_context_manager(stdio_client(params, errlog=errlog))
        )
        s = stack.enter_context(
            portal.wrap_async_context_manager(ClientSession(*streams, read_timeout_seconds=120))
        )
        portal.call(s.initialize)
        yield Session(portal, s)


def run(coro):
    return asyncio.run(coro)


def cli_json(folder: dict[str, Any], *args: str) -> Any:
    r = subprocess.run(
        [EXE, *args, "--json", *folder["args"]],
        capture_output=True,
        text=True,
        env=folder["env"],
        timeout=300,
    )
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def file_lines(path: Path, start: int, end: int) -> str:
    return "\n".join(split_lines(read_note(path).text)[start - 1 : end])


def test_lists_four_read_only_tools_with_schemas(session: Session) -> None:
    tools = {t.name: t for t in session.portal.call(session.session.list_tools).tools}
    assert set(tools) == {"search", "ask", "read", "status"}
    for tool in tools.values():
        assert tool.description and len(tool.description) > 40
        assert tool.input_schema["type"] == "object"
        assert tool.output_schema is not None  # structured output, with its schema
        assert tool.annotations.read_only_hint is True
        assert "\n    " not in tool.description  # the docstring's source indentation left out
    assert "citations" in tools["ask"].output_schema["properties"]
    k = tools["search"].input_schema["properties"]["k"]
    assert (k["minimum"], k["maximum"]) == (1, 50)  # the bounds in the schema, for a model


@pytest.mark.parametrize(
    "question, abstains",
    [
        (QUESTION, False),
        ("How should I knead the dough?", False),
        ("How do I configure a DynamoDB global table?", True),
    ],
)
def test_ask_is_the_answer_of_ask_json(
    session: Session, folder: dict[str, Any], question: str, abstains: bool
) -> None:
    res = session.call("ask", question=question)
    assert not res.is_error, res.content
    got = dict(res.structured_content)
    expected = cli_json(folder, "ask", question)
    for answer in (got, expected):
        answer.pop("timings")  # the only field that differs between two runs
    assert got == expected
    text = res.content[0].text  # the readable rendering carries the citations
    for c in expected["citations"]:
        label = cite_label(c["path"], c["start_line"], c["end_line"], c["heading_path"])
        assert f"[{c['n']}] {label}" in text
        assert c["quote"].splitlines()[-1] in text
    assert expected["abstained"] is abstains
    assert bool(expected["citations"]) is not abstains


def test_search_ranks_the_sections_search_json_lists(
    session: Session, folder: dict[str, Any]
) -> None:
    res = session.call("search", query="data volumes for EKS", k=3)
    assert not res.is_error, res.content
    hits = res.structured_content["hits"]
    assert hits == cli_json(folder, "search", "-k", "3", "data volumes for EKS")  # same records
    assert hits[0]["heading_path"][-1] == "Amazon EKS – Data Volumes"
    for h in hits:
        assert h["text"] == file_lines(folder["notes"] / h["path"], h["start_line"], h["end_line"])
        assert h["text"] in res.content[0].text  # whole sections in the text rendering too
    only = session.call("search", query="dough", paths=["kitchen*"]).structured_content
    assert {h["path"] for h in only["hits"]} == {"kitchen.md"}


def test_read_returns_the_notes_lines(session: Session, folder: dict[str, Any]) -> None:
    res = session.call("read", path="aws-containers.md", start_line=27, end_line=30)
    assert not res.is_error, res.content
    span = res.structured_content
    note = folder["notes"] / "aws-containers.md"
    assert span["text"] == file_lines(note, 27, 30)
    assert span["text"] == "\n".join(note.read_text(encoding="utf-8").splitlines()[26:30])
    total = len(split_lines(read_note(note).text))
    assert (span["start_line"], span["end_line"], span["total_lines"]) == (27, 30, total)
    whole = session.call("read", path="kitchen.md").structured_content
    assert whole["text"] == "# Bread\n\nKnead the dough for ten minutes."
    assert whole["truncated"] is False
    # "the first 99 lines" of a 3-line note: all of it, said (an agent asked for 500 and was
    # refused: a round trip for nothing)
    more = session.call("read", path="kitchen.md", start_line=1, end_line=99)
    assert not more.is_error and more.structured_content["text"] == whole["text"]
    assert more.structured_content["end_line"] == 3
    assert "read to its end, not to end_line 99" in more.content[0].text
    # a span cut short says so, and where to read on, in the text an agent reads too
    log = session.call("read", path="log.md")
    assert log.structured_content["truncated"] and log.structured_content["end_line"] == 500
    assert log.content[0].text.endswith("[cut short at line 500: read on from start_line 501]")
    # A citation as `ask` and `search` give it, passed on as the path.
    cited = session.call("read", path="aws-containers.md:27-30").structured_content
    assert (cited["path"], cited["text"]) == ("aws-containers.md", span["text"])
    one = session.call("read", path="./kitchen.md:3").structured_content
    assert (one["start_line"], one["end_line"], one["text"]) == (3, 3, whole["text"][-32:])
    # And "./" leads a --path glob as it does a path.
    found = session.call("search", query="knead the dough", paths=["./kitch*"]).structured_content
    assert found["hits"] and {h["path"] for h in found["hits"]} == {"kitchen.md"}


def test_status_describes_the_index(session: Session, folder: dict[str, Any]) -> None:
    status = session.call("status").structured_content
    assert status["notes"] == str(folder["notes"].resolve())
    assert status["files"] == 3 and status["sections"] > 10  # the binary file is skipped
    assert status["last_refresh"] and status["building"] is None
    assert status["model"] and status["precision"] in ("fp32", "bf16")


@pytest.mark.parametrize(
    "tool, args, reason",
    [
        ("read", {"path": "../secret.md"}, "'../secret.md': leads outside the notes folder"),
        ("read", {"path": "kitchen/../../secret.md"}, "leads outside the notes folder"),
        ("read", {"path": "x/" * 3000 + "../" * 3001}, "…': leads outside"),  # not echoed whole
        ("read", {"path": "/etc/passwd"}, "relative to the notes folder"),
        ("read", {"path": str(BUNDLED_NOTES / "aws-containers.md")}, "relative to the notes"),
        ("read", {"path": "escape.md"}, "escape.md: leads outside the notes folder"),
        ("read", {"path": "blob.md"}, "blob.md: skipped when indexed (binary"),
        ("read", {"path": "picture.png"}, "not a note in the index"),
        ("read", {"path": "kitchen.md", "start_line": 40}, "past the end"),
        ("read", {"path": "kitchen.md", "start_line": 0}, "start_line must be at least 1"),
        ("read", {"path": "kitchen.md", "start_line": 3, "end_line": 2}, "before start_line"),
        ("search", {"query": "   "}, "query is empty"),
        ("search", {"query": "bread", "k": 100000}, "k must be between 1 and 50"),
        ("search", {"query": "bread", "k": "many"}, "argument k"),
        (
            "search",
            {"query": "bread", "k": True},
            "argument k: Input should be a valid integer, not true",
        ),
        ("ask", {"question": "bread", "k": False}, "argument k"),
        ("read", {"path": "kitchen.md", "start_line": True}, "argument start_line"),
        ("ask", {"question": ""}, "question is empty"),
        ("ask", {"question": "who is it?"}, "question names nothing to search for"),
        ("read", {"path": "kitchen.md:1-2", "start_line": 2}, "give the lines once"),
        ("read", {"path": "k" * 5000 + ".md:1-2", "start_line": 2}, "…': give the lines once"),
        ("read", {"path": "k" * 5000 + ".md:1-2"}, "…: no such note in"),
        ("read", {"path": "k" * 5000 + ".md"}, "…: no such note in"),
        ("ask", {"question": "bread", "k": 0}, "k must be between 1 and 10"),
        ("ask", {}, "argument question"),
        ("search", {"query": "bread", "top_k": 3}, "unknown argument 'top_k' for search"),
        ("status", {"verbose": True}, "unknown argument 'verbose' for status (it takes: none)"),
    ],
)
def test_bad_input_is_a_tool_error_and_the_session_goes_on(
    session: Session, tool: str, args: dict[str, Any], reason: str
) -> None:
    bad = session.call(tool, **args)
    assert bad.is_error
    text = bad.content[0].text
    assert reason in text and "\n" not in text.strip() and "Traceback" not in text
    assert "not a note" in text or "Secret" not in text  # nothing of the file outside leaks
    good = session.call("search", query="knead the dough", k=1)
    assert not good.is_error
    assert good.structured_content["hits"][0]["path"] == "kitchen.md"


def test_concurrent_calls_on_one_session(session: Session) -> None:
    calls = [
        ("search", {"query": "fargate", "k": 3}),
        ("ask", {"question": "What is App Runner for?"}),
        ("read", {"path": "aws-containers.md", "start_line": 1, "end_line": 5}),
        ("status", {}),
    ]

    async def all_at_once() -> list[Any]:
        import anyio

        out: list[Any] = []

        async def one(name: str, args: dict[str, Any]) -> None:
            out.append(await session.session.call_tool(name, args))

        async with anyio.create_task_group() as tg:
            for name, args in calls * 3:
                tg.start_soon(one, name, args)
        return out

    results = session.portal.call(all_at_once)
    assert len(results) == 12 and not any(r.is_error for r in results)


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
    # The instructions tell a model what "not covered" means, and when not to trust it yet.
    instructions = next(r for r in replies if r.get("id") == 1)["result"]["instructions"]
    assert "abstained=true" in instructions and "being built or refreshed" in instructions
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


def test_search_text_rendering_carries_notices_and_whole_sections() -> None:
    from assistant.mcp_server import SearchResult
    from assistant.mcp_tools import render_hits
    from assistant.models import SectionHit

    hit = SectionHit(
        rank=1, path="a.md", absolute_path="/n/a.md", start_line=1, end_line=3,
        heading_path=["A"], score=0.5, text="# A\nfirst line\nlast line",
    )  # fmt: skip
    text = render_hits(SearchResult(query="q", hits=[hit], notices=["index refreshing"]))
    assert text.splitlines()[0] == "notice: index refreshing"
    assert "[1] a.md:1-3 › A" in text and "# A\nfirst line\nlast line" in text
    none = render_hits(SearchResult(query="q", hits=[], notices=[]))
    assert none == "No matching sections."
