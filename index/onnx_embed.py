"""The model as ONNX, run with onnxruntime: the query embedder, and the fp32 index embedder.

`import sentence_transformers` costs seconds (torch, transformers) and ~450 MiB; a one-shot
`assistant ask` needs one query vector, and an fp32 index build needs nothing torch adds. So the
transformer is exported once (`ensure_onnx_export`) into a cache folder keyed by the model's
identity, and both embed with onnxruntime + the model's own tokenizer.json + mean pooling and
L2 norm in numpy. A BERT is written as a graph straight from its weights (`index.onnx_graph`, no
torch); other architectures go through torch's exporter. bf16 index builds stay with
sentence-transformers (`load_index_embedder`).

This module must stay cheap to import and its embedding path must never import torch,
transformers or sentence_transformers (tests check it); only `_torch_export` imports torch.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from index.embed import (
    DeferredEmbedder,
    Embedder,
    Progress,
    SentenceTransformerEmbedder,
    bundled_model_path,
    load_counting_tokenizer,
    model_id_for,
    normalize_rows,
    plan_batches,
    pool_lines,
    quiet_loading,
)
from index.heap import HeapTrimmer, release

__all__ = [
    "EXPORT_FORMAT",
    "OnnxEmbedder",
    "ensure_onnx_export",
    "export_complete",
    "export_onnx",
    "load_index_embedder",
    "load_query_embedder",
    "onnx_cache_dir",
    "pooling_config",
]

EXPORT_FORMAT = 1
"""Bumped when the export's layout or meaning changes; older exports are then ignored."""

META_FILE = "embedder.json"
MODEL_FILE = "model.onnx"
WEIGHTS_FILE = "model.onnx.data"
RAW_FILE = "raw.onnx"
TOKENIZER_FILE = "tokenizer.json"
OPSET = 17
NOT_EXPORTED_NOTICE = (
    "the fast question model is not made yet (an index build or the chat's first answer makes"
    " it, once); loading the full model instead, a slower start"
)


def _as_path(model_path: Path | str | None) -> Path:
    return Path(model_path).expanduser() if model_path else bundled_model_path()


def _read_json(path: Path) -> dict | list | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def onnx_cache_dir(models_root: Path, model_path: Path | str | None) -> Path:
    """Where the ONNX export of `model_path` lives: <models_root>/onnx/<model id>."""
    return Path(models_root) / "onnx" / model_id_for(_as_path(model_path))


def pooling_config(model_path: Path) -> dict | None:
    """The export-relevant facts of a sentence-transformers folder, or None if unsupported.

    Supported: Transformer → Pooling (mean tokens only) → optional Normalize, nothing else.
    Returns {"transformer_dir", "max_seq_length", "do_lower_case", "normalize"}.
    """
    modules = _read_json(model_path / "modules.json")
    if not isinstance(modules, list) or not modules:
        return None
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        return None
    pooling = _read_json(model_path / (modules[1].get("path") or "") / "config.json")
    if not isinstance(pooling, dict):
        return None
    if "pooling_mode" in pooling:  # newer sentence-transformers format
        modes = pooling["pooling_mode"]
        modes = [modes] if isinstance(modes, str) else list(modes)
        if modes != ["mean"]:
            return None
    else:
        flags = {k: v for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
        if set(flags) != {"pooling_mode_mean_tokens"}:
            return None
    tdir = model_path / (modules[0].get("path") or "")
    st_config = _read_json(tdir / "sentence_bert_config.json") or {}
    max_len = st_config.get("max_seq_length")
    if not max_len:
        tok_conf = _read_json(tdir / "tokenizer_config.json") or {}
        max_len = min(int(tok_conf.get("model_max_length", 512) or 512), 512)
    return {
        "transformer_dir": tdir,
        "max_seq_length": int(max_len),
        "do_lower_case": bool(st_config.get("do_lower_case", False)),
        "normalize": "Normalize" in kinds,
    }


def export_complete(directory: Path) -> bool:
    """True if `directory` holds a finished export this code can read."""
    meta = _read_json(Path(directory) / META_FILE)
    return (
        isinstance(meta, dict)
        and meta.get("format") == EXPORT_FORMAT
        and (Path(directory) / MODEL_FILE).is_file()
        and (Path(directory) / WEIGHTS_FILE).is_file()
        and (Path(directory) / TOKENIZER_FILE).is_file()
    )


def export_onnx(model_path: Path | str | None, out_dir: Path) -> Path | None:
    """Export the model's transformer to `out_dir` (model.onnx, tokenizer.json, embedder.json).

    Written into a temporary sibling folder and renamed into place, so `out_dir` is either
    absent or complete. Returns `out_dir`, or None if the model is not a mean-pooling
    sentence-transformers model (the caller then keeps using sentence-transformers). A BERT
    takes about a second and no torch (`index.onnx_graph`); anything else goes through torch's
    exporter (several seconds, imports torch and transformers) and is checked against torch.
    """
    model_path = _as_path(model_path)
    out_dir = Path(out_dir)
    if export_complete(out_dir):
        return out_dir
    cfg = pooling_config(model_path)
    if cfg is None:
        return None
    tdir: Path = cfg["transformer_dir"]
    tokenizer_file = tdir / TOKENIZER_FILE
    if not tokenizer_file.is_file():
        tokenizer_file = model_path / TOKENIZER_FILE
        if not tokenizer_file.is_file():
            return None

    release()  # what a build just freed: the export's peak should not stack on it
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        dim = _graph_export(tdir, tmp / RAW_FILE)
        check = None
        if dim is None:
            dim, check = _torch_export(tdir, tmp / RAW_FILE)
        gc.collect()
        release()
        shutil.copyfile(tokenizer_file, tmp / TOKENIZER_FILE)
        meta = {
            "format": EXPORT_FORMAT,
            "model_id": model_id_for(model_path),
            "model_path": str(model_path),
            "dim": dim,
            "max_seq_length": cfg["max_seq_length"],
            "do_lower_case": cfg["do_lower_case"],
            "pooling": "mean",
            "normalize": cfg["normalize"],
            "opset": OPSET,
            "inputs": ["input_ids", "attention_mask", "token_type_ids"],
            "graph": "weights" if check is None else "torch.onnx",
        }
        meta["onnxruntime"] = _optimize(tmp / RAW_FILE, tmp / MODEL_FILE)
        for leftover in tmp.glob(RAW_FILE + "*"):
            leftover.unlink()
        if check is not None and _min_pooled_cosine(tmp / MODEL_FILE, *check) < 0.9999:
            return None  # the exported graph disagrees with the model: keep sentence-transformers
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        try:
            os.replace(tmp, out_dir)
        except OSError:
            if not export_complete(out_dir):  # a broken leftover: replace it
                shutil.rmtree(out_dir, ignore_errors=True)
                os.replace(tmp, out_dir)
            # else another process finished the same export first; keep theirs
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def _graph_export(tdir: Path, raw: Path) -> int | None:
    """Write a BERT's encoder built from its weights to `raw` (no torch); its hidden size, or
    None if `index.onnx_graph` does not reproduce this model."""
    from index.onnx_graph import write_bert

    return write_bert(tdir, raw, OPSET)


def _torch_export(tdir: Path, raw: Path) -> tuple[int, tuple[dict, np.ndarray]]:
    """Write the transformer to `raw` with torch's exporter; its hidden size and sample inputs
    with torch's outputs for them, to check the exported graph against."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    with quiet_loading():
        hf = AutoModel.from_pretrained(
            str(tdir), local_files_only=True, attn_implementation="eager"
        )
    hf.eval()

    class _Wrapper(torch.nn.Module):
        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    ids = torch.tensor([[101, 2054, 2003, 1037, 3231, 102, 0, 0], [101] + [2000] * 6 + [102]])
    mask = (ids != 0).long()
    dummy = (ids, mask, torch.zeros_like(ids))
    with torch.no_grad():
        expected = _Wrapper(hf)(*dummy).numpy()  # before export: it leaves the model in train mode
    dim = int(hf.config.hidden_size)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter about constant shapes
        torch.onnx.export(
            _Wrapper(hf),
            dummy,
            str(raw),
            input_names=names,
            output_names=["token_embeddings"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "token_embeddings"]},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    feeds = {n: t.numpy() for n, t in zip(names, dummy, strict=True)}
    return dim, (feeds, expected)


def _min_pooled_cosine(model_file: Path, feeds: dict, expected: np.ndarray) -> float:
    """Lowest cosine between mean-pooled ONNX and torch outputs for the export's sample inputs."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(model_file), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    (got,) = session.run(None, {n: feeds[n] for n in names})
    mask = feeds["attention_mask"][:, :, None].astype(np.float32)
    a = normalize_rows((got * mask).sum(1))
    b = normalize_rows((expected * mask).sum(1))
    return float((a * b).sum(1).min())


def _optimize(raw: Path, out: Path) -> str:
    """Save onnxruntime's optimised graph (fused layer norm, GELU, matmuls) as `out`.

    The weights go to a separate file (WEIGHTS_FILE) that onnxruntime maps instead of parsing
    them out of a protobuf: session creation drops from ~0.27 s to ~0.1 s. Embedders then load
    the graph without optimising it again. Returns the onnxruntime version that wrote it.
    """
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    opts.optimized_model_filepath = str(out)
    opts.add_session_config_entry(
        "session.optimized_model_external_initializers_file_name", WEIGHTS_FILE
    )
    opts.add_session_config_entry(
        "session.optimized_model_external_initializers_min_size_in_bytes", "1024"
    )
    ort.InferenceSession(str(raw), opts, providers=["CPUExecutionProvider"])
    return ort.__version__


class OnnxEmbedder:
    """The `Embedder` protocol over an ONNX export: onnxruntime, tokenizers and numpy only.

    Gives the same vectors as SentenceTransformerEmbedder in fp32 (cosine ≥ 0.9999, tested) and
    the same model_id, so an index built by one is searched with the other. `index=True` sets
    it up for embedding a folder rather than a question: every core, weights pre-packed for
    faster matmuls (~80 ms more at start), freed heap handed back between batches.
    """

    precision = "fp32"
    batch_size = 128
    """Most texts in one forward pass (as SentenceTransformerEmbedder)."""
    batch_tokens = SentenceTransformerEmbedder.DEFAULT_BATCH_TOKENS
    """Most padded tokens (texts × longest) in one forward pass."""

    def __init__(self, directory: Path, num_threads: int | None = None, index: bool = False):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.directory = Path(directory)
        meta = _read_json(self.directory / META_FILE)
        if not isinstance(meta, dict) or meta.get("format") != EXPORT_FORMAT:
            raise ValueError(f"{self.directory} is not a complete ONNX export")
        self.meta = meta
        self.model_id: str = meta["model_id"]
        self.dim = int(meta["dim"])
        self.max_tokens = int(meta["max_seq_length"])
        self._lower = bool(meta.get("do_lower_case"))

        tok = Tokenizer.from_file(str(self.directory / TOKENIZER_FILE))
        padding = tok.padding or {}
        self._pad_id = int(padding.get("pad_id", tok.token_to_id("[PAD]") or 0))
        tok.no_padding()  # batches are padded here, to their own longest text
        self._count_tok: Tokenizer | None = None  # made on first count_tokens (costs ~30 ms)
        tok.enable_truncation(max_length=self.max_tokens)
        self._tok = tok

        opts = ort.SessionOptions()
        # Questions come one at a time: a single thread beat two (18 vs 30 ms per query,
        # bench/bench_scale.py) and leaves the other core free. A folder is embedded a batch
        # per core at once instead, each batch on one thread (`_for_each_batch`).
        self._workers = max(1, num_threads or 1) if index else 1
        # as many padded tokens in flight as one batch on every core had (memory as before)
        self.batch_tokens = max(256, self.batch_tokens // self._workers)
        opts.intra_op_num_threads = 1 if index else num_threads or 1
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Optimised at export time; only onnxruntime's cheap basic passes run again here.
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        if not index:
            # Repacking the weights costs ~80 ms CPU at session start and gains ~10 ms on a
            # query: not worth it for a process that embeds a question or two.
            opts.add_session_config_entry("session.disable_prepacking", "1")
        self._session = ort.InferenceSession(
            str(self.directory / MODEL_FILE), opts, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._output = self._session.get_outputs()[0].name
        self._trim = HeapTrimmer() if index else None

    def count_tokens(self, text: str) -> int:
        """Word pieces the model would read for `text`, special tokens excluded, not truncated."""
        if self._count_tok is None:
            from tokenizers import Tokenizer

            self._count_tok = Tokenizer.from_str(self._tok.to_str())
            self._count_tok.no_truncation()
        if self._lower:
            text = text.lower()
        return len(self._count_tok.encode(text, add_special_tokens=False).ids)

    def _encode(self, texts: Sequence[str]) -> list:
        """Each text's encoding (truncated to the model's limit, not padded)."""
        texts = [t.lower() for t in texts] if self._lower else list(texts)
        return self._tok.encode_batch(texts)

    def _states(self, encs: list) -> tuple[np.ndarray, np.ndarray]:
        """Token states (batch, longest, dim) float32 and the 0/1 mask of real tokens."""
        width = max(len(e.ids) for e in encs)
        ids = np.full((len(encs), width), self._pad_id, dtype=np.int64)
        types = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros((len(encs), width), dtype=np.int64)
        for r, e in enumerate(encs):
            n = len(e.ids)
            ids[r, :n], types[r, :n], mask[r, :n] = e.ids, e.type_ids, 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = types
        (hidden,) = self._session.run([self._output], feeds)
        return hidden.astype(np.float32, copy=False), mask

    @staticmethod
    def _mean(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
        m = mask[:, :, None].astype(np.float32)
        return (states * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)

    def _batches(self, encs: list) -> list[list[int]]:
        return plan_batches([len(e.ids) for e in encs], self.batch_size, self.batch_tokens)

    def _for_each_batch(
        self, encs: list, work: Callable[[list[int]], None], progress: Progress | None
    ) -> None:
        """`work(indices)` for each batch of `encs`, `progress(done, total)` after each, in
        order. Indexing runs a batch per worker at once: the short texts of a line pass keep
        two threads of one batch idle in part of each layer (6,000 til lines: 21.4 s against
        24.1 s), while two batches at once keep both cores busy; the vectors are the same to
        the bit (a batch's rows do not depend on the threads that computed them)."""

        def run(idx: list[int]) -> list[int]:
            work(idx)
            return idx

        total, done = len(encs), 0
        batches = self._batches(encs)
        # a question is one batch: run here, no pool
        pool = ThreadPoolExecutor(self._workers, "embed") if self._workers > 1 else None
        try:
            for idx in pool.map(run, batches) if pool else map(run, batches):
                done += len(idx)
                if self._trim is not None:
                    self._trim()
                if progress:
                    progress(done, total)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)  # Ctrl+C: no batch left queued

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text, in the order given (embedded
        longest first in batches of similar length; `progress(done, total)` after each)."""
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        encs = self._encode(texts)

        def work(idx: list[int]) -> None:
            out[idx] = self._mean(*self._states([encs[i] for i in idx]))

        self._for_each_batch(encs, work, progress)
        return normalize_rows(out)

    def embed_with_lines(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]],
        progress: Progress | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Section vectors as `embed` gives them and, from the same pass, each section's line
        vectors (`pool_lines`, as `SentenceTransformerEmbedder.embed_with_lines`)."""
        total = len(texts)
        secs = np.empty((total, self.dim), dtype=np.float32)
        lines: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * total
        encs = self._encode(texts)

        def work(idx: list[int]) -> None:
            states, mask = self._states([encs[i] for i in idx])
            secs[idx] = self._mean(states, mask)
            for r, i in enumerate(idx):
                offsets = np.asarray(encs[i].offsets, dtype=np.int64).reshape(-1, 2)
                lines[i] = pool_lines(states[r, : len(offsets)], offsets, spans[i], secs[i])

        self._for_each_batch(encs, work, progress)
        return normalize_rows(secs), lines


def load_query_embedder(
    model_path: Path | str | None, models_root: Path
) -> tuple[Embedder, str | None]:
    """The embedder for questions: ONNX if exported, else sentence-transformers plus a notice."""
    directory = onnx_cache_dir(models_root, model_path)
    if export_complete(directory):
        try:
            return OnnxEmbedder(directory), None
        except Exception:  # a damaged export: fall back, the next index build re-exports
            with contextlib.suppress(OSError):
                shutil.rmtree(directory)
    return SentenceTransformerEmbedder(model_path, precision="fp32"), NOT_EXPORTED_NOTICE


def load_index_embedder(
    model_path: Path | str | None = None,
    precision: str = "auto",
    models_root: Path | None = None,
    defer: bool = False,
    on_load: Callable[[], None] | None = None,
) -> Embedder:
    """The embedder for building an index. fp32: onnxruntime over the export (made first if
    missing; no torch, half the memory, same vectors), given where exports live; bf16 (where
    the CPU has it, see index.cpu) or a model that cannot be exported: sentence-transformers,
    with `defer` loaded only when it first embeds (`DeferredEmbedder`) where an export
    describes the model. `on_load` runs just before a model loads (a progress line)."""
    from index.cpu import default_threads, resolve_precision

    resolved = resolve_precision(precision)
    if models_root is not None and resolved == "fp32":
        directory = ensure_onnx_export(model_path, models_root)
        if directory is not None:
            if on_load is not None:
                on_load()
            return OnnxEmbedder(directory, num_threads=default_threads(), index=True)
    if defer and models_root is not None:
        directory = onnx_cache_dir(models_root, model_path)
        meta = _read_json(directory / META_FILE) if export_complete(directory) else None
        counter = load_counting_tokenizer(_as_path(model_path))
        if isinstance(meta, dict) and counter is not None:
            dim, max_tokens = int(meta["dim"]), int(meta["max_seq_length"])
            return DeferredEmbedder(model_path, resolved, dim, max_tokens, counter, on_load)
    if on_load is not None:
        on_load()
    return SentenceTransformerEmbedder(model_path, precision=resolved)


def ensure_onnx_export(model_path: Path | str | None, models_root: Path) -> Path | None:
    """Export the query model unless already done (a cheap check then). None if unsupported."""
    directory = onnx_cache_dir(models_root, model_path)
    if export_complete(directory):
        return directory
    _remove_stale_temps(directory.parent)
    try:
        return export_onnx(model_path, directory)
    finally:
        gc.collect()  # the exporter's model and graphs, before whatever the caller runs next
        release()


def _remove_stale_temps(folder: Path, older_than_s: float = 3600) -> None:
    """Delete temporary export folders left by crashed exports (each is ~90 MB)."""
    import time

    if not folder.is_dir():
        return
    now = time.time()
    for p in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if p.is_dir() and now - p.stat().st_mtime > older_than_s:
                shutil.rmtree(p, ignore_errors=True)
