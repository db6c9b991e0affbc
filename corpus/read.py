"""Reading note files safely: bytes -> text with exact, stable line numbers.

The ONE definition of a line is `split_lines`: line N (1-based) of a note is
``split_lines(read_note(path).text)[N - 1]``. Everything that cites or checks line numbers
(chunker, index, answer layer, quote verification) goes through these two functions.

Decoding, in order:
1. a BOM decides: UTF-8 (BOM dropped), UTF-32 LE/BE, UTF-16 LE/BE;
2. NUL bytes without a BOM: BOM-less UTF-16 if the NULs sit in every other byte (ASCII-heavy
   UTF-16 text), otherwise the file is binary -> `NoteReadError("binary file")`;
3. strict UTF-8;
4. cp1252 (a superset of Latin-1's printable range), then Latin-1, which never fails.

Line endings: CRLF and lone CR become "\\n". No other character (form feed, U+2028, ...) ends
a line, matching markdown-it, whose token line maps the chunker uses.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

from pydantic import BaseModel

from corpus.models import text_hash

__all__ = [
    "NoteReadError",
    "NoteText",
    "decode_note",
    "file_hash",
    "normalise_newlines",
    "read_note",
    "split_lines",
]

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# How much of the file to sample when guessing BOM-less UTF-16.
_SNIFF_BYTES = 64 * 1024


class NoteReadError(Exception):
    """A note that cannot be read as text. `str(e)` (== `e.reason`) is a short human reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoteText(BaseModel):
    """A note's text with line endings normalised to "\\n" and any BOM removed."""

    text: str
    encoding: str
    """The codec that decoded the bytes: "utf-8", "utf-8-sig", "utf-16-le", "cp1252", ..."""


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR -> LF."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_lines(text: str) -> list[str]:
    """The lines of a (normalised) note, without their "\\n".

    A final "\\n" ends the last line rather than starting an empty one, so "a\\nb\\n" has two
    lines and "" has none. Only "\\n" separates lines (CR is normalised away by `read_note`;
    this function also normalises, so it is safe on raw text).
    """
    if not text:
        return []
    lines = normalise_newlines(text).split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def _utf16_guess(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' if the NUL pattern says BOM-less UTF-16, else None."""
    sample = data[:_SNIFF_BYTES]
    if len(sample) % 2:
        sample = sample[:-1]
    pairs = len(sample) // 2
    if pairs < 1:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    # ASCII-ish text in UTF-16: one byte of (nearly) every pair is NUL, the other (nearly) never.
    for enc, hits, other in (
        ("utf-16-le", odd_nuls, even_nuls),
        ("utf-16-be", even_nuls, odd_nuls),
    ):
        if hits >= 0.3 * pairs and other <= 0.02 * pairs:
            try:
                text = data[: len(data) - len(data) % 2].decode(enc)
            except UnicodeDecodeError:
                continue
            if "\x00" in text:
                continue
            return enc
    return None


def decode_note(data: bytes) -> NoteText:
    """Decode a note's bytes (see the module docstring). Raises NoteReadError("binary file")."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            codec = "utf-8" if enc == "utf-8-sig" else enc
            try:
                text = body.decode(codec)
            except UnicodeDecodeError:
                text = body.decode(codec, errors="replace")
            return NoteText(text=normalise_newlines(text), encoding=enc)
    if b"\x00" in data:
        enc16 = _utf16_guess(data)
        if enc16 is None:
            raise NoteReadError("binary file")
        text = data[: len(data) - len(data) % 2].decode(enc16)
        return NoteText(text=normalise_newlines(text), encoding=enc16)
    try:
        text = data.decode("utf-8")
        enc = "utf-8"
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
            enc = "cp1252"
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            enc = "latin-1"
    if text.startswith("\ufeff"):  # a BOM that survived (e.g. doubled)
        text = text[1:]
    return NoteText(text=normalise_newlines(text), encoding=enc)


def read_note(path: Path) -> NoteText:
    """Read and decode one note.

    Raises `NoteReadError` (and nothing else) for problems with the user's file:
    "file vanished", "permission denied", "symlink loop", "is a directory",
    "not a regular file", "binary file", "unreadable: <OS reason>". A file rewritten since
    it was scanned is read as it is now.
    """
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise NoteReadError("is a directory")
        if not stat.S_ISREG(mode):  # a FIFO would block open() forever
            raise NoteReadError("not a regular file")
        with open(path, "rb") as fh:  # builtin open: tests may monkeypatch it
            data = fh.read()
    except FileNotFoundError:
        raise NoteReadError("file vanished") from None
    except PermissionError:
        raise NoteReadError("permission denied") from None
    except IsADirectoryError:
        raise NoteReadError("is a directory") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise NoteReadError("symlink loop") from None
        raise NoteReadError(f"unreadable: {e.strerror or e}") from None
    except (RuntimeError, ValueError) as e:  # e.g. embedded NUL in the path
        raise NoteReadError(f"unreadable: {e}") from None
    return decode_note(data)


def file_hash(data: bytes | str) -> str:
    """Per-file content hash the index stores to detect changed files.

    Defined as `corpus.models.text_hash` of the *normalised decoded text* so that the same
    note re-saved with other line endings or encoding (same lines, same chunks) counts as
    unchanged. Pass either the text from `read_note` or the raw bytes (decoded here the same
    way). Undecodable (binary) bytes hash as "raw:" + sha256 of the bytes.
    """
    if isinstance(data, str):
        return text_hash(normalise_newlines(data))
    try:
        return text_hash(decode_note(data).text)
    except NoteReadError:
        return "raw:" + hashlib.sha256(data).hexdigest()
