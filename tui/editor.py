"""Which editor to run and how to tell it the line: an argument list, never a shell string."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from pathlib import Path

# Editors that take `+LINE FILE`.
PLUS_LINE = frozenset(
    """vi vim nvim gvim mvim view vimx elvis nvi ex nano pico rnano emacs emacsclient xemacs
    micro kak kakoune joe jmacs jstar jed ne mg mcedit gedit pluma xed mousepad leafpad
    geany vis amp""".split()
)
# Editors that take `--goto FILE:LINE` (VS Code and its forks).
GOTO = frozenset("code code-insiders codium vscodium cursor windsurf code-oss positron".split())
# Editors that take `FILE:LINE`.
COLON = frozenset("subl sublime_text sublime zed zeditor hx helix lapce".split())
# JetBrains launchers take `--line LINE FILE`.
JETBRAINS = frozenset(
    "idea pycharm charm webstorm goland clion rider phpstorm rubymine studio".split()
)


class NoEditor(Exception):
    """Neither $VISUAL nor $EDITOR is set (or it is empty)."""


def editor_from_env(env: Mapping[str, str] | None = None) -> list[str]:
    """The user's editor as an argument list: $VISUAL, else $EDITOR, split like a shell would."""
    env = os.environ if env is None else env
    for var in ("VISUAL", "EDITOR"):
        value = (env.get(var) or "").strip()
        if value:
            try:
                parts = shlex.split(value)
            except ValueError:
                parts = value.split()
            if parts:
                return parts
    raise NoEditor("no editor set: export VISUAL or EDITOR (for example EDITOR=nano)")


def editor_name(program: str) -> str:
    name = Path(program).name.lower()
    for suffix in (".exe", ".cmd", ".bat", ".sh"):
        name = name.removesuffix(suffix)
    return name


def editor_command(editor: list[str], path: str | Path, line: int) -> list[str]:
    """The full argument list to open `path` at `line` (1-based) with `editor`."""
    path = str(path)
    line = max(int(line), 1)
    name = editor_name(editor[0])
    if name in GOTO:
        return [*editor, "--goto", f"{path}:{line}"]
    if name in COLON:
        return [*editor, f"{path}:{line}"]
    if name in JETBRAINS:
        return [*editor, "--line", str(line), path]
    if name in PLUS_LINE:
        return [*editor, f"+{line}", path]
    # Unknown editor: opening the file is safe; guessing a line syntax is not.
    return [*editor, path]
