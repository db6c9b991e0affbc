"""Reading notes: encodings, BOMs, line endings, binary files, OS errors."""

from __future__ import annotations

import builtins
import os
import random

import pytest

from corpus.markdown import chunk_note
from corpus.models import text_hash
from corpus.quote import quote_lines, verify_quote
from corpus.read import (
    _BINARY_CONTROL_SHARE,
    _BINARY_SNIFF_CHARS,
    NoteReadError,
    decode_note,
    file_hash,
    read_note,
    split_lines,
)

NOTE = "# Título\nprimera línea – ok\n\n## Sub\nsegunda\n"


def words(s: str) -> int:
    return len(s.split())


def spans(text: str):
    return [
        (c.start_line, c.end_line, c.heading_path)
        for c in chunk_note("n.md", text, words, 256).chunks
    ]


EXPECTED = [(1, 2, ["Título"]), (4, 5, ["Título", "Sub"])]


@pytest.mark.parametrize(
    ("raw", "encoding"),
    [
        (NOTE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + NOTE.encode("utf-8"), "utf-8-sig"),
        (NOTE.replace("–", "-").encode("latin-1"), "cp1252"),
        (NOTE.encode("cp1252"), "cp1252"),
        (b"\xff\xfe" + NOTE.encode("utf-16-le"), "utf-16-le"),
        (b"\xfe\xff" + NOTE.encode("utf-16-be"), "utf-16-be"),
        (NOTE.encode("utf-16-le"), "utf-16-le"),  # no BOM: detected by the NUL pattern
        (NOTE.encode("utf-16-be"), "utf-16-be"),
        (b"\xff\xfe\x00\x00" + NOTE.encode("utf-32-le"), "utf-32-le"),
        (NOTE.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
        (NOTE.replace("\n", "\r").encode("utf-8"), "utf-8"),
        (b"\xff\xfe" + NOTE.replace("\n", "\r\n").encode("utf-16-le"), "utf-16-le"),
    ],
)
def test_encodings_and_line_endings_give_exact_lines(tmp_path, raw, encoding):
    p = tmp_path / "n.md"
    p.write_bytes(raw)
    note = read_note(p)
    assert note.encoding == encoding
    assert "\r" not in note.text and "\ufeff" not in note.text
    expected = NOTE if "–" in note.text or encoding != "cp1252" else NOTE.replace("–", "-")
    assert note.text == expected
    assert split_lines(note.text)[1].startswith("primera línea")
    assert spans(note.text) == EXPECTED
    assert file_hash(raw) == file_hash(note.text) == text_hash(note.text)


def test_latin1_bytes_undefined_in_cp1252_fall_back_to_latin1(tmp_path):
    p = tmp_path / "n.md"
    p.write_bytes(b"# caf\xe9\n\x81 odd\n")
    note = read_note(p)
    assert note.encoding == "latin-1"
    assert split_lines(note.text) == ["# café", "\x81 odd"]


def test_split_lines_definition():
    assert split_lines("") == []
    assert split_lines("a") == ["a"]
    assert split_lines("a\n") == ["a"]
    assert split_lines("a\n\n") == ["a", ""]
    assert split_lines("a\r\nb\rc") == ["a", "b", "c"]
    # Only "\n" ends a line: form feed, U+2028, NEL are content (as for markdown-it).
    assert split_lines("a\x0cb\u2028c\x85d\ne") == ["a\x0cb\u2028c\x85d", "e"]


def test_mixed_line_endings_keep_line_numbers(tmp_path):
    p = tmp_path / "n.md"
    p.write_bytes(b"# A\r\none\rtwo\n\r\n# B\r\nthree")
    text = read_note(p).text
    assert split_lines(text) == ["# A", "one", "two", "", "# B", "three"]
    assert spans(text) == [(1, 3, ["A"]), (5, 6, ["B"])]


def test_binary_file_named_md(tmp_path):
    p = tmp_path / "image.md"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)) * 8)
    with pytest.raises(NoteReadError) as ei:
        read_note(p)
    assert str(ei.value) == ei.value.reason == "binary file"
    assert file_hash(p.read_bytes()).startswith("raw:")


def _random_bytes_without_zero(n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(1, 256) for _ in range(n))


@pytest.mark.parametrize(
    "raw",
    [
        # QA's case: 400 random bytes, no zero byte; decoded as Latin-1 it was indexed.
        _random_bytes_without_zero(400, 7),
        _random_bytes_without_zero(4096, 8),
        _random_bytes_without_zero(128, 9),
        bytes(range(1, 256)) * 4,  # every byte value but zero (decodes as Latin-1)
        bytes(b for b in range(1, 256) if b not in b"\x81\x8d\x8f\x90\x9d") * 4,  # as cp1252
        b"\x01\x02\x03\x04\x05\x06 not really text \x10\x11\x12\x13\x14\n" * 20,  # UTF-8
        b"\xef\xbb\xbf" + b"\x01\x02\x03\x7f BOM then controls " * 20,
        b"# Looks like a note\n\n" + _random_bytes_without_zero(1000, 10),
    ],
    ids=["qa-400", "random-4k", "random-128", "all-but-nul", "cp1252", "utf8", "bom", "header"],
)
def test_binary_file_without_a_zero_byte(tmp_path, raw):
    """A zero byte was the only sign of a binary file: one without (random, encrypted data)
    decoded as Latin-1 and was indexed as a note. Too many control characters is binary too."""
    assert b"\x00" not in raw
    p = tmp_path / "bin.md"
    p.write_bytes(raw)
    with pytest.raises(NoteReadError) as ei:
        read_note(p)
    assert ei.value.reason == "binary file"
    assert file_hash(raw).startswith("raw:")


ANSI_NOTE = (
    "# Terminal colours\n\n"
    "Red is `\x1b[31m`, reset is `\x1b[0m`; pasted output: \x1b[1;32mPASS\x1b[0m 3 tests\n"
    "\x1b[33mwarning\x1b[0m: deprecated, \x1b[31mFAIL\x1b[0m once.\n"
    "Title \x1b]0;build\x07, link \x1b]8;;http://x.example\x1b\\x\x1b]8;;\x1b\\, "
    "a bell \x07 and a backspace \x08.\n"
)
NOT_BINARY = {
    "utf8-emoji-cjk": ("# 旅行 🍣\n\n東京で寿司を食べた 🎉 — très bien, café.\n".encode(), "utf-8"),
    "cp1252-smart-quotes": ("# Café\n\n“Quoted” – it’s über good… €5\n".encode("cp1252"), "cp1252"),
    "latin1": ("# Zürich\n\nLe café est très bon, Ä Ö Ü ß ¿¡ ±.\n".encode("latin-1"), "cp1252"),
    # One byte cp1252 leaves undefined sends the whole note to Latin-1: its smart quotes
    # become C1 characters, which are not counted; the one stray byte alone is not binary.
    "latin1-fallback": (
        b"# Notes\n\n\x93Quoted\x94 \x96 it\x92s fine \x81 here \x93a\x94 \x93b\x94\n",
        "latin-1",
    ),
    "utf16-le-bom": (b"\xff\xfe" + NOTE.encode("utf-16-le"), "utf-16-le"),
    "utf16-be-bom": (b"\xfe\xff" + NOTE.encode("utf-16-be"), "utf-16-be"),
    "crlf": (NOTE.replace("\n", "\r\n").encode(), "utf-8"),
    "ansi-escapes": (ANSI_NOTE.encode(), "utf-8"),
    "ansi-heavy": (("\x1b[1;34mdir\x1b[0m  \x1b[32mrun.sh\x1b[0m\n" * 200).encode(), "utf-8"),
    "form-feeds": (("# Pages\n\npage one\n\x0c\npage two\n\x0c\n" * 30).encode(), "utf-8"),
    "vertical-tabs": (b"# VT\n\na\x0bb\x0bc\n", "utf-8"),
    "one-stray-control": (b"# x\n\x01\n", "utf-8"),
    "replacement-chars": (("# Caf\ufffd\n\nna\ufffdve fa\ufffdade\n" * 20).encode(), "utf-8"),
    "utf8-bom-bad-bytes": (b"\xef\xbb\xbf# Caf\xe9\n\nna\xefve \xe0 la fa\xe7ade\n", "utf-8-sig"),
    # UTF-8 read as Latin-1 and saved again: C1 characters in valid UTF-8 are text.
    "c1-mojibake-utf8": ("It’s “don’t”\n".encode().decode("latin-1").encode() * 20, "utf-8"),
}


@pytest.mark.parametrize(("raw", "encoding"), list(NOT_BINARY.values()), ids=list(NOT_BINARY))
def test_real_notes_are_not_binary(tmp_path, raw, encoding):
    """What notes hold (other scripts, legacy encodings, terminal colour codes, page breaks,
    a stray byte, wrong-encoding bytes) is far from the control-character share of binary."""
    p = tmp_path / "n.md"
    p.write_bytes(raw)
    note = read_note(p)
    assert note.encoding == encoding and note.text
    assert not file_hash(raw).startswith("raw:")


def test_binary_threshold_and_bounded_prefix():
    """The share is of the first `_BINARY_SNIFF_CHARS` characters: just over it is binary,
    at it is not, and control characters after the prefix are never looked at."""
    n = 1000
    at = int(_BINARY_CONTROL_SHARE * n)
    assert decode_note(b"\x01" * at + b"a" * (n - at)).text.startswith("\x01")
    with pytest.raises(NoteReadError, match="binary file"):
        decode_note(b"\x01" * (at + 1) + b"a" * (n - at - 1))
    tail = b"a" * _BINARY_SNIFF_CHARS + b"\x01" * 1000
    assert decode_note(tail).encoding == "utf-8"


def test_empty_file(tmp_path):
    p = tmp_path / "e.md"
    p.write_bytes(b"")
    note = read_note(p)
    assert note.text == ""
    assert chunk_note("e.md", note.text, words, 256).chunks == []


def test_permission_denied_via_mocked_open(tmp_path, monkeypatch):
    p = tmp_path / "secret.md"
    p.write_text("# x\n")
    real_open = builtins.open

    def fake_open(file, *args, **kwargs):
        if os.fspath(file) == os.fspath(p):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    with pytest.raises(NoteReadError, match="permission denied"):
        read_note(p)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_permission_denied_for_real(tmp_path):
    p = tmp_path / "secret.md"
    p.write_text("# x\n")
    p.chmod(0)
    with pytest.raises(NoteReadError, match="permission denied"):
        read_note(p)


def test_file_vanished(tmp_path):
    with pytest.raises(NoteReadError, match="file vanished"):
        read_note(tmp_path / "gone.md")


def test_symlink_loop_and_directory(tmp_path):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(NoteReadError, match="symlink loop"):
        read_note(a)
    with pytest.raises(NoteReadError, match="is a directory"):
        read_note(tmp_path)
    os.mkfifo(tmp_path / "pipe.md")
    with pytest.raises(NoteReadError, match="not a regular file"):
        read_note(tmp_path / "pipe.md")


def test_decode_never_raises_other_errors_on_garbage():
    import random

    rng = random.Random(0)
    for _ in range(200):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 64)))
        try:
            note = decode_note(data)
        except NoteReadError as e:
            assert e.reason == "binary file"
        else:
            chunk_note("g.md", note.text, words, 16)


def test_verify_quote():
    text = "# H\r\nline one\nline two\n"
    assert quote_lines(text, 2, 3) == "line one\nline two"
    assert verify_quote(text, 2, 3, "line one\nline two")
    assert not verify_quote(text, 2, 3, "line one")
    assert verify_quote(text, 2, 2, "one")  # substring of a single line (window chunks)
    assert not verify_quote(text, 2, 2, "")
    assert not verify_quote(text, 2, 3, "one\nline")
    assert not verify_quote(text, 0, 1, "# H")
    assert not verify_quote(text, 3, 4, "line two")
