"""Following a citation back to the note: its lines as they are on disk now, safely.

The chat's section view and the MCP server's `read` tool read notes through here; only notes
the index holds, inside the notes folder, are read (a path is user or agent input)."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Collection, Mapping
from pathlib import Path

from assistant.errors import UsageError
from assistant.output import cut
from corpus.markdown import section_at
from corpus.read import NoteReadError, read_note, split_lines


def abs_path(notes_root: Path, rel: str) -> Path:
    """Where a note of the index lies (a notes "folder" that is one file is that file)."""
    return notes_root if notes_root.is_file() else notes_root / rel


def note_path(rel: str) -> str:
    """A note path as given by a user or an agent, in the index's form ("/"-separated, no "."
    or "x/.." steps); UsageError if it is empty, absolute or leads out of the notes folder."""
    norm = posixpath.normpath(rel or ".")
    if norm == ".." or norm.startswith("../"):
        raise UsageError(f"{cut(rel, 200)!r}: leads outside the notes folder")
    if norm == "." or norm.startswith("/"):
        raise UsageError(f"{cut(rel, 200)!r}: give a note path relative to the notes folder")
    return norm


def note_lines(
    notes_root: Path,
    rel: str,
    indexed: Collection[str],
    skipped: Mapping[str, str] | None = None,
) -> list[str]:
    """Every line of the note `rel` (`note_path`), one of the `indexed` paths, as it is on
    disk now.

    A path with `..` leading out, an absolute path, a symlink leading out of the root, a note
    the index skipped (`skipped`: path -> reason) or never saw are UsageErrors naming the path
    and the reason."""
    rel = note_path(rel)
    name = cut(rel, 200)  # an agent's path of thousands of characters is not echoed whole
    path = abs_path(notes_root, rel)
    root = notes_root if notes_root.is_dir() else notes_root.parent
    if rel not in indexed:
        if skipped and rel in skipped:
            raise UsageError(f"{name}: skipped when indexed ({skipped[rel]})")
        if not os.path.lexists(path):
            raise UsageError(f"{name}: no such note in {notes_root}")
    if not path.resolve().is_relative_to(root.resolve()):
        raise UsageError(f"{name}: leads outside the notes folder")
    if rel not in indexed:
        real = path.resolve().relative_to(root.resolve()).as_posix()
        if real != rel and real in indexed:  # a symlink to a note: indexed under its own path
            raise UsageError(f"{name}: same file as {cut(real, 200)!r}, indexed under that path")
        raise UsageError(
            f"{name}: not a note in the index of {notes_root} (not a Markdown or .txt file, "
            "hidden, left out by .assistantignore, or not indexed yet)"
        )
    try:
        return split_lines(read_note(path).text)
    except NoteReadError as e:
        raise UsageError(f"{name}: {e}") from e


def section(path: Path, line: int) -> tuple[int, int, list[str], list[str]] | None:
    """The section of the note at `path` containing `line`: (start, end, heading_path, every
    line of the file); None if the note cannot be read or has no such line."""
    try:
        text = read_note(path).text
    except NoteReadError:
        return None
    found = section_at(text, line, path.as_posix())
    if found is None:
        return None
    start, end, heading_path = found
    return start, end, heading_path, split_lines(text)
