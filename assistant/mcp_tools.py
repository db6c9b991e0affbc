"""The MCP layer of `assistant mcp`: the four tools registered on the SDK's MCPServer, and the
transports. Imported only by the `mcp` command (it loads the SDK); the tools' logic is
`assistant.mcp_server.NotesServer`.

No `from __future__ import annotations` here: the SDK reads the tools' annotations at run time
to publish their input and output schemas.
"""

import functools
import inspect
import logging
import os
import re
import sys
import warnings
from typing import Annotated, Any

import mcp_types as types
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import BaseModel, BeforeValidator, Field

from assistant import __version__
from assistant.errors import EngineError, UsageError
from assistant.mcp_server import (
    MAX_ASK_K,
    MAX_SEARCH_K,
    NoteLines,
    NotesServer,
    SearchResult,
    Status,
)
from assistant.models import Answer
from assistant.output import format_answer, rank_text, safe, span_label
from assistant.settings import not_a_bool

INSTRUCTIONS = """\
Search and quote the user's own Markdown notes. Every quote is a verbatim run of whole lines of
a note, cited as path:start-end with its heading path; `read` returns the exact lines behind a
citation. When the notes do not cover a question, `ask` says so (abstained=true) instead of
guessing: tell the user their notes do not cover it rather than inventing an answer. A notice
that the index is being built or refreshed means the latest edits may not be searched yet:
say so, or call again shortly, before telling the user a note does not exist."""


NOT_BOOL = BeforeValidator(not_a_bool)
"""A number argument given as true or false is refused, as the config file's `k = true` is."""


def build_server(notes: NotesServer) -> Any:
    """The MCPServer with the four tools registered."""
    server = MCPServer(
        "notes-assistant", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )
    server.middleware.append(one_line_errors)
    tools: dict[str, list[str]] = {}  # each tool's argument names, for `known_arguments`
    server.middleware.append(functools.partial(known_arguments, tools))
    read_only = types.ToolAnnotations(readOnlyHint=True, openWorldHint=False)

    def call(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except (UsageError, EngineError) as e:
            raise ToolError(str(e)) from e

    def tool(fn: Any) -> Any:
        """Registered read-only, described by its docstring without the source's indentation
        (the SDK passes a docstring on as it is)."""
        return server.tool(annotations=read_only, description=inspect.cleandoc(fn.__doc__))(fn)

    def result(text: str, model: BaseModel) -> types.CallToolResult:
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)],
            structured_content=model.model_dump(mode="json"),
        )

    @tool
    def search(
        query: Annotated[str, Field(description="What to look for, in words.")],
        k: Annotated[
            int,
            NOT_BOOL,
            Field(
                description=f"Sections to return (1-{MAX_SEARCH_K}; fewer when fewer match).",
                json_schema_extra={"minimum": 1, "maximum": MAX_SEARCH_K},
            ),
        ] = 10,
        paths: Annotated[
            list[str],
            Field(description="Only notes whose relative path matches one of these globs."),
        ] = [],  # noqa: B006 - the SDK reads the default for the schema; never mutated
    ) -> Annotated[types.CallToolResult, SearchResult]:
        """Rank the sections of the user's notes that best match `query` (hybrid BM25 + dense
        retrieval). Each hit has its note path, line span, heading path, score and full text.
        Use it to explore; use `ask` for an answer quoted line by line."""
        found = call(notes.search, query, k, paths)
        return result(render_hits(found), found)

    @tool
    def ask(
        question: Annotated[str, Field(description="The question, in natural language.")],
        k: Annotated[
            int | None,
            NOT_BOOL,
            Field(
                description=f"Most sections to quote (1-{MAX_ASK_K}; default: the user's "
                "setting, 3 unless configured).",
                json_schema_extra={"minimum": 1, "maximum": MAX_ASK_K},
            ),
        ] = None,
        paths: Annotated[
            list[str],
            Field(description="Only notes whose relative path matches one of these globs."),
        ] = [],  # noqa: B006 - the SDK reads the default for the schema; never mutated
    ) -> Annotated[types.CallToolResult, Answer]:
        """Answer a question from the user's notes by quoting them verbatim. Returns exactly
        what `assistant ask --json` prints: `outcome` (answered; partly_covered: the quotes
        answer part of it and `missing_terms` names what the notes lack; not_covered: nothing
        to quote, `closest` lists the nearest sections, which are not answers), `confidence`
        (high, medium, low), citations (path, absolute_path, line span, heading path, quote,
        score, changed_since_indexed, excerpt), the reason and timings. Cite the quotes; never
        present a not_covered answer as the notes' content."""
        answer = call(notes.ask, question, k, paths)
        notices = [f"notice: {n}" for n in answer.notices]
        return result("\n".join([*notices, format_answer(answer, False)]), answer)

    @tool
    def read(
        path: Annotated[
            str,
            Field(
                description="Note path relative to the notes folder (or its absolute_path), "
                'or a citation as given ("path:start-end", or the whole "[1] path:start-end '
                '› Heading" label).'
            ),
        ],
        start_line: Annotated[
            int,
            NOT_BOOL,
            Field(description="First line (1-based).", json_schema_extra={"minimum": 1}),
        ] = 1,
        end_line: Annotated[
            int | None,
            NOT_BOOL,
            Field(description="Last line, inclusive (default, or past the end: the note's end)."),
        ] = None,
    ) -> Annotated[types.CallToolResult, NoteLines]:
        """Exact lines of one note, as they are on disk now, to follow a citation or read
        around it. Only notes the index knows, inside the notes folder; at most 500 lines
        and 100,000 characters per call (`truncated` says when the span was cut)."""
        lines = call(notes.read, path, start_line, end_line)
        head = f"{lines.path}:{lines.start_line}-{lines.end_line} of {lines.total_lines}"
        notices = [f"notice: {n}\n" for n in lines.notices]
        more = (
            f"\n[cut short at line {lines.end_line}: read on from start_line {lines.end_line + 1}]"
            if lines.truncated
            else ""
        )
        return result("".join([*notices, f"{head}\n{lines.text}{more}"]), lines)

    @tool
    def status() -> Annotated[types.CallToolResult, Status]:
        """The notes folder served, its index (files, sections, last refresh), the model and
        the precision, and any index build running now."""
        s = call(notes.status)
        text = "\n".join(f"{k}: {v}" for k, v in s.model_dump().items() if v is not None)
        return result(text, s)

    for fn in (search, ask, read, status):
        tools[fn.__name__] = list(inspect.signature(fn).parameters)
    return server


def render_hits(found: SearchResult) -> str:
    """Each hit's citation line and its whole text: many clients hand the model only the text
    rendering, so it must carry what the structured hits carry."""
    out = [f"notice: {n}" for n in found.notices]
    for h in found.hits:
        label = span_label(h)
        ranks = rank_text(h.lexical_rank, h.dense_rank, h.path_rank)
        out += [f"[{h.rank}] {safe(label)}  score {h.score:.4f} ({ranks})", safe(h.text), ""]
    return "\n".join(out).rstrip() if found.hits else "\n".join([*out, "No matching sections."])


_PYDANTIC = re.compile(r"validation errors? for \w+\n(\S+)\n\s+([^\[\n]+)")


async def one_line_errors(ctx: Any, call_next: Any) -> Any:
    """Server middleware: a tool error is one line. The SDK reports a wrongly typed argument
    with pydantic's multi-line message; this keeps the argument's name and the reason.
    (Results reach middleware in their wire form, a dict.)"""
    result = await call_next(ctx)
    if isinstance(result, dict) and result.get("isError"):
        for block in result.get("content") or []:
            text = block.get("text") if isinstance(block, dict) else None
            if isinstance(text, str) and "\n" in text.strip():
                m = _PYDANTIC.search(text)
                head = text.split(":", 1)[0]
                reason = f"argument {m.group(1)}: {m.group(2).strip()}" if m else None
                block["text"] = f"{head}: {reason}" if reason else " ".join(text.split())
    return result


async def known_arguments(tools: dict[str, list[str]], ctx: Any, call_next: Any) -> Any:
    """Server middleware: a tool call with an argument the tool does not take is a tool error
    naming it. The SDK drops unknown arguments, so `top_k=3` (for `k`) was answered with the
    default without a word, and the agent never learnt its mistake."""
    params = ctx.params if ctx.method == "tools/call" and isinstance(ctx.params, dict) else {}
    takes = tools.get(params.get("name"))  # type: ignore[arg-type]
    arguments = params.get("arguments")
    if takes is not None and isinstance(arguments, dict):
        unknown = sorted(a for a in arguments if a not in takes)
        if unknown:
            which = ", ".join(repr(a) for a in unknown)
            noun = "argument" if len(unknown) == 1 else "arguments"
            listed = ", ".join(takes) if takes else "none"
            text = f"unknown {noun} {which} for {params['name']} (it takes: {listed})"
            return {"content": [{"type": "text", "text": text}], "isError": True}
    return await call_next(ctx)


LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def serve(notes: NotesServer, http: bool = False, port: int = 8765) -> None:
    """Serve until the client disconnects (stdio) or Ctrl+C (HTTP). Stdout carries the protocol
    only: the SDK points file descriptor 1 at stderr while it serves stdio, and everything
    this process says (warnings, progress, notices) goes to stderr."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    warnings.simplefilter("default")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    server = build_server(notes)
    try:
        if not http:
            server.run()
            return
        _check_port(port)
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=[f"{h}:{port}" for h in LOCAL_HOSTS],
            allowed_origins=[f"http://{h}:{port}" for h in LOCAL_HOSTS],
        )
        server.run("streamable-http", host="127.0.0.1", port=port, transport_security=security)
    finally:
        notes.close()


def _check_port(port: int) -> None:
    """A port in use is the user's to fix: one line and exit 2, not the server's log."""
    import socket

    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            raise UsageError(f"--port {port}: {e.strerror or e}") from None
