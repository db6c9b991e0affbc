"""Embedders with the real bundled model: ONNX query vectors, bf16 index vectors, lazy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from corpus import BUNDLED_NOTES
from index.cpu import has_native_bf16
from index.embed import SentenceTransformerEmbedder, bundled_model_path, model_id_for
from index.onnx_embed import (
    NOT_EXPORTED_NOTICE,
    OnnxEmbedder,
    ensure_onnx_export,
    export_complete,
    load_index_embedder,
    load_query_embedder,
    onnx_cache_dir,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parent.parent
EVAL_DATA = ROOT / "assistant" / "eval" / "data"

# Used when the eval harness's question files are absent.
FALLBACK_QUESTIONS = [
    "Which load balancer is preferred for ECS?",
    "Can S3 be mounted as a file system for ECS tasks?",
    "How does ECS compare with EKS for running containers?",
    "What is the difference between the EC2 and Fargate launch types?",
    "How do capacity providers scale an ECS cluster?",
    "What is a task definition?",
    "fargte pricing",
    "What is a Kubernetes DaemonSet?",
]


def eval_questions() -> list[str]:
    """Every question of the eval harness (gold and calibration sets), or a fallback list."""
    questions: list[str] = []
    for name in ("gold.jsonl", "calibration.jsonl"):
        f = EVAL_DATA / name
        if f.is_file():
            for line in f.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    q = json.loads(line).get("question")
                    if q:
                        questions.append(q)
    return questions or FALLBACK_QUESTIONS


def note_chunks(limit: int = 50) -> list[str]:
    """Chunk-like texts from the bundled notes: each section, each top-level list item with its
    children under its heading, then 3-line windows; the first `limit` distinct ones."""
    lines = (BUNDLED_NOTES / "aws-containers.md").read_text(encoding="utf-8").splitlines()
    sections: list[list[str]] = []
    for line in lines:
        if line.startswith("#") or not sections:
            sections.append([])
        if line.strip():
            sections[-1].append(line)
    texts = ["\n".join(sec) for sec in sections if sec]
    windows: list[str] = []
    for sec in sections:
        head = sec[0].lstrip("# ") if sec and sec[0].startswith("#") else ""
        body = sec[1:] if head else sec
        items: list[list[str]] = []
        for line in body:
            if line.startswith("- ") or not items:
                items.append([line])
            else:
                items[-1].append(line)
        texts += [f"{head}\n" + "\n".join(item) for item in items]
        windows += [f"{head}\n" + "\n".join(body[i : i + 3]) for i in range(0, len(body), 2)]
    return list(dict.fromkeys(texts + windows))[:limit]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1)


@pytest.fixture(scope="session")
def st_fp32() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(precision="fp32")


@pytest.fixture(scope="session")
def models_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models")
    assert ensure_onnx_export(None, root) is not None
    return root


@pytest.fixture(scope="session")
def export_dir(models_root: Path) -> Path:
    return onnx_cache_dir(models_root, bundled_model_path())


@pytest.fixture(scope="session")
def onnx_embedder(export_dir: Path) -> OnnxEmbedder:
    return OnnxEmbedder(export_dir)


# ---------------------------------------------------------------- ONNX query embedder


def test_export_layout(export_dir: Path) -> None:
    assert export_complete(export_dir)
    names = {p.name for p in export_dir.iterdir()}
    assert {"model.onnx", "model.onnx.data", "tokenizer.json", "embedder.json"} <= names
    assert not [n for n in names if n.startswith(".") or n.endswith(".tmp")]
    meta = json.loads((export_dir / "embedder.json").read_text())
    assert meta["pooling"] == "mean" and meta["dim"] == 384 and meta["max_seq_length"] == 256
    assert meta["graph"] == "weights"  # written from the safetensors, not by torch's exporter
    assert not [p for p in export_dir.parent.iterdir() if p.name.endswith(".tmp")]


def test_onnx_matches_sentence_transformers_on_every_eval_question(
    onnx_embedder: OnnxEmbedder, st_fp32: SentenceTransformerEmbedder
) -> None:
    questions = eval_questions()
    assert len(questions) >= 8
    one_by_one = np.concatenate([onnx_embedder.embed([q]) for q in questions])
    batched = onnx_embedder.embed(questions)
    reference = st_fp32.embed(questions)
    worst = cosines(one_by_one, reference)
    assert worst.min() >= 0.9999, questions[int(worst.argmin())]
    assert cosines(batched, reference).min() >= 0.9999


def test_onnx_matches_on_long_note_chunks(
    onnx_embedder: OnnxEmbedder, st_fp32: SentenceTransformerEmbedder
) -> None:
    texts = note_chunks()
    texts.append(" ".join(texts))  # far past 256 word pieces: both truncate the same way
    assert cosines(onnx_embedder.embed(texts), st_fp32.embed(texts)).min() >= 0.9999


def test_onnx_embedder_speaks_the_same_protocol(
    onnx_embedder: OnnxEmbedder, st_fp32: SentenceTransformerEmbedder
) -> None:
    assert onnx_embedder.model_id == st_fp32.model_id == model_id_for(bundled_model_path())
    assert onnx_embedder.dim == st_fp32.dim == 384
    assert onnx_embedder.max_tokens == st_fp32.max_tokens == 256
    assert onnx_embedder.precision == "fp32"
    v = onnx_embedder.embed(["What is Fargate?"])
    assert v.dtype == np.float32 and v.shape == (1, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert onnx_embedder.embed([]).shape == (0, 384)
    for text in [*note_chunks(10), "", "ECS – Fargate (unclosed", " ".join(note_chunks())]:
        assert onnx_embedder.count_tokens(text) == st_fp32.count_tokens(text)
    assert st_fp32.count_tokens(" ".join(note_chunks())) > 256  # counted, not truncated
    assert st_fp32.count_tokens("") == 0


def test_load_query_embedder_prefers_the_export(models_root: Path, tmp_path: Path) -> None:
    emb, notice = load_query_embedder(None, models_root)
    assert isinstance(emb, OnnxEmbedder) and notice is None

    emb, notice = load_query_embedder(None, tmp_path / "empty")
    assert isinstance(emb, SentenceTransformerEmbedder)
    assert notice == NOT_EXPORTED_NOTICE


def test_ensure_export_is_a_cheap_no_op_when_present(models_root: Path, export_dir: Path) -> None:
    stamp = (export_dir / "model.onnx.data").stat().st_mtime_ns
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from index.onnx_embed import ensure_onnx_export
        print(ensure_onnx_export(None, Path({str(models_root)!r})))
        assert "torch" not in sys.modules
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    assert out.stdout.strip() == str(export_dir)
    assert (export_dir / "model.onnx.data").stat().st_mtime_ns == stamp


def test_query_path_never_imports_the_model_stack(export_dir: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from index.onnx_embed import load_query_embedder
        emb, notice = load_query_embedder(None, Path({str(export_dir.parent.parent)!r}))
        assert notice is None, notice
        v = emb.embed(["Which load balancer is preferred for ECS?"])
        assert v.shape == (1, 384)
        emb.count_tokens("Fargate tasks")
        heavy = ("torch", "transformers", "sentence_transformers")
        loaded = [m for m in heavy if m in sys.modules]
        assert not loaded, loaded
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=env, timeout=120)


def test_export_needs_no_torch(tmp_path: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from index.onnx_embed import ensure_onnx_export
        assert ensure_onnx_export(None, Path({str(tmp_path)!r})) is not None
        heavy = ("torch", "transformers", "sentence_transformers")
        loaded = [m for m in heavy if m in sys.modules]
        assert not loaded, loaded
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=env, timeout=120)


def test_torch_exporter_still_serves_models_the_graph_does_not_write(
    tmp_path: Path, onnx_embedder: OnnxEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    import index.onnx_graph

    monkeypatch.setattr(index.onnx_graph, "write_bert", lambda *a, **k: None)
    directory = ensure_onnx_export(None, tmp_path)
    assert directory is not None
    assert json.loads((directory / "embedder.json").read_text())["graph"] == "torch.onnx"
    texts = note_chunks(20)
    assert cosines(OnnxEmbedder(directory).embed(texts), onnx_embedder.embed(texts)).min() >= 0.9999


# ---------------------------------------------------------------- index embedder


def test_an_index_embedder_runs_batches_side_by_side_with_the_same_vectors(
    export_dir: Path,
) -> None:
    """Indexing embeds a batch per core at once, each on one thread: the vectors (sections
    and pooled lines) are those of one batch at a time to the bit, and progress still counts
    up in order to the total."""
    texts = [f"Line {i}: " + "word " * (i % 37) for i in range(400)]  # many batches
    seen: list[int] = []
    two = OnnxEmbedder(export_dir, num_threads=2, index=True)
    one = OnnxEmbedder(export_dir, num_threads=1, index=True)
    assert (two._workers, one._workers) == (2, 1)
    vecs = two.embed(texts, progress=lambda done, total: seen.append(done))
    assert np.array_equal(vecs, one.embed(texts))
    assert len(seen) > 2 and seen == sorted(seen) and seen[-1] == len(texts)
    spans = [[(0, len(t))] for t in texts]
    secs, lines = two.embed_with_lines(texts, spans)
    secs1, lines1 = one.embed_with_lines(texts, spans)
    assert np.array_equal(secs, secs1)
    assert all(np.array_equal(a, b) for a, b in zip(lines, lines1, strict=True))


def test_fp32_index_embedder_is_onnx_bf16_is_sentence_transformers(models_root: Path) -> None:
    fp32 = load_index_embedder(None, "fp32", models_root)
    assert isinstance(fp32, OnnxEmbedder) and fp32.precision == "fp32"
    assert isinstance(load_index_embedder(None, "bf16", models_root), SentenceTransformerEmbedder)
    assert isinstance(load_index_embedder(None, "fp32"), SentenceTransformerEmbedder)  # no root


def test_onnx_index_embedder_matches_sentence_transformers_sections_and_lines(
    models_root: Path, st_fp32: SentenceTransformerEmbedder
) -> None:
    """Section vectors and pooled line vectors as sentence-transformers gives them (cosine
    ≥ 0.9999), sections from the pooled pass exactly as `embed` gives them."""
    from corpus.markdown import chunk_note

    emb = load_index_embedder(None, "fp32", models_root)
    text = (BUNDLED_NOTES / "aws-containers.md").read_text(encoding="utf-8")
    chunks = chunk_note("n.md", text, emb.count_tokens, emb.max_tokens - 2).chunks
    texts = [c.embed_text() for c in chunks] + [" ".join(note_chunks())]  # one past 256 tokens
    spans = [c.body_line_spans() for c in chunks] + [[(0, 40), (10**6, 10**6 + 5)]]
    seen: list[tuple[int, int]] = []
    secs, lines = emb.embed_with_lines(texts, spans, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (len(texts), len(texts))
    assert np.array_equal(secs, emb.embed(texts))
    ref_secs, ref_lines = st_fp32.embed_with_lines(texts, spans)
    assert cosines(secs, ref_secs).min() >= 0.9999
    for mine, ref in zip(lines, ref_lines, strict=True):
        assert mine.shape == ref.shape
        assert cosines(mine, ref).min() >= 0.9999
    assert np.allclose(lines[-1][1], secs[-1], atol=1e-6)  # a span past the limit: the section


def test_an_fp32_index_build_never_imports_torch(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text((BUNDLED_NOTES / "aws-containers.md").read_text("utf-8"), "utf-8")
    code = textwrap.dedent(
        f"""
        import sys
        from assistant.engine import Engine
        from assistant.settings import load_settings
        engine = Engine(load_settings(notes={str(notes)!r}, index={str(tmp_path / "idx")!r}))
        engine.refresh()
        assert engine.ask("Which load balancer is preferred for ECS?").citations
        engine.close()
        heavy = ("torch", "transformers", "sentence_transformers")
        loaded = [m for m in heavy if m in sys.modules]
        assert not loaded, loaded
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_HOME": str(tmp_path / "home")}
    env["ASSISTANT_PRECISION"] = "fp32"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=env, timeout=300)


def test_a_bf16_refresh_loads_the_model_only_to_embed(tmp_path: Path) -> None:
    """A no-op `assistant index` took 6.7 s on a CPU with native bf16, 0.1 s of it indexing:
    the rest was importing torch to embed nothing. A bf16 refresh loads the model when it
    first embeds: an unchanged folder and a renamed note cost no torch; an edit loads it, and
    the token counts it chunked by are the loaded model's own."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.md").write_text((BUNDLED_NOTES / "aws-containers.md").read_text("utf-8"), "utf-8")
    (notes / "b.md").write_text("# Tea\n\nGreen tea steeps at 80 degrees.\n", "utf-8")
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from assistant.engine import Engine
        from assistant.settings import load_settings
        notes = Path({str(notes)!r})
        engine = Engine(load_settings(notes=notes, index={str(tmp_path / "idx")!r}))
        if sys.argv[1] == "build":
            assert engine.refresh().chunks_embedded > 10
        else:
            seen = []
            report = engine.refresh(progress=lambda stage, d, t: seen.append(stage))
            assert report.chunks_embedded == 0 and "model" not in seen, (report, seen)
            (notes / "b.md").rename(notes / "c.md")
            assert engine.refresh().chunks_embedded == 0
            assert "torch" not in sys.modules
            (notes / "c.md").write_text("# Tea\\n\\nGreen tea steeps at 75 degrees.\\n")
            report = engine.refresh(progress=lambda stage, d, t: seen.append(stage))
            assert report.chunks_embedded == 1 and "model" in seen, (report, seen)
            assert "torch" in sys.modules
        emb = engine.index_embedder()
        text = (notes / "a.md").read_text()
        counted = emb.count_tokens(text)
        assert counted == emb.model().count_tokens(text) > 256, counted
        engine.close()
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_HOME": str(tmp_path / "home")}
    env["ASSISTANT_PRECISION"] = "bf16"
    for phase in ("build", "idle"):
        subprocess.run(
            [sys.executable, "-c", code, phase], cwd=ROOT, check=True, env=env, timeout=300
        )


def test_embed_restores_order_and_reports_progress(st_fp32: SentenceTransformerEmbedder) -> None:
    texts = note_chunks(40)
    texts = texts[::2] + texts[1::2]  # lengths in no particular order
    seen: list[tuple[int, int]] = []
    batched = st_fp32.embed(texts, progress=lambda d, t: seen.append((d, t)))
    single = np.concatenate([st_fp32.embed([t]) for t in texts[:8]])
    assert cosines(batched[:8], single).min() >= 0.9999
    assert batched.dtype == np.float32
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    assert len(seen) >= 2  # one call per batch; 40 chunks do not fit one 2048-token batch
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (len(texts), len(texts))
    assert st_fp32.embed([]).shape == (0, st_fp32.dim)


def test_bf16_index_embeddings_match_fp32(st_fp32: SentenceTransformerEmbedder) -> None:
    auto = SentenceTransformerEmbedder(precision="auto")
    if not has_native_bf16():
        assert auto.precision == "fp32"
        pytest.skip("this CPU has no AVX-512 BF16 / AMX-BF16; auto precision fell back to fp32")
    assert auto.precision == "bf16"
    texts = note_chunks(50)
    assert len(texts) == 50
    worst = cosines(auto.embed(texts), st_fp32.embed(texts))
    assert worst.min() >= 0.999, texts[int(worst.argmin())]
    assert auto.model_id == st_fp32.model_id


def test_explicit_bf16_still_gives_close_vectors(st_fp32: SentenceTransformerEmbedder) -> None:
    """Asked for explicitly, bf16 works on any CPU (emulated, slowly, where not native)."""
    bf16 = SentenceTransformerEmbedder(precision="bf16")
    assert bf16.precision == "bf16"
    texts = note_chunks(8)
    v = bf16.embed(texts)
    assert v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert cosines(v, st_fp32.embed(texts)).min() >= 0.999


def test_pooled_line_vectors_leave_section_vectors_exactly_as_embed_gives_them(
    st_fp32: SentenceTransformerEmbedder,
) -> None:
    """One pass gives the section vectors `embed` gives (bit for bit, fp32) and unit line
    vectors, most of them closer to their own line embedded alone than to the section's other
    lines (contextual vectors blur a section's lines together: docs/evaluating.md)."""
    from corpus.markdown import chunk_note

    text = (BUNDLED_NOTES / "aws-containers.md").read_text(encoding="utf-8")
    chunks = chunk_note("n.md", text, st_fp32.count_tokens, st_fp32.max_tokens - 2).chunks[:6]
    texts = [c.embed_text() for c in chunks]
    secs, lines = st_fp32.embed_with_lines(texts, [c.body_line_spans() for c in chunks])
    assert np.array_equal(secs, st_fp32.embed(texts))
    own: list[bool] = []
    for c, mat in zip(chunks, lines, strict=True):
        assert mat.shape == (len(c.body_lines()), st_fp32.dim)
        assert np.allclose(np.linalg.norm(mat, axis=1), 1.0, atol=1e-5)
        alone = st_fp32.embed([t for _, t in c.body_lines()])
        own.extend((mat @ alone.T).argmax(axis=1) == np.arange(len(mat)))
    assert len(own) >= 10 and np.mean(own) >= 0.6
