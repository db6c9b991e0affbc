"""Generate a messy notes folder with every issue-5 §1 case, index it, and show what happened.

    python bench/messy_folder.py OUT_DIR [--aws-docs] [--big-mb 20] [--fake] [--index DIR]
                                         [--json] [--keep]

OUT_DIR/notes receives the generated notes (OUT_DIR is wiped first unless --keep); the index
goes to OUT_DIR/index unless --index says otherwise. `assistant index` then runs on it (the real
CLI code, in this process, so two races can be staged exactly: a note deleted and another
rewritten between the scan and the read; and, when running as root, who can read any file, a
PermissionError on `secret.md`, which a normal user gets from its mode 000). Its warnings and
summary are printed, then `assistant index --check` and a per-case verdict.

--aws-docs also copies ../shared/corpora/aws-container-docs into OUT_DIR/notes/aws-docs (never
commit that corpus). --fake uses the deterministic fake embedder (fast; for the test) instead
of the bundled model. --json prints one JSON object instead of the tables.

Exit status: 0 if every case behaved as expected and the check is clean, 1 otherwise.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import json
import os
import random
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

AWS_DOCS = REPO.parent / "shared" / "corpora" / "aws-container-docs"

LATIN1_TEXT = "# Café notes\n\nLe café est très bon à Zürich.\nNaïve façade, Ä Ö Ü ß ¿¡ ±.\n"
UTF16_TEXT = "# UTF-16 notes\n\nΕλληνικά and русский text in UTF-16.\n\n## Second\nline two ✓\n"
UTF16BE_TEXT = "# Big endian\n\nUTF-16 big-endian without a byte order mark.\n"
BOM_TEXT = "# BOM notes\n\nThis file starts with a UTF-8 byte order mark.\n"
CRLF_TEXT = "# CRLF notes\n\nWindows line endings here.\n\n## Next\nsecond section\n"
CR_TEXT = "# CR notes\n\nClassic Mac line endings.\n\n## Next\nmore text\n"
FRONT_ONLY = "---\ntitle: Only front matter\ntags: [lonely]\n---\n"
FRONT_TEXT = (
    "---\ntitle: Quarterly Zebra Review\ntags: [zebrafinance, planning]\n---\n"
    "# Budget\n\nThe budget section body.\n"
)
DEEP_HEADINGS = "\n".join(f"{'#' * (i % 6 + 1)} Level {i}\ntext at depth {i}\n" for i in range(50))
DEEP_NESTING = (
    "# Deep nesting\n\n"
    + "\n".join("  " * i + f"- item {i}" for i in range(50))
    + "\n\n"
    + "\n".join("> " * (i + 1) + f"quote {i}" for i in range(50))
    + "\n"
)
ODD_NAMES = {
    "name with spaces.md": "# Spaces\n\nA file name with spaces.\n",
    "Réunion équipe 東京.md": "# Non-ASCII\n\nNon-ASCII letters in the file name.\n",
    "line\nbreak.md": "# Newline\n\nA newline inside the file name.\n",
}


def generate(notes: Path, big_mb: float = 20.0) -> dict:
    """Write the messy folder. Returns the expectations: {"indexed": {rel: logical text},
    "skipped": {rel: reason}, "silent": [rels left out without a warning], ...}."""
    notes.mkdir(parents=True, exist_ok=True)
    outside = notes.parent / "outside-the-notes"
    outside.mkdir(exist_ok=True)
    indexed: dict[str, str] = {}

    def put(rel: str, data: bytes, logical: str | None) -> None:
        p = notes / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        if logical is not None:
            indexed[rel] = logical

    # Indexed correctly, with exact line numbers.
    put("enc/latin1.md", LATIN1_TEXT.encode("latin-1"), LATIN1_TEXT)
    put("enc/utf16le-bom.md", b"\xff\xfe" + UTF16_TEXT.encode("utf-16-le"), UTF16_TEXT)
    put("enc/utf16be-no-bom.md", UTF16BE_TEXT.encode("utf-16-be"), UTF16BE_TEXT)
    put("enc/utf8-bom.md", b"\xef\xbb\xbf" + BOM_TEXT.encode(), BOM_TEXT)
    put("eol/crlf.md", CRLF_TEXT.replace("\n", "\r\n").encode(), CRLF_TEXT)
    put("eol/cr-only.md", CR_TEXT.replace("\n", "\r").encode(), CR_TEXT)
    put("empty.md", b"", "")
    put("front-matter-only.md", FRONT_ONLY.encode(), FRONT_ONLY)
    put("front-matter.md", FRONT_TEXT.encode(), FRONT_TEXT)
    put("deep/headings-50.md", DEEP_HEADINGS.encode(), DEEP_HEADINGS)
    put("deep/nesting-50.md", DEEP_NESTING.encode(), DEEP_NESTING)
    for name, text in ODD_NAMES.items():
        put(f"names/{name}", text.encode(), text)
    words = "container task cluster service fargate image registry subnet gateway volume "
    size = int(big_mb * 1024 * 1024)
    big = (words * (size // len(words) + 1))[:size].rstrip() + "\n"
    put("big/one-line-20mb.md", big.encode(), big)
    put("rewritten.md", b"# Before\n\nold text\n", None)  # rewritten between scan and read
    indexed["rewritten.md"] = REWRITTEN
    put("vanish.md", b"# Vanish\n\ndeleted between scan and read\n", None)

    # Skipped with a one-line warning.
    put("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, None)
    # Binary with no zero byte (random bytes, which Latin-1 decodes): too many control characters.
    noise = random.Random(7)
    put("binary-no-nul.md", bytes(noise.randrange(1, 256) for _ in range(400)), None)
    put("secret.md", b"# Secret\n\nunreadable\n", None)
    (notes / "secret.md").chmod(0)
    (notes / "loop-a.md").symlink_to("loop-b.md")
    (notes / "loop-b.md").symlink_to("loop-a.md")
    (notes / "deep" / "back-up").symlink_to("..", target_is_directory=True)
    (outside / "private.md").write_text("# Private\n\noutside the notes folder\n")
    (notes / "outside.md").symlink_to(outside / "private.md")
    (notes / "broken.md").symlink_to("does-not-exist.md")
    os.mkfifo(notes / "pipe.md")
    with open(os.path.join(os.fsencode(notes), b"caf\xe9-latin1-name.md"), "wb") as fh:
        fh.write(b"# x\n")
    # Inside-the-folder symlink to a note already read: skipped (the note is indexed once).
    (notes / "alias-of-crlf.md").symlink_to("eol/crlf.md")

    # Left out silently, by design.
    put(".hidden/secret-plans.md", b"# hidden\n", None)
    put("ignored/draft.md", b"# draft\n", None)
    put("image.png", b"\x89PNG\r\n", None)
    (notes / ".assistantignore").write_text("ignored/\n")

    skipped = {
        "alias-of-crlf.md": "same file as 'eol/crlf.md'",
        "binary.md": "binary file",
        "binary-no-nul.md": "binary file",
        "secret.md": "permission denied",
        "vanish.md": "file vanished",
        "loop-a.md": "symlink loop",
        "loop-b.md": "symlink loop",
        "deep/back-up": "symlink loop",
        "outside.md": "symlink points outside the notes folder",
        "broken.md": "broken symlink",
        "pipe.md": "not a regular file",
        "caf\ufffd-latin1-name.md": "file name is not UTF-8",
    }
    return {
        "indexed": indexed,
        "skipped": skipped,
        "silent": [".hidden/secret-plans.md", "ignored/draft.md", "image.png"],
        "no_chunks": ["empty.md", "front-matter-only.md"],
    }


REWRITTEN = "# After\n\nrewritten between the scan and the read\n"


def install_races(notes: Path, races: bool = True) -> Callable[[], None]:
    """Stage the races in this process; returns a function that undoes the patches.

    * with `races`, right after the scan: delete vanish.md and rewrite rewritten.md;
    * as root (who can read mode-000 files), opening secret.md raises PermissionError.
    """
    import index.sync as sync_mod

    real_scan = sync_mod.scan_notes
    real_open = builtins.open
    secret = os.fspath(notes / "secret.md")

    def scan_then_race(root, *a, **kw):
        res = real_scan(root, *a, **kw)
        for p in (notes / "vanish.md",):
            if p.exists():
                p.unlink()
        target = notes / "rewritten.md"
        if target.read_bytes() != REWRITTEN.encode():
            target.write_bytes(REWRITTEN.encode())
        return res

    def guarded_open(file, *a, **kw):
        if isinstance(file, str | os.PathLike) and os.fspath(file) == secret:
            raise PermissionError(13, "Permission denied", secret)
        return real_open(file, *a, **kw)

    if races:
        sync_mod.scan_notes = scan_then_race
    if os.geteuid() == 0:
        builtins.open = guarded_open

    def undo() -> None:
        sync_mod.scan_notes = real_scan
        builtins.open = real_open

    return undo


def run_cli(args: list[str], fake: bool) -> tuple[int, str, str]:
    """Run `assistant ARGS` (the real click command) in this process; (exit code, out, err)."""
    from click.testing import CliRunner

    from assistant.cli import cli

    obj = None
    if fake:  # the CLI's engine-factory seam: the test suite's fake embedder
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from fakes import fake_engine

        obj = {"engine_factory": fake_engine}
    r = CliRunner().invoke(cli, args, catch_exceptions=True, obj=obj)
    err = r.stderr
    if r.exception and not isinstance(r.exception, SystemExit):
        import traceback

        err += "".join(traceback.format_exception(r.exception))
    return r.exit_code, r.stdout, err


def verify(notes: Path, index_dir: Path, expected: dict, stderr: str) -> dict[str, str]:
    """Per-case verdicts: "ok" or what went wrong."""
    from corpus.read import read_note, split_lines
    from index.store import Store

    verdicts: dict[str, str] = {}
    store = Store.open(index_dir, create=False)
    try:
        rows = store.file_rows()
        skipped_rows = store.skipped_rows()
        for rel, logical in expected["indexed"].items():
            if rel not in rows or rel in skipped_rows:
                verdicts[rel] = "not indexed"
                continue
            lines = split_lines(logical)
            chunks = store.chunks_for_path(rel)
            bad = []
            for c in chunks:
                want = "\n".join(lines[c.start_line - 1 : c.end_line])
                if c.start_line == c.end_line and c.text != want and c.text in want:
                    continue  # a window of an over-long line: a substring of that line
                if c.text != want:
                    bad.append(f"{c.start_line}-{c.end_line}")
            if split_lines(read_note(notes / rel).text) != lines:
                bad.append("decoded lines differ from the text written")
            if rel in expected["no_chunks"] and chunks:
                bad.append(f"{len(chunks)} chunks, expected none")
            if rel not in expected["no_chunks"] and not chunks:
                bad.append("no chunks")
            if any("---" in c.text.split("\n")[0] for c in chunks):
                bad.append("front matter quoted")
            verdicts[rel] = "ok" if not bad else "wrong spans/text: " + ", ".join(bad[:5])
        warned = {}
        for line in stderr.splitlines():
            if line.startswith("assistant: warning: skipped "):
                body = line[len("assistant: warning: skipped ") :]
                path_repr, _, reason = body.rpartition(": ")
                warned[path_repr] = reason
        for rel, reason in expected["skipped"].items():
            from assistant.output import safe

            got = warned.get(repr(safe(rel)))
            verdicts[rel] = "ok" if got == reason else f"warning {got!r}, expected {reason!r}"
        for rel in expected["silent"]:
            noisy = any(repr(rel) in ln for ln in stderr.splitlines())
            verdicts[rel] = "ok" if rel not in rows and not noisy else "not left out silently"
        # Front matter: title and tags searchable, the body quotable.
        hits = store.lexical_search('"zebrafinance"', 5)
        ids = [h[0] for h in hits]
        paths = {c.path for c in store.chunks(ids).values()}
        verdicts["front matter tags searchable"] = (
            "ok" if "front-matter.md" in paths else "tag not found"
        )
    finally:
        store.close()
    return verdicts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--aws-docs", action="store_true", help="also copy the AWS docs corpus in")
    ap.add_argument("--big-mb", type=float, default=20.0, help="size of the one-line file")
    ap.add_argument("--fake", action="store_true", help="fake embedder (fast, for tests)")
    ap.add_argument("--index", type=Path, default=None)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true", help="do not wipe OUT first")
    args = ap.parse_args(argv)

    out: Path = args.out.resolve()
    if out.exists() and not args.keep:
        for p in out.rglob("*"):  # mode-000 files would stop rmtree for non-root users
            if not p.is_symlink():
                with contextlib.suppress(OSError):
                    p.chmod(0o700)
        shutil.rmtree(out)
    notes = out / "notes"
    index_dir = (args.index or out / "index").resolve()
    expected = generate(notes, args.big_mb)
    if args.aws_docs:
        if not AWS_DOCS.is_dir():
            print(f"no AWS docs corpus at {AWS_DOCS}", file=sys.stderr)
            return 2
        shutil.copytree(AWS_DOCS, notes / "aws-docs")

    base = ["--notes", str(notes), "--index", str(index_dir)]
    undo = install_races(notes)
    try:
        code, stdout, stderr = run_cli(["index", *base], args.fake)
    finally:
        undo()
    undo = install_races(notes, races=False)  # secret.md stays unreadable for the check
    try:
        check_code, check_out, check_err = run_cli(["index", "--check", *base], args.fake)
    finally:
        undo()
    verdicts = verify(notes, index_dir, expected, stderr) if code == 0 else {}
    ok = code == 0 and check_code == 0 and all(v == "ok" for v in verdicts.values())
    ok = ok and "Traceback" not in stderr + check_err
    result = {
        "ok": ok,
        "index": {"exit": code, "stdout": stdout, "stderr": stderr},
        "check": {"exit": check_code, "stdout": check_out, "stderr": check_err},
        "verdicts": verdicts,
        "notes": str(notes),
        "index_dir": str(index_dir),
        "as_root": os.geteuid() == 0,
    }
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(f"== assistant index --notes {notes}  (exit {code})")
        print(stderr.rstrip())
        print(stdout.rstrip())
        print(f"\n== assistant index --check  (exit {check_code})")
        print((check_out + check_err).rstrip())
        print("\n== cases")
        width = max((len(repr(k)) for k in verdicts), default=10)
        for case, verdict in verdicts.items():
            print(f"  {case!r:<{width}}  {verdict}")
        if os.geteuid() == 0:
            print("\n(running as root: secret.md's PermissionError is staged, root reads mode 000)")
        print("\nALL OK" if ok else "\nPROBLEMS FOUND")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
