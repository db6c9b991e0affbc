"""Scanning a notes folder: extensions, hidden entries, ignore files, symlinks, odd names."""

from __future__ import annotations

import os

import pytest

from corpus import BUNDLED_NOTES
from corpus.markdown import chunk_note
from corpus.read import NoteReadError, read_note
from corpus.scan import is_ignored, scan_notes


def words(s: str) -> int:
    return len(s.split())


def rels(res) -> list[str]:
    return [f.rel for f in res.files]


def skipped(res) -> dict[str, str]:
    return {s.path: s.reason for s in res.skipped}


def write(p, text="# note\nbody\n"):
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_extensions_hidden_and_order(tmp_path):
    for rel in [
        "b.md",
        "a.MD",
        "sub/c.markdown",
        "sub/deeper/d.txt",
        "sub/e.rst",
        "image.png",
        ".hidden.md",
        ".git/HEAD.md",
        "sub/.obsidian/x.md",
    ]:
        write(tmp_path / rel)
    res = scan_notes(tmp_path)
    assert rels(res) == ["a.MD", "b.md", "sub/c.markdown", "sub/deeper/d.txt"]
    assert res.skipped == []
    assert res.root == tmp_path
    for f in res.files:
        assert f.path.is_absolute() and f.path == tmp_path / f.rel
        assert f.size == f.path.stat().st_size
        assert f.mtime_ns == f.path.stat().st_mtime_ns


def test_single_file_root(tmp_path):
    p = write(tmp_path / "one note.md")
    res = scan_notes(p)
    assert rels(res) == ["one note.md"]
    assert res.root == tmp_path
    assert res.files[0].path == p


def test_bundled_notes():
    res = scan_notes(BUNDLED_NOTES)
    assert rels(res) == ["aws-containers.md"]


def test_missing_root_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        scan_notes(tmp_path / "nope")


def test_assistantignore_root_and_nested(tmp_path):
    for rel in [
        "keep.md",
        "drafts/x.md",
        "tmp-1.md",
        "tmp-keep.md",
        "a/b/skip.md",
        "a/b/ok.md",
        "nested/local.md",
        "nested/other.md",
    ]:
        write(tmp_path / rel)
    (tmp_path / ".assistantignore").write_text("drafts/\ntmp-*.md\n!tmp-keep.md\na/b/skip.md\n")
    (tmp_path / "nested" / ".assistantignore").write_text("local.md\n")
    res = scan_notes(tmp_path)
    assert rels(res) == ["a/b/ok.md", "keep.md", "nested/other.md", "tmp-keep.md"]


def test_folders_of_installed_packages_are_no_notes(tmp_path):
    """A blog's repository had `node_modules/` (package READMEs) indexed and cited; a Python
    virtual environment holds thousands of .txt and .md files. Neither is searched; a folder
    merely named `venv` without `pyvenv.cfg` is notes like any other."""
    for rel in ["post.md", "node_modules/left-pad/README.md", "a/node_modules/x/y.md",
                "env/lib/site-packages/pkg/LICENSE.txt", "venv/notes.md"]:  # fmt: skip
        write(tmp_path / rel)
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    res = scan_notes(tmp_path)
    assert rels(res) == ["post.md", "venv/notes.md"] and not res.skipped


def test_a_logseq_graph_s_app_folder_is_no_notes(tmp_path):
    """A Logseq graph's `logseq/bak/` keeps old copies of its pages: indexed, one was quoted
    first with a pool size the page had since changed. The app folder (it holds `config.edn`)
    is never notes; a folder merely named `logseq` is."""
    for rel in ["pages/Postgres.md", "logseq/bak/pages/Postgres/2026-11-02T09_14_22.md",
                "logseq/version-files/base/pages/P.md", "other/logseq/notes.md"]:  # fmt: skip
        write(tmp_path / rel)
    (tmp_path / "logseq" / "config.edn").write_text("{:meta/version 1}\n")
    res = scan_notes(tmp_path)
    assert rels(res) == ["other/logseq/notes.md", "pages/Postgres.md"] and not res.skipped
    assert is_ignored(tmp_path, "logseq/bak/pages/Postgres/2026-11-02T09_14_22.md")
    assert not is_ignored(tmp_path, "other/logseq/notes.md")


def test_markdown_by_every_name_is_read(tmp_path):
    """A Docusaurus site's `.mdx` pages were left out without a word, and asked about, the
    notes "did not mention" what they said; so were Quarto's `.qmd` and R Markdown's `.Rmd`."""
    names = ["a.md", "b.markdown", "c.mdx", "d.MDX", "e.mdown", "f.mkd", "g.mkdn", "h.mdwn",
             "i.qmd", "j.Rmd", "k.txt", "l.rst", "m.html", "n.json", "o.ipynb"]  # fmt: skip
    for n in names:
        write(tmp_path / n)
    assert rels(scan_notes(tmp_path)) == sorted(names[:11])


def test_odd_file_names(tmp_path):
    names = ["with space.md", "ñandú café.md", "日本語.md", "new\nline.md", "tab\there.md"]
    for n in names:
        write(tmp_path / n, f"# {n!r}\nbody\n")
    res = scan_notes(tmp_path)
    assert sorted(names) == rels(res)
    for f in res.files:
        text = read_note(f.path).text
        nc = chunk_note(f.rel, text, words, 256)
        assert [(c.start_line, c.end_line) for c in nc.chunks] == [(1, 2)]
        assert nc.chunks[0].path == f.rel


def test_symlinks(tmp_path):
    root = tmp_path / "notes"
    outside = write(tmp_path / "outside" / "secret.md")
    write(root / "real" / "n.md")
    (root / "inside-link.md").symlink_to(root / "real" / "n.md")
    (root / "dir-link").symlink_to(root / "real")
    (root / "out-link.md").symlink_to(outside)
    (root / "out-dir").symlink_to(outside.parent)
    (root / "broken.md").symlink_to(root / "missing.md")
    (root / "loop1.md").symlink_to(root / "loop2.md")
    (root / "loop2.md").symlink_to(root / "loop1.md")
    (root / "real" / "up").symlink_to(root)  # a folder loop
    res = scan_notes(root)
    # One note reached three ways is read once, under its own path.
    assert rels(res) == ["real/n.md"]
    assert res.files[0].path == root / "real" / "n.md"
    assert skipped(res) == {
        "dir-link/n.md": "same file as 'real/n.md'",
        "inside-link.md": "same file as 'real/n.md'",
        "broken.md": "broken symlink",
        "dir-link/up": "symlink loop",
        "loop1.md": "symlink loop",
        "loop2.md": "symlink loop",
        "out-dir": "symlink points outside the notes folder",
        "out-link.md": "symlink points outside the notes folder",
        "real/up": "symlink loop",
    }
    # A link inside the root to a hidden or ignored place is still followed.
    write(root / ".attic" / "old.md")
    (root / "old.md").symlink_to(root / ".attic" / "old.md")
    assert "old.md" in rels(scan_notes(root))
    # A hard link is the same file too: the first name is kept.
    os.link(root / "real" / "n.md", root / "a-hard.md")
    res3 = scan_notes(root)
    assert "a-hard.md" in rels(res3) and "real/n.md" not in rels(res3)
    assert skipped(res3)["real/n.md"] == "same file as 'a-hard.md'"
    res2 = scan_notes(root, follow_symlinks_outside=True)
    # Followed outside, the two links to one outside file are still one note.
    assert "out-dir/secret.md" in rels(res2) and "out-link.md" not in rels(res2)
    assert skipped(res2)["out-link.md"] == "same file as 'out-dir/secret.md'"


def test_ignored_broken_links_are_not_reported(tmp_path):
    (tmp_path / "junk.md").symlink_to(tmp_path / "missing")
    (tmp_path / ".assistantignore").write_text("junk.md\n")
    assert scan_notes(tmp_path).skipped == []


def test_deleted_between_scan_and_read(tmp_path):
    p = write(tmp_path / "gone.md")
    q = write(tmp_path / "changed.md", "# old\n")
    res = scan_notes(tmp_path)
    assert rels(res) == ["changed.md", "gone.md"]
    p.unlink()
    q.write_text("# new\nbody\n")
    with pytest.raises(NoteReadError, match="file vanished"):
        read_note(res.files[1].path)
    assert read_note(res.files[0].path).text == "# new\nbody\n"  # read as it is now


def deny_listing(monkeypatch, folder) -> None:
    """`os.scandir(folder)` fails as on a folder made `chmod 000` (tests run as root)."""
    real_scandir = os.scandir

    def fake_scandir(path):
        if os.fspath(path) == os.fspath(folder):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", fake_scandir)


def test_unreadable_folder_and_fifo(tmp_path, monkeypatch):
    write(tmp_path / "ok.md")
    os.mkfifo(tmp_path / "pipe.md")
    locked = tmp_path / "locked"
    write(locked / "x.md")
    deny_listing(monkeypatch, locked)
    res = scan_notes(tmp_path)
    assert rels(res) == ["ok.md"]
    assert skipped(res) == {"locked": "permission denied", "pipe.md": "not a regular file"}


def test_a_notes_folder_that_cannot_be_listed_is_no_empty_one(tmp_path, monkeypatch):
    """`chmod 000` on the notes folder named by ASSISTANT_NOTES: the scan found no notes and
    the refresh removed all 31 from the index, exit 0. It is an error, and the index stays."""
    from corpus.scan import NotesMissing

    write(tmp_path / "ok.md")
    deny_listing(monkeypatch, tmp_path)
    with pytest.raises(NotesMissing, match=r"cannot be read: .* \(permission denied\)"):
        scan_notes(tmp_path)


def test_deep_folders_do_not_recurse(tmp_path):
    d = tmp_path
    for i in range(60):
        d = d / f"d{i}"
    write(d / "deep.md")
    res = scan_notes(tmp_path)
    assert len(res.files) == 1 and res.files[0].rel.endswith("d59/deep.md")


def test_undecodable_file_name_is_skipped_not_crashing(tmp_path):
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.md"), "wb") as fh:
        fh.write(b"# x\n")
    write(tmp_path / "ok.md")
    res = scan_notes(tmp_path)
    assert rels(res) == ["ok.md"]
    assert skipped(res) == {"caf\ufffd.md": "file name is not UTF-8"}
    res.model_dump_json()


def test_a_missing_notes_folder_is_not_called_a_broken_symlink(tmp_path):
    """A notes folder moved away while the chat watched it was reported "(broken symlink)"."""
    with pytest.raises(FileNotFoundError, match=r"\(no such file or folder\)"):
        scan_notes(tmp_path / "moved")
    (tmp_path / "link").symlink_to(tmp_path / "moved")
    with pytest.raises(FileNotFoundError, match=r"\(broken symlink\)"):
        scan_notes(tmp_path / "link")
