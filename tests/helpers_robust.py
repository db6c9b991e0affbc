"""Shared helpers for the robustness tests: generated notes folders, index snapshots, CLI runs."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np

from index.store import DB_NAME, Store, faiss_ids, read_manifest

ROOT = Path(__file__).resolve().parent.parent
HELPER = Path(__file__).resolve().parent / "helpers_index_run.py"

WORDS = (
    "cluster task service container image registry subnet gateway volume secret policy role "
    "scaling capacity provider instance node pod deployment rollout health probe metric alarm "
    "queue topic stream bucket object lifecycle replica shard index query cache latency budget "
    "region zone endpoint route balancer listener target certificate domain record backup "
    "snapshot restore migration schema version release branch commit review pipeline artifact"
).split()


def write(p: Path, text: str | bytes) -> None:
    """Write a note and make sure its mtime moves even on coarse-grained file systems."""
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        p.write_text(text, encoding="utf-8")
    else:
        p.write_bytes(text)
    st = p.stat()
    bump = getattr(write, "_bump", 0) + 1_000_000
    write._bump = bump  # type: ignore[attr-defined]
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + bump))


def sentence(rng: random.Random, n: int | None = None) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n or rng.randint(5, 14))).capitalize() + "."


def note_text(rng: random.Random, title: str) -> str:
    parts = []
    if rng.random() < 0.2:
        parts.append(
            f"---\ntitle: {title}\ntags: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]\n---\n"
        )
    parts.append(f"# {title}\n\n{sentence(rng)}\n")
    for s in range(rng.randint(2, 7)):
        head = " ".join(rng.choice(WORDS) for _ in range(2)).title()
        body = "\n".join(
            f"- {sentence(rng)}" if rng.random() < 0.15 else sentence(rng)
            for _ in range(rng.randint(1, 5))
        )
        level = "##" if rng.random() < 0.7 else "###"
        parts.append(f"\n{level} {head} {s}\n\n{body}\n")
    return "".join(parts)


def make_folder(root: Path, rng: random.Random, n: int) -> list[str]:
    rels = []
    for i in range(n):
        rel = f"d{i % 7}/sub{i % 3}/note-{i:04d}.md" if i % 5 else f"top-{i:04d}.md"
        write(root / rel, note_text(rng, f"Note {i}"))
        rels.append(rel)
    return rels


def mutate(root: Path, rng: random.Random, frac: float) -> dict[str, int]:
    """Add, change, delete and rename notes: about `frac` of the folder changes."""
    files = sorted(p for p in root.rglob("*.md"))
    n = max(1, int(len(files) * frac))
    rng.shuffle(files)
    stats = {"changed": 0, "deleted": 0, "renamed": 0, "added": 0}
    to_change, rest = files[:n], files[n:]
    for p in to_change:
        text = p.read_text(encoding="utf-8")
        lines = text.split("\n")
        k = rng.randrange(len(lines))
        lines.insert(k, sentence(rng))
        write(p, "\n".join(lines))
        stats["changed"] += 1
    for p in rest[: max(1, n // 4)]:
        p.unlink()
        stats["deleted"] += 1
    for p in rest[max(1, n // 4) : max(2, n // 2)]:
        if p.exists():
            p.rename(p.with_name("moved-" + p.name))
            stats["renamed"] += 1
    for _ in range(max(1, n // 3)):
        i = rng.randrange(10_000, 99_999)
        write(root / f"new/n{i}.md", note_text(rng, f"New {i}"))
        stats["added"] += 1
    return stats


def snapshot(index_dir: Path) -> dict:
    """Everything that makes an index 'the same': chunks (path, ord, span, hashes, vector),
    files and skip reasons, plus internal consistency facts."""
    store = Store.open(index_dir, create=False)
    try:
        rows = store.conn.execute(
            "SELECT id, path, ord, heading_path, start_line, end_line, content_hash, text, vec "
            "FROM chunks ORDER BY path, ord"
        ).fetchall()
        files = store.conn.execute(
            "SELECT path, content_hash, skip_reason FROM files ORDER BY path"
        ).fetchall()
        gen = store.generation
        index = store.vector_index()
        fid = faiss_ids(index)
        problem = store.vector_problem
    finally:
        store.close()
    chunks = {}
    for cid, path, ord_, hp, s, e, h, text, vec in rows:
        key = (path, ord_)
        assert key not in chunks, f"duplicate chunk {key}"
        chunks[key] = {
            "id": cid,
            "heading_path": hp,
            "span": (s, e),
            "hash": h,
            "text": text,
            "vec": np.frombuffer(vec, dtype=np.float32),
        }
    return {
        "chunks": chunks,
        "files": files,
        "generation": gen,
        "faiss_ids": sorted(int(i) for i in fid),
        "faiss_problem": problem,
        "manifest": read_manifest(index_dir),
    }


def assert_same_index(got_dir: Path, clean_dir: Path) -> None:
    """`got_dir` equals the clean build `clean_dir` chunk for chunk, and is self-consistent."""
    got, clean = snapshot(got_dir), snapshot(clean_dir)
    assert got["files"] == clean["files"], "files (paths, hashes, skip reasons) differ"
    assert set(got["chunks"]) == set(clean["chunks"]), "chunk sets differ"
    for key, c in clean["chunks"].items():
        g = got["chunks"][key]
        for field in ("heading_path", "span", "hash", "text"):
            assert g[field] == c[field], f"{key}: {field} differs"
        cos = float(
            np.dot(g["vec"], c["vec"]) / (np.linalg.norm(g["vec"]) * np.linalg.norm(c["vec"]))
        )
        assert cos >= 0.999, f"{key}: vector cosine {cos}"
    ids = sorted(c["id"] for c in got["chunks"].values())
    assert got["faiss_ids"] == ids, "FAISS ids != chunk ids (orphan or missing vectors)"
    assert got["faiss_problem"] is None, got["faiss_problem"]
    m = got["manifest"]
    assert m is not None and m.generation == got["generation"], "manifest generation mismatch"
    vec_files = sorted(p.name for p in got_dir.glob("vectors-*.faiss"))
    assert vec_files == [f"vectors-{got['generation']}.faiss"], vec_files
    leftovers = [p.name for p in got_dir.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers, f"temp files left: {leftovers}"
    assert (got_dir / DB_NAME).exists()


def run_cli(
    *args: str,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 300,
    python_args: tuple[str, ...] = (),
) -> subprocess.CompletedProcess:
    """Run the real `assistant` entry point in a subprocess (plain text output)."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    if python_args:
        cmd = [sys.executable, *python_args, "-c", "from assistant.cli import main; main()", *args]
    else:
        cmd = [str(Path(sys.executable).parent / "assistant"), *args]
    return subprocess.run(
        cmd, capture_output=True, text=True, input=input, env=full_env, timeout=timeout
    )


FAKE_CLI = str(Path(__file__).resolve().parent / "fake_cli.py")
"""The real CLI program with the fast FakeEmbedder as its engine factory (a script under tests/)."""


def run_fake_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120):
    """Run FAKE_CLI with `args` in a subprocess."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, FAKE_CLI, *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=ROOT,
    )


def popen_fake_cli(*args: str) -> subprocess.Popen:
    """Start FAKE_CLI with `args` in the background (stdout and stderr piped, text)."""
    return subprocess.Popen(
        [sys.executable, FAKE_CLI, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
    )


def load_json(text: str) -> dict:
    return json.loads(text)
