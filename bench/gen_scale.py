"""Generate a large notes folder from the AWS docs, deterministically (issue 6 target 3).

The folder has `--chunks` sections (default 100,000) spread over many files (default 50 small
`## ` sections per file, 100 files per sub-folder). Every section is one chunk for the product's
chunker (well under the model's 256 word pieces) and every chunk's text is distinct:

    ## <a heading from the docs> (<n>)
    <paragraph a from the docs, at most --words words>
    <paragraph b from the docs, at most --words words>
    Scale note <n>: <words naming n>.

where a and b are chosen by fixed arithmetic on n, and the last sentence makes the text unique
even when a paragraph pair repeats. No randomness: the same corpus and arguments give the same
bytes (the printed digest lets you check). The output is data, never committed (bench/out/ is
git-ignored).

    python bench/gen_scale.py                      # bench/out/scale-100000/notes
    python bench/gen_scale.py --chunks 10000 --verify
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common

GEN_VERSION = 2
_FENCE = re.compile(r"^\s*(```|~~~)")
_SKIP_START = ("|", "<", ">", "!", "[", "{", "#", "    ", "\t", "---", "===", "*", "-", "+")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_URL = re.compile(r"https?://\S+")
_WORDS = ("zero one two three four five six seven eight nine").split()


def extract(corpus: Path) -> tuple[list[str], list[str]]:
    """(headings, paragraphs) of the docs, in file order, whitespace-normalised, deduplicated."""
    headings: dict[str, None] = {}
    paras: dict[str, None] = {}
    for path in common.note_files(corpus):
        text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        in_fence = False
        block: list[str] = []

        def flush(block: list[str] = block) -> None:
            if block:
                p = " ".join(x.strip() for x in block)
                p = _URL.sub("", _TAG.sub("", _LINK.sub(r"\1", p)))  # links cost many tokens
                p = re.sub(r"\s+", " ", p).strip()
                if len(p.split()) >= 8 and not p.startswith(_SKIP_START):
                    paras.setdefault(p, None)
                block.clear()

        for line in text.split("\n"):
            if _FENCE.match(line):
                flush()
                in_fence = not in_fence
                continue
            if in_fence:
                continue
            m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
            if m:
                flush()
                h = re.sub(r"\s+", " ", _TAG.sub("", m.group(1))).strip()
                if 2 <= len(h) <= 80 and "(" not in h:
                    headings.setdefault(h, None)
                continue
            if not line.strip():
                flush()
                continue
            block.append(line)
        flush()
    return list(headings), list(paras)


def cap_words(text: str, n: int) -> str:
    words = text.split()
    out = " ".join(words[:n])
    return out if len(words) <= n else out.rstrip(",;:") + " ..."


def spell(n: int) -> str:
    return " ".join(_WORDS[int(d)] for d in str(n))


def section(n: int, headings: list[str], paras: list[str], words: int) -> str:
    P = len(paras)
    a = (n * 7919 + 11) % P
    b = (n * 104729 + 5 + n // P) % P
    if b == a:
        b = (b + 1) % P
    head = headings[(n * 31 + 7) % len(headings)]
    return (
        f"## {head} ({n})\n\n"
        f"{cap_words(paras[a], words)}\n"
        f"{cap_words(paras[b], words)}\n"
        f"Scale note {n}: {spell(n)}.\n"
    )


def generate(
    out: Path,
    chunks: int,
    corpus: Path = common.DEFAULT_CORPUS,
    per_file: int = 50,
    per_dir: int = 100,
    words: int = 30,
    force: bool = False,
) -> dict:
    """Write the notes folder `out` (replacing it) unless an identical one is already there."""
    out = Path(out)
    stamp = out.parent / f"{out.name}.gen.json"
    params = {
        "version": GEN_VERSION,
        "chunks": chunks,
        "corpus": corpus.name,
        "per_file": per_file,
        "per_dir": per_dir,
        "words": words,
    }
    if not force and stamp.is_file() and out.is_dir():
        old = json.loads(stamp.read_text())
        if old.get("params") == params:
            common.log(f"{out} already generated ({old['files']} files, digest {old['digest']})")
            return old
    if not corpus.is_dir():
        raise SystemExit(f"corpus {corpus} not found (pass --corpus DIR)")
    t0 = time.perf_counter()
    headings, paras = extract(corpus)
    common.log(f"{len(headings)} headings, {len(paras)} paragraphs from {corpus}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    digest = hashlib.sha256()
    n_files = (chunks + per_file - 1) // per_file
    n = 0
    for f in range(n_files):
        rel = Path(f"part-{f // per_dir:03d}") / f"note-{f:05d}.md"
        body = []
        for _ in range(min(per_file, chunks - n)):
            body.append(section(n, headings, paras, words))
            n += 1
        data = "\n".join(body).encode("utf-8")
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
        digest.update(rel.as_posix().encode() + b"\0" + data)
    info = {
        "params": params,
        "files": n_files,
        "sections": n,
        "bytes": common.dir_bytes(out),
        "digest": digest.hexdigest()[:16],
        "seconds": round(time.perf_counter() - t0, 1),
    }
    stamp.write_text(json.dumps(info, indent=2) + "\n")
    return info


def verify(out: Path) -> tuple[int, int]:
    """(chunks, distinct embed texts) by the product's chunker with the model's tokenizer."""
    from corpus.markdown import chunk_note
    from corpus.read import read_note
    from index.embed import bundled_model_path, load_counting_tokenizer

    tok = load_counting_tokenizer(bundled_model_path())

    def count(text: str) -> int:
        return len(tok.encode(text, add_special_tokens=False).ids)

    n, texts = 0, set()
    for p in common.note_files(out):
        rel = p.relative_to(out).as_posix()
        for c in chunk_note(rel, read_note(p).text, count, 256).chunks:
            n += 1
            texts.add(c.embed_text())
    return n, len(texts)


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--chunks", type=int, default=100_000)
    p.add_argument("--corpus", type=Path, default=common.DEFAULT_CORPUS)
    p.add_argument("--out", type=Path, default=None, help="default: bench/out/scale-<N>/notes")
    p.add_argument("--per-file", type=int, default=50, help="sections per file")
    p.add_argument("--words", type=int, default=30, help="words kept per paragraph")
    p.add_argument("--force", action="store_true", help="regenerate even if up to date")
    p.add_argument("--verify", action="store_true", help="chunk it with the product's chunker")
    a = p.parse_args()
    out = a.out or common.OUT / f"scale-{a.chunks}" / "notes"
    info = generate(out, a.chunks, a.corpus, a.per_file, words=a.words, force=a.force)
    print(
        f"{out}: {info['files']} files, {info['sections']} sections, "
        f"{common.human_bytes(info['bytes'])}, digest {info['digest']}"
    )
    if a.verify:
        n, distinct = verify(out)
        ok = n == info["sections"] and distinct == n
        verdict = "OK" if ok else "MISMATCH"
        print(f"product chunker: {n} chunks, {distinct} distinct texts -> {verdict}")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
