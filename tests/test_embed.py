"""Fast embedder tests: CPU detection, model identity, export preconditions, cheap imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from fakes import FakeEmbedder

from index.cpu import cpu_flags, has_native_bf16, physical_cores, resolve_precision
from index.embed import (
    bundled_model_path,
    model_id_for,
    model_name,
    normalize_rows,
    plan_batches,
)
from index.onnx_embed import export_complete, export_onnx, onnx_cache_dir, pooling_config

ROOT = Path(__file__).resolve().parent.parent

# Trimmed /proc/cpuinfo texts of real machines.
SAPPHIRE_RAPIDS = """\
processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse sse2 avx avx2 avx512f avx512bw avx512_bf16 avx512_fp16 amx_bf16 amx_tile amx_int8

processor\t: 1
vendor_id\t: GenuineIntel
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse sse2 avx avx2 avx512f avx512bw avx512_bf16 avx512_fp16 amx_bf16 amx_tile amx_int8
"""
ZEN4 = """\
processor\t: 0
vendor_id\t: AuthenticAMD
flags\t\t: fpu sse avx avx2 avx512f avx512_bf16 avx512_vnni
"""
ZEN3 = """\
processor\t: 0
vendor_id\t: AuthenticAMD
physical id\t: 0
core id\t\t: 0
flags\t\t: fpu sse sse2 avx avx2 fma f16c sha_ni vaes

processor\t: 1
vendor_id\t: AuthenticAMD
physical id\t: 0
core id\t\t: 1
flags\t\t: fpu sse sse2 avx avx2 fma f16c sha_ni vaes
"""
ICELAKE_AVX512_NO_BF16 = "flags\t\t: avx2 avx512f avx512bw avx512_vnni avx512_vbmi2\n"
GRAVITON3 = "processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\nCPU implementer\t: 0x41\n"
# A hypervisor that hides the feature from one vCPU: the process may run on either.
MIXED = "flags\t\t: avx2 avx512_bf16\n\nflags\t\t: avx2\n"


@pytest.mark.parametrize(
    ("cpuinfo", "native"),
    [
        (SAPPHIRE_RAPIDS, True),
        (ZEN4, True),
        (ZEN3, False),
        (ICELAKE_AVX512_NO_BF16, False),
        (GRAVITON3, False),  # arm "bf16" is not one of the x86 flags we trust
        (MIXED, False),
        ("", False),
    ],
)
def test_native_bf16_detection(cpuinfo: str, native: bool) -> None:
    assert has_native_bf16(cpuinfo, platform="linux") is native
    assert resolve_precision("auto", cpuinfo, platform="linux") == ("bf16" if native else "fp32")


def test_explicit_precisions_are_honoured() -> None:
    assert resolve_precision("fp32", SAPPHIRE_RAPIDS, platform="linux") == "fp32"
    assert resolve_precision("bf16", ZEN3, platform="linux") == "bf16"
    assert resolve_precision("BF16", ZEN3, platform="linux") == "bf16"
    with pytest.raises(ValueError, match="precision"):
        resolve_precision("fp16")


def test_other_platforms_fall_back_to_fp32_without_reading_cpuinfo() -> None:
    assert has_native_bf16(None, platform="darwin") is False
    assert has_native_bf16(None, platform="win32") is False
    assert resolve_precision("auto", None, platform="darwin") == "fp32"


def test_this_machine_detection_matches_its_cpuinfo() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    text = Path("/proc/cpuinfo").read_text()
    expected = bool({"avx512_bf16", "amx_bf16"} & set(text.split()))
    assert has_native_bf16() is expected


def test_cpu_flags_and_cores() -> None:
    assert {"avx512_bf16", "amx_bf16"} <= cpu_flags(SAPPHIRE_RAPIDS)
    assert "bf16" in cpu_flags(GRAVITON3)
    assert physical_cores(SAPPHIRE_RAPIDS) == 1  # two hyper-threads of one core
    assert physical_cores(ZEN3) == 2
    assert physical_cores("processor : 0\n") is None


# ---------------------------------------------------------------- model identity


def test_bundled_model_id_is_readable_and_stable() -> None:
    path = bundled_model_path()
    mid = model_id_for(path)
    assert mid.startswith("all-MiniLM-L6-v2@")
    assert len(mid.split("@")[1]) == 12
    assert model_id_for(path) == mid
    assert model_id_for(str(path)) == mid


def _fake_model(folder: Path, *, pooling: dict | None = None, modules: list | None = None) -> Path:
    folder.mkdir(parents=True)
    (folder / "README.md").write_text(
        "---\ntags: [x]\n---\n```\n# not a title\n```\n# My Model v2\n"
    )
    (folder / "config.json").write_text('{"hidden_size": 8}')
    (folder / "sentence_bert_config.json").write_text('{"max_seq_length": 128}')
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(
        json.dumps(pooling or {"word_embedding_dimension": 8, "pooling_mode_mean_tokens": True})
    )
    st = "sentence_transformers.models."
    default = [
        {"path": "", "type": st + "Transformer"},
        {"path": "1_Pooling", "type": st + "Pooling"},
        {"path": "2_Normalize", "type": st + "Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules or default))
    return folder


def test_model_name_for_generic_and_named_folders(tmp_path: Path) -> None:
    generic = _fake_model(tmp_path / "pkg_name" / "model")
    assert model_name(generic) == "My-Model-v2"
    named = _fake_model(tmp_path / "bge-small-en")
    assert model_name(named) == "bge-small-en"
    (generic / "README.md").write_text("no heading here")
    assert model_name(generic) == "pkg_name"


def test_model_id_changes_with_config_including_subfolders(tmp_path: Path) -> None:
    m = _fake_model(tmp_path / "m")
    before = model_id_for(m)
    (m / "1_Pooling" / "config.json").write_text('{"pooling_mode_cls_token": true}')
    after_pool = model_id_for(m)
    assert after_pool != before
    (m / "config.json").write_text('{"hidden_size": 16}')
    assert model_id_for(m) not in (before, after_pool)
    (m / ".DS_Store").write_text("junk")  # hidden files do not count
    assert model_id_for(m) == model_id_for(m)


def test_onnx_cache_dir_is_keyed_by_model_id(tmp_path: Path) -> None:
    m = _fake_model(tmp_path / "m")
    d = onnx_cache_dir(tmp_path / "models", m)
    assert d == tmp_path / "models" / "onnx" / model_id_for(m)
    assert not export_complete(d)


# ---------------------------------------------------------------- export preconditions


def test_pooling_config_accepts_mean_pooling(tmp_path: Path) -> None:
    cfg = pooling_config(_fake_model(tmp_path / "m"))
    assert cfg is not None
    assert cfg["max_seq_length"] == 128 and cfg["normalize"] is True


@pytest.mark.parametrize(
    "pooling",
    [
        {"pooling_mode_cls_token": True, "pooling_mode_mean_tokens": False},
        {"pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": True},
        {"pooling_mode": "lasttoken"},
    ],
)
def test_export_refuses_non_mean_pooling(tmp_path: Path, pooling: dict) -> None:
    m = _fake_model(tmp_path / "m", pooling=pooling)
    assert pooling_config(m) is None
    assert export_onnx(m, tmp_path / "out") is None
    assert not (tmp_path / "out").exists()


def test_export_refuses_extra_modules(tmp_path: Path) -> None:
    modules = [
        {"path": "", "type": "sentence_transformers.models.Transformer"},
        {"path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"path": "2_Dense", "type": "sentence_transformers.models.Dense"},
    ]
    m = _fake_model(tmp_path / "m", modules=modules)
    assert pooling_config(m) is None
    (m / "modules.json").unlink()
    assert pooling_config(m) is None


def test_partial_export_is_not_complete(tmp_path: Path) -> None:
    d = tmp_path / "exp"
    d.mkdir()
    (d / "embedder.json").write_text('{"format": 1}')
    assert not export_complete(d)


# ---------------------------------------------------------------- small pieces


def test_plan_batches_sorts_by_length_and_respects_both_limits() -> None:
    lengths = [10] * 300 + [256] * 20 + [100] * 5 + [0]
    batches = plan_batches(lengths, max_texts=128, max_tokens=4096)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))  # every text exactly once
    assert [lengths[i] for i in flat] == sorted(lengths, reverse=True)
    for b in batches:
        assert len(b) <= 128
        assert len(b) * max(lengths[i] for i in b) <= 4096
    assert len(batches[0]) == 16  # 16 × 256 tokens
    assert max(len(b) for b in batches) == 128  # short texts share big batches
    assert plan_batches([], 8, 100) == []
    assert plan_batches([500, 500], 8, 100) == [[0], [1]]  # an over-long text still gets a batch


def test_normalize_rows() -> None:
    x = normalize_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert x.dtype == np.float32
    assert np.allclose(x[0], [0.6, 0.8]) and np.allclose(x[1], 0.0)


def test_fake_embedder_is_deterministic_and_normalised() -> None:
    e = FakeEmbedder()
    seen: list[tuple[int, int]] = []
    a = e.embed(["ECS on Fargate", "EKS node groups"], progress=lambda d, t: seen.append((d, t)))
    b = FakeEmbedder().embed(["ECS on Fargate", "EKS node groups"])
    assert a.dtype == np.float32 and a.shape == (2, e.dim)
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert seen[-1] == (2, 2)


def test_query_embedder_module_imports_no_model_stack() -> None:
    code = (
        "import sys, index.onnx_embed, index.embed, index.cpu\n"
        "heavy = ('torch', 'transformers', 'sentence_transformers')\n"
        "bad = [m for m in heavy if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_stale_export_temps_are_removed(tmp_path: Path) -> None:
    import os
    import time

    from index.onnx_embed import _remove_stale_temps

    old = tmp_path / ".m@abc.x1.tmp"
    fresh = tmp_path / ".m@abc.x2.tmp"
    for d in (old, fresh):
        d.mkdir()
        (d / "raw.onnx").write_bytes(b"partial")
    past = time.time() - 7200
    os.utime(old, (past, past))
    _remove_stale_temps(tmp_path)
    assert not old.exists() and fresh.exists()  # a fresh one may be another process's export


def test_heap_trimmer_trims_only_after_growth(monkeypatch: pytest.MonkeyPatch) -> None:
    """A trim first, then only once RSS has grown by the slack since the last one; and RSS
    measured back down lowers the mark growth is measured from."""
    from index import heap

    calls: list[int] = []
    rss = iter([100, 100, 150, 170, 170, 60, 125, 125])
    monkeypatch.setattr(heap, "_malloc_trim", lambda: calls.append)
    monkeypatch.setattr(heap, "rss_bytes", lambda: next(rss) * 2**20)
    trim = heap.HeapTrimmer(slack_mib=64)
    trim()  # 100: first call trims (then 100)
    trim()  # 150: +50, within the slack
    trim()  # 170: +70 over 100: trims (then 170)
    trim()  # 60: lower, the mark follows it down
    trim()  # 125: +65 over 60: trims
    assert calls == [0, 0, 0] and trim.trims == 3


def test_heap_trimmer_is_a_no_op_without_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    from index import heap

    monkeypatch.setattr(heap, "_malloc_trim", lambda: None)
    trim = heap.HeapTrimmer(slack_mib=0)
    trim()
    heap.release()
    assert trim.trims == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_rss_is_read_on_linux() -> None:
    from index.heap import release, rss_bytes

    before = rss_bytes()
    release()
    assert before is not None and before > 10 * 2**20


# ---------------------------------------------------------------- the graph written from weights


def _bert_folder(folder: Path, drop: str | None = None, **config) -> Path:
    """A tiny BERT config with random weights in safetensors (`drop`: a weight left out)."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True)
    cfg = {"model_type": "bert", "hidden_act": "gelu", "hidden_size": 8, "vocab_size": 20}
    cfg |= {"num_attention_heads": 2, "num_hidden_layers": 1, "intermediate_size": 16}
    cfg |= {"max_position_embeddings": 16, "type_vocab_size": 2} | config
    (folder / "config.json").write_text(json.dumps(cfg))
    rng = np.random.default_rng(0)
    shapes = {
        "embeddings.word_embeddings.weight": (20, 8),
        "embeddings.position_embeddings.weight": (16, 8),
        "embeddings.token_type_embeddings.weight": (2, 8),
    }
    for ln in ("embeddings.LayerNorm", "encoder.layer.0.attention.output.LayerNorm",
               "encoder.layer.0.output.LayerNorm"):  # fmt: skip
        shapes |= {f"{ln}.weight": (8,), f"{ln}.bias": (8,)}
    dense = {"attention.self.query": (8, 8), "attention.self.key": (8, 8)}
    dense |= {"attention.self.value": (8, 8), "attention.output.dense": (8, 8)}
    dense |= {"intermediate.dense": (16, 8), "output.dense": (8, 16)}
    for name, shape in dense.items():
        p = f"encoder.layer.0.{name}"
        shapes |= {f"{p}.weight": shape, f"{p}.bias": shape[:1]}
    weights = {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items() if k != drop}
    save_file(weights, str(folder / "model.safetensors"))
    return folder


def test_graph_runs_and_ignores_padding(tmp_path: Path) -> None:
    """The graph written from weights runs in onnxruntime; a padded row's real tokens get the
    states they get unpadded (padding is masked out of attention)."""
    import onnxruntime as ort

    from index.onnx_graph import write_bert

    out = tmp_path / "raw.onnx"
    assert write_bert(_bert_folder(tmp_path / "m"), out) == 8
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    ids = np.array([[1, 5, 7, 2, 0, 0], [1, 3, 4, 9, 11, 2]])
    mask = (ids != 0).astype(np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    (states,) = session.run(None, feeds)
    assert states.shape == (2, 6, 8) and np.isfinite(states).all()
    alone = {k: v[:1, :4] for k, v in feeds.items()}
    (short,) = session.run(None, alone)
    assert np.allclose(states[0, :4], short[0], atol=1e-5)


@pytest.mark.parametrize(
    ("config", "drop"),
    [
        ({"model_type": "roberta"}, None),
        ({"hidden_act": "relu"}, None),
        ({"position_embedding_type": "relative_key"}, None),
        ({}, "encoder.layer.0.output.dense.weight"),
    ],
)
def test_graph_refuses_what_it_does_not_reproduce(tmp_path: Path, config: dict, drop) -> None:
    from index.onnx_graph import write_bert

    out = tmp_path / "raw.onnx"
    assert write_bert(_bert_folder(tmp_path / "m", drop=drop, **config), out) is None
    assert list(tmp_path.glob("raw.onnx*")) == []  # nothing half-written
