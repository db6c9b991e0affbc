"""Following a citation back to the note: its lines as they are on disk now, safely.

The chat's section view and the MCP server's `read` tool read notes through here; only notes
the index holds, inside the notes folder, are read (a path is user or agent input)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from assistant.errors import UsageError
from corpus.markdown import section_at
from corpus.read import NoteReadError, read_note, split_lines


def abs_path(notes_root: Path, rel: str) -> Path:
    """Where a note of the index lies (a notes "folder" that is one file is that file)."""
    return notes_root if notes_root.is_file() else notes_root / rel


def note_lines(notes_root: Path, rel: str, indexed: Collection[str]) -> list[str]:
    """Every line of the note `rel`, one of the `indexed` paths, as it is on disk now.

    A path with `..`, an absolute path, a symlink leading out of the root, a note the index
    skipped (binary, unreadable) or never saw are UsageErrors naming the path and the reason."""
    if not rel or Path(rel).is_absolute() or ".." in Path(rel).parts:
        raise UsageError(f"{rel!r}: give a note path relative to the notes folder")
    rel = Path(rel).as_posix()
    if rel not in indexed:
        raise UsageError(f"{rel}: not a note in the index of {notes_root}")
    path = abs_path(notes_root, rel)
    root = notes_root if notes_root.is_dir() else notes_root.parent
    if not path.resolve().is_relative_to(root.resolve()):
        raise UsageError(f"{rel}: leads outside the notes folder")
    try:
        return split_lines(read_note(path).text)
    except NoteReadError as e:
        raise UsageError(f"{rel}: {e}") from e


def section(path: Path, line: int) -> tuple[int, int, list[str], list[str]] | None:
    """The section of the note at `path` containing `line`: (start, end, heading_path, every
    line of the file); None if the note cannot be read or has no such line."""
    try:
        text = read_note(path).text
    except NoteReadError:
        return None
    found = section_at(text, line)
    if found is None:
        return None
    start, end, heading_path = found
    return start, end, heading_path, split_lines(text)
