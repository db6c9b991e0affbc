"""Terminal presentation for the CLI: safe note text, optional colour, a progress line."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, TextIO

from assistant.errors import os_reason
from corpus import HEADING_SEP

if TYPE_CHECKING:  # type hints only: the TUI's start imports this module before the engine
    from assistant.models import Answer, Explain
    from index.models import Hit, IndexInfo, Skipped, SyncReport

# CSI / OSC / other escape sequences (the question cleaner drops them too), then any remaining
# C0/C1 control characters but tab.
ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """Note text made inert for a terminal: escape sequences and control characters removed."""
    return _CONTROLS.sub("", ESCAPES.sub("", text))


def cite_label(path: str, start: int, end: int, heading_path: Sequence[str]) -> str:
    """How a citation is written everywhere: "notes.md:28-30 › Intro › Load balancers". One
    line, whatever the file is called: a control character in its name (a newline, which
    POSIX allows) is written as its escape, "new\\nline.md:3"."""
    span = f"{start}" if start == end else f"{start}-{end}"
    head = HEADING_SEP.join(heading_path)
    return f"{_escaped(path)}:{span}" + (f" › {head}" if head else "")


class Spanned(Protocol):
    """Anything cited by its lines: a section (`Chunk`), a `Citation`, a search hit."""

    @property
    def path(self) -> str: ...
    @property
    def start_line(self) -> int: ...
    @property
    def end_line(self) -> int: ...
    @property
    def heading_path(self) -> Sequence[str]: ...


def span_label(x: Spanned) -> str:
    """`cite_label` of something cited by its lines."""
    return cite_label(x.path, x.start_line, x.end_line, x.heading_path)


_PATH_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _escaped(path: str) -> str:
    return _PATH_CONTROLS.sub(lambda m: repr(m.group())[1:-1], path)


def use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


def _style(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def format_answer(answer: Answer, color: bool) -> str:
    """The answer for a terminal: quoted lines, numbered citations, or an abstention."""
    lines: list[str] = []
    for line in safe(answer.text).split("\n"):
        if line.startswith("> "):
            lines.append(_style("> ", "2", color) + line[2:])
        elif re.match(r"^\[\d+\] ", line):
            lines.append(_style(line, "36", color))
        elif line.startswith("From your notes"):
            lines.append(_style(line, "1", color))
        else:
            lines.append(line)
    if answer.searched_query != answer.question:
        lines.insert(0, _style(f"(searched for: {safe(answer.searched_query)})", "2", color))
    for c in answer.citations:
        if c.changed_since_indexed:
            note = f"note: [{c.n}] {_escaped(c.path)} {_since_indexed(c.absolute_path)}"
            lines.append(_style(note, "33", color))
    return "\n".join(lines)


def _since_indexed(path: str) -> str:
    """What became of a cited note whose lines no longer hold its quote, as the chat's sources
    panel says it: a note made unreadable after indexing (`chmod 000`) was said "changed"."""
    try:
        with open(path, "rb"):
            return "changed since it was indexed"
    except FileNotFoundError:
        return "no longer exists (deleted or moved since it was indexed)"
    except OSError as e:
        return f"can no longer be read ({os_reason(e)}); the quote is as it was indexed"


def format_explain(trace: Explain, color: bool = False, title: bool = True) -> str:
    """`ask --explain` for a terminal: the candidates with their ranks and scores, the decision,
    the rules behind each quote's span, and the options in force. `title=False`: without
    the "Why this answer" line (the chat's dialog has it as its own title)."""

    def num(v: float | int | None, fmt: str = "{:.3f}") -> str:
        return "-" if v is None else fmt.format(v)

    out = [_style("Why this answer", "1", color)] if title else []
    out.append(f"decision: {trace.decision}")
    out.append(f"best line score: {trace.line_score:.3f} (line vectors: {trace.line_vectors})")
    out.append("candidates (rank order; * = quoted):")
    head = (
        f"{'bm25':>4} {'dense':>5} {'lines':>5} {'path':>4} {'fused':>7} {'cosine':>6} {'line':>6}"
    )
    out.append(f"  {head}  section")
    for c in trace.candidates:
        label = span_label(c)
        out.append(
            f"{'*' if c.quoted else ' '} {num(c.lexical_rank, '{:d}'):>4} "
            f"{num(c.dense_rank, '{:d}'):>5} {num(c.line_rank, '{:d}'):>5} "
            f"{num(c.path_rank, '{:d}'):>4} "
            f"{c.fused_score:7.4f} {num(c.dense_score):>6} "
            f"{num(c.best_line):>6}  {safe(label)}"
        )
    if trace.selection:
        out.append(f"sections quoted: {trace.selection}")
    if trace.parts:
        out.append("parts rule (each question it joins, searched on its own):")
        out.extend(f"  - {safe(p)}" for p in trace.parts)
    for q in trace.quotes:
        out.append(f"quote [{q.n}] {_escaped(q.path)}:{q.start_line}-{q.end_line}:")
        out.extend(f"  - {r}" for r in q.rules)
    out.append("options: " + ", ".join(f"{k}={v}" for k, v in trace.options.items()))
    return "\n".join(out)


def rank_text(lexical: int | None, dense: int | None, path: int | None) -> str:
    """ "bm25 #3, dense #1" and, where the path ranking placed it, ", path #2": the ranks
    that make a hit's fused score."""
    out = f"bm25 #{lexical or '-'}, dense #{dense or '-'}"
    return out + (f", path #{path}" if path is not None else "")


def format_hits(hits: Sequence[Hit], color: bool) -> str:
    out: list[str] = []
    for i, h in enumerate(hits, 1):
        c = h.chunk
        label = span_label(c)
        ranks = rank_text(h.lexical_rank, h.dense_rank, h.path_rank)
        cos = f", cosine {h.dense_score:.3f}" if h.dense_score is not None else ""
        out.append(
            _style(f"{i}. {safe(label)}", "1", color)
            + _style(f"  score {h.score:.4f} ({ranks}{cos})", "2", color)
        )
        body = c.text.split("\n")
        titled = len(body) > 1 and bool(c.heading_path) and body[0].lstrip().startswith("#")
        lines = [ln for ln in body[titled:] if ln.strip()]  # the heading is in the label
        out.extend("   " + cut(safe(ln), 160) for ln in lines[:3])
        if len(lines) > 3:  # a preview, said to be one: the hit's lines are in its label
            out.append(_style(f"   … {counted(len(lines) - 3, 'more line')}", "2", color))
    return "\n".join(out)


def cut(text: str, most: int) -> str:
    """`text` in at most `most` characters, "…" marking a cut: a pasted blob, a path of
    thousands of characters, is not echoed whole."""
    return text if len(text) <= most else text[: most - 1] + "…"


def _file_counts(r: SyncReport, unchanged: bool = True) -> str:
    parts = [f"{r.added} added", f"{r.updated} updated", f"{r.removed} removed"]
    if r.renamed:
        parts.insert(2, f"{r.renamed} renamed")
    if unchanged:
        parts.append(f"{r.unchanged} unchanged")
    return ", ".join(parts)


def format_report(r: SyncReport) -> str:
    line = (
        f"Indexed: {_file_counts(r)} files; {counted(r.chunks, 'chunk')} "
        f"({r.chunks_embedded} embedded) in {r.seconds:.1f}s"
    )
    if r.lines_embedded:
        line += f"; {counted(r.lines_embedded, 'single line')} embedded"
    if r.skipped:
        line += f"; {len(r.skipped)} skipped"
    return line


def format_refresh(r: SyncReport, when: float | None = None) -> str:
    """One `index --watch` refresh: "12:03:04 refreshed: 0 added, 1 updated, 0 removed files;
    3 sections embedded in 412 ms", or "12:03:04 up to date: no note changed (8 ms)" when the
    files that moved hold what the index has (a save without edits, or another index run
    that got there first)."""
    stamp = time.strftime("%H:%M:%S", time.localtime(when))
    if not r.changed:
        return f"{stamp} up to date: no note changed ({r.seconds * 1000:.0f} ms)"
    return (
        f"{stamp} refreshed: {_file_counts(r, unchanged=False)} files; "
        f"{counted(r.chunks_embedded, 'section')} embedded in {r.seconds * 1000:.0f} ms"
    )


def refresh_json(
    r: SyncReport, paths: Sequence[str], when: float | None = None, event: str = "refresh"
) -> str:
    """One `index --watch --json` record, JSON Lines: the report, the changed paths that
    caused it, the local time; `event` "index" for the first sync, "refresh" for each after."""
    import json

    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(when))
    record = {"event": event, "time": stamp, "paths": list(paths), **r.model_dump()}
    return json.dumps(record, ensure_ascii=False)


def skipped_note(s: Skipped) -> str:
    """A note a sync left out, and why, as `assistant index` and the MCP server's log say it."""
    return f"skipped {safe(s.path)!r}: {s.reason}"


class NewSkips:
    """The skipped notes of each refresh not yet reported: a note that stays skipped (a binary
    file, no permission) is reported once, not on every refresh of a watch; one read again and
    later skipped again, or skipped for another reason, is reported again."""

    def __init__(self, reported: Sequence[Skipped] = ()) -> None:
        self.seen = {(s.path, s.reason) for s in reported}

    def __call__(self, report: SyncReport) -> list[Skipped]:
        """Of `report`'s skipped notes, those not reported before. A report that read no
        files (a catch-up of line vectors) says nothing of what is skipped: none forgotten."""
        new = [s for s in report.skipped if (s.path, s.reason) not in self.seen]
        scanned = report.changed or report.unchanged or report.skipped
        if scanned:
            self.seen = {(s.path, s.reason) for s in report.skipped}
        return new


def counted(n: int, noun: str) -> str:
    """`1 chunk`, `2 chunks`: a count with its noun in the right number (regular plurals)."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def format_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def format_infos(infos: Sequence[IndexInfo]) -> str:
    if not infos:
        return "No indexes yet."
    out = []
    for i in infos:
        when = (
            time.strftime("%Y-%m-%d %H:%M", time.localtime(i.updated_at))
            if i.updated_at
            else "never"
        )
        line = (
            f"{i.notes_root or '?'}\n"
            f"  {counted(i.files, 'file')}, {counted(i.chunks, 'chunk')}, "
            f"{format_size(i.size_bytes)}, "
            f"refreshed {when}\n"
            f"  index: {i.index_dir}"
        )
        if i.problem:
            line += f"\n  problem: {i.problem}"
        out.append(line)
    return "\n".join(out)


class ProgressLine:
    """A one-line progress bar with ETA on stderr when it is a terminal; otherwise (a log, a
    CI job) a plain line every `LOG_EVERY` seconds, so a build of many minutes is not
    silent until it ends, and a short one prints nothing."""

    LOG_EVERY = 30.0

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.start = time.monotonic()
        self.last = 0.0 if self.tty else self.start
        self.drawn = False
        self.stage = ""
        self.spent: dict[str, float] = {}  # seconds spent in each stage before its latest turn

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total <= 0:
            return
        now = time.monotonic()
        if stage != self.stage:  # each stage has its own pace (and stages take turns)
            self.spent[self.stage] = now - self.start
            self.stage, self.start = stage, now - self.spent.get(stage, 0.0)
        if self.tty and now - self.last < 0.1 and done < total:
            return
        if not self.tty and now - self.last < self.LOG_EVERY:
            return
        self.last = now
        frac = done / total
        width = 24
        bar = "#" * int(frac * width) + "." * (width - int(frac * width))
        elapsed = now - self.start
        eta = f" ETA {int(elapsed / frac - elapsed)}s" if 0 < frac < 1 and elapsed > 1 else ""
        label = {
            "embed": "Embedding sections",
            "lines": "Embedding lines of sections",
            "read": "Reading notes",
            "keywords": "Keyword search ready",
        }.get(stage, stage)
        if not self.tty:
            self.stream.write(f"{label}: {done}/{total}{eta}\n")
            self.stream.flush()
            return
        self.stream.write(f"\r{label} [{bar}] {done}/{total}{eta}   ")
        self.stream.flush()
        self.drawn = True

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
