"""Reading notes: encodings, BOMs, line endings, binary files, OS errors."""

from __future__ import annotations

import builtins
import os

import pytest

from corpus.markdown import chunk_note
from corpus.models import text_hash
from corpus.quote import quote_lines, verify_quote
from corpus.read import NoteReadError, decode_note, file_hash, read_note, split_lines

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
