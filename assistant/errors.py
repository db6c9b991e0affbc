"""The errors a user can cause, and the one-line message and exit code each gets.

Kept free of heavy imports: the CLI and the TUI map errors here without loading the engine.
"""

from __future__ import annotations

import errno

EXIT_OK, EXIT_ABSTAINED, EXIT_USAGE, EXIT_INDEX = 0, 1, 2, 3
EXIT_INTERRUPTED = 130
"""Ctrl+C during a command: 128 + SIGINT, the code a shell gives a process SIGINT ended."""
EXIT_BUG = 70
"""An internal error, a bug of the assistant's (sysexits' EX_SOFTWARE): never 1, which a
script reads as "not in your notes"."""


class UsageError(Exception):
    """The user asked for something impossible (bad path, empty question): exit code 2."""


class EngineError(Exception):
    """The index or the model cannot be used: exit code 3."""


class ConfigFileError(Exception):
    """The config file cannot be read or parsed; str() names the file and the reason."""


def os_reason(e: OSError) -> str:
    """An OS error's reason alone, lower-cased ("permission denied"), without the "[Errno 13]"
    and the path that `str(e)` repeats."""
    return (e.strerror or type(e).__name__).lower()


def user_error(e: BaseException) -> tuple[str, int] | None:
    """(one-line message, exit code) for an error the user can fix; None for a bug."""
    from pydantic import ValidationError

    from index.store import IndexBusy, IndexError_

    if isinstance(e, UsageError | ConfigFileError):
        return str(e), EXIT_USAGE
    if isinstance(e, ValidationError):
        err = e.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "setting"
        return f"invalid setting {where}: {err.get('msg')}", EXIT_USAGE
    if isinstance(e, IndexBusy):
        return f"{e} (run without --no-wait to wait for it)", EXIT_INDEX
    if isinstance(e, EngineError | IndexError_):
        return str(e), EXIT_INDEX
    if isinstance(e, PermissionError) and e.filename:  # notes are checked before: the index
        return f"cannot use {e.filename}: {os_reason(e)}", EXIT_INDEX
    if isinstance(e, OSError) and e.errno == errno.ENAMETOOLONG:  # a pasted blob as --notes
        from assistant.output import cut

        return f"{cut(str(e.filename), 200)}: file name too long", EXIT_USAGE
    return None
