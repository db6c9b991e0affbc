"""A BERT encoder written as an ONNX graph straight from its safetensors weights, without torch.

Why: exporting the model with torch's exporter means importing torch and transformers
(~450 MiB) plus the exporter's own peak, once per model, on a first `assistant index`; and an
index built with onnxruntime needs no torch at all. The graph below is the standard BERT
encoder (post-layer-norm, absolute positions, exact GELU) as transformers' `BertModel` computes
it, returning the last hidden states; pooling and normalising stay in numpy as for queries.
Only configurations this graph reproduces are accepted (`supported`); anything else falls back
to torch's exporter. Tests compare its vectors with sentence-transformers' on real text.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np

OUTPUT = "token_embeddings"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _config(transformer_dir: Path) -> dict | None:
    try:
        return json.loads((transformer_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def supported(transformer_dir: Path) -> bool:
    """True if the folder holds a BERT this graph reproduces exactly (weights as safetensors)."""
    cfg = _config(transformer_dir)
    return (
        isinstance(cfg, dict)
        and cfg.get("model_type") == "bert"
        and cfg.get("hidden_act") == "gelu"
        and cfg.get("position_embedding_type", "absolute") == "absolute"
        and not cfg.get("is_decoder", False)
        and (transformer_dir / "model.safetensors").is_file()
    )


def write_bert(transformer_dir: Path, out: Path, opset: int = 17) -> int | None:
    """Write the encoder to `out` (inputs INPUTS, output OUTPUT [batch, seq, hidden]) with its
    weights in `out`.data, one tensor in memory at a time; the hidden size, or None (nothing
    written) if the folder is not `supported` or its weights are not where BERT keeps them."""
    if not supported(transformer_dir):
        return None
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors import SafetensorError, safe_open

    cfg = _config(transformer_dir)
    assert cfg is not None
    hidden = int(cfg["hidden_size"])
    heads = int(cfg["num_attention_heads"])
    layers = int(cfg["num_hidden_layers"])
    eps = float(cfg.get("layer_norm_eps", 1e-12))
    if hidden % heads:
        return None
    head = hidden // heads

    raw = safe_open(str(transformer_dir / "model.safetensors"), framework="numpy")
    names = set(raw.keys())
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in names else ""
    data_file = out.with_name(out.name + ".data")
    data = data_file.open("wb")
    inits: list = []
    nodes: list = []

    def weight(name: str, transpose: bool = False) -> str:
        """A weight appended to the data file; the graph holds only where it is."""
        arr = raw.get_tensor(prefix + name)  # SafetensorError if absent
        arr = np.ascontiguousarray(arr.T if transpose else arr, dtype="<f4")
        init = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=arr.shape)
        init.data_location = TensorProto.EXTERNAL
        where = {"location": data_file.name, "offset": data.tell(), "length": arr.nbytes}
        for key, value in where.items():
            init.external_data.add(key=key, value=str(value))
        data.write(arr.tobytes())
        inits.append(init)
        return name

    def const(name: str, value, dtype=np.float32) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    numbers = itertools.count(1)

    def node(op: str, ins: list[str], **attrs) -> str:
        result = f"{op.lower()}_{next(numbers)}"
        nodes.append(helper.make_node(op, ins, [result], **attrs))
        return result

    def linear(x: str, name: str) -> str:
        product = node("MatMul", [x, weight(f"{name}.weight", transpose=True)])
        return node("Add", [product, weight(f"{name}.bias")])

    def layer_norm(x: str, name: str) -> str:
        scale_bias = [weight(f"{name}.weight"), weight(f"{name}.bias")]
        return node("LayerNormalization", [x, *scale_bias], axis=-1, epsilon=eps)

    try:
        # Embeddings: words + positions 0..seq-1 + token types, then layer norm.
        seq = node("Gather", [node("Shape", ["input_ids"]), const("one_i", 1, np.int64)], axis=0)
        positions = node("Range", [const("zero_i", 0, np.int64), seq, const("step_i", 1, np.int64)])
        words = node("Gather", [weight("embeddings.word_embeddings.weight"), "input_ids"])
        places = node("Gather", [weight("embeddings.position_embeddings.weight"), positions])
        types = node("Gather", [weight("embeddings.token_type_embeddings.weight"), INPUTS[2]])
        x = layer_norm(node("Add", [node("Add", [words, places]), types]), "embeddings.LayerNorm")

        # Padding gets the lowest float added to its attention scores, as BertModel does.
        keep = node("Cast", ["attention_mask"], to=TensorProto.FLOAT)
        one = const("one_f", 1.0)
        lowest = const("lowest", float(np.finfo(np.float32).min))
        bias = node("Mul", [node("Sub", [one, keep]), lowest])
        bias = node("Unsqueeze", [bias, const("axes_12", [1, 2], np.int64)])
        split = const("split_shape", [0, 0, heads, head], np.int64)
        merged = const("merged_shape", [0, 0, hidden], np.int64)
        scale = const("scale", math.sqrt(head))
        sqrt2, half = const("sqrt2", math.sqrt(2.0)), const("half", 0.5)

        for i in range(layers):
            p = f"encoder.layer.{i}"

            def heads_of(name: str, perm: list[int], x=x, p=p) -> str:
                y = node("Reshape", [linear(x, f"{p}.attention.self.{name}"), split])
                return node("Transpose", [y], perm=perm)

            q = heads_of("query", [0, 2, 1, 3])
            k = heads_of("key", [0, 2, 3, 1])
            v = heads_of("value", [0, 2, 1, 3])
            scores = node("Add", [node("Div", [node("MatMul", [q, k]), scale]), bias])
            ctx = node("MatMul", [node("Softmax", [scores], axis=-1), v])
            ctx = node("Reshape", [node("Transpose", [ctx], perm=[0, 2, 1, 3]), merged])
            attn = linear(ctx, f"{p}.attention.output.dense")
            x = layer_norm(node("Add", [attn, x]), f"{p}.attention.output.LayerNorm")
            up = linear(x, f"{p}.intermediate.dense")
            # Exact GELU: x * (1 + erf(x / sqrt 2)) / 2
            erf = node("Erf", [node("Div", [up, sqrt2])])
            gelu = node("Mul", [node("Mul", [up, node("Add", [erf, one])]), half])
            down = linear(gelu, f"{p}.output.dense")
            x = layer_norm(node("Add", [down, x]), f"{p}.output.LayerNorm")
    except (KeyError, SafetensorError):  # a weight missing: not the BERT this writes
        data.close()
        data_file.unlink()
        return None
    data.close()
    nodes.append(helper.make_node("Identity", [x], [OUTPUT]))

    dims = ["batch", "sequence"]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, dims) for n in INPUTS]
    output = helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, [*dims, hidden])
    graph = helper.make_graph(nodes, "bert_encoder", inputs, [output], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = min(model.ir_version, 8)
    out.write_bytes(model.SerializeToString())
    onnx.checker.check_model(str(out))
    return hidden
