"""Reading note files safely: bytes -> text with exact, stable line numbers.

The ONE definition of a line is `split_lines`: line N (1-based) of a note is
``split_lines(read_note(path).text)[N - 1]``. Everything that cites or checks line numbers
(chunker, index, answer layer, quote verification) goes through these two functions.

Decoding, in order:
1. a BOM decides: UTF-8 (BOM dropped), UTF-32 LE/BE, UTF-16 LE/BE;
2. NUL bytes without a BOM: BOM-less UTF-16 if the NULs sit in every other byte (ASCII-heavy
   UTF-16 text), otherwise the file is binary -> `NoteReadError("binary file")`;
3. strict UTF-8;
4. cp1252 (a superset of Latin-1's printable range), then Latin-1, which never fails;
5. whatever decoded, text that is mostly control characters is binary too (`_looks_binary`:
   a file with no zero byte, e.g. random or encrypted bytes, would otherwise decode as
   Latin-1 garbage and be indexed as a note).

Line endings: CRLF and lone CR become "\\n". No other character (form feed, U+2028, ...) ends
a line, matching markdown-it, whose token line maps the chunker uses.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
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

# Binary without a zero byte (`_looks_binary`): how many characters of the decoded text to
# look at, and the share of them that may be control characters before the file is binary.
# Random bytes give about 10-12%; every real note checked (3,282 files) gives 0%, a note quoting
# terminal output (colour codes, a bell, a backspace) about 1%.
_BINARY_SNIFF_CHARS = 8 * 1024
_BINARY_CONTROL_SHARE = 0.05
# Fewer than this many control characters never make a file binary (one stray byte in a
# two-line note is still a note).
_BINARY_MIN_CONTROLS = 2
# C0 controls a text file has no use for: all but tab, LF, VT, FF, CR and ESC (ANSI escape
# sequences pasted from a terminal are text), plus DEL.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
# The bytes cp1252 leaves undefined, as the Latin-1 fallback decodes them.
_CP1252_UNDEFINED_RE = re.compile(r"[\x81\x8d\x8f\x90\x9d]")
# An OSC escape sequence (window title, hyperlink): its BEL terminator is not a stray control.
_OSC_RE = re.compile(r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


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


def _looks_binary(text: str, encoding: str) -> bool:
    """True if the decoded text is not something a person wrote: more than
    `_BINARY_CONTROL_SHARE` of its first `_BINARY_SNIFF_CHARS` characters (and at least
    `_BINARY_MIN_CONTROLS`) are control characters no note uses.

    Why: the zero-byte test alone lets binary files without a zero byte (random, compressed or
    encrypted data, small blobs) through, and the Latin-1 fallback decodes anything, so they
    were indexed as notes. Counted: C0 controls other than tab, LF, VT, FF, CR and ESC (a note
    may quote ANSI colour codes), a BEL ending an OSC escape sequence excepted; DEL; and, only
    when the Latin-1 fallback decoded the file, the five bytes cp1252 leaves undefined. Not
    counted: U+FFFD (a note with a few bytes in the wrong encoding is still a note) and
    C1 characters in valid UTF-8 (mojibake, but text). Only a bounded prefix is looked at.
    """
    sample = text[:_BINARY_SNIFF_CHARS]
    if "\x1b]" in sample:
        sample = _OSC_RE.sub("", sample)
    bad = len(_CONTROL_RE.findall(sample))
    if encoding == "latin-1":
        bad += len(_CP1252_UNDEFINED_RE.findall(sample))
    return bad >= _BINARY_MIN_CONTROLS and bad > _BINARY_CONTROL_SHARE * len(sample)


def _note_text(text: str, encoding: str) -> NoteText:
    """The decoded note, or NoteReadError("binary file") if it looks binary."""
    if _looks_binary(text, encoding):
        raise NoteReadError("binary file")
    return NoteText(text=normalise_newlines(text), encoding=encoding)


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
            return _note_text(text, enc)
    if b"\x00" in data:
        enc16 = _utf16_guess(data)
        if enc16 is None:
            raise NoteReadError("binary file")
        text = data[: len(data) - len(data) % 2].decode(enc16)
        return _note_text(text, enc16)
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
    return _note_text(text, enc)


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
