"""Write multilingual-e5-small as an ONNX graph from its weights, then quantize it to int8.

No PyTorch: the graph is assembled node by node with ``onnx.helper`` from the arrays that
:mod:`newsdesk.encoders.e5_weights` dequantizes. It uses onnxruntime's fused BERT operators
(``Attention``, ``SkipLayerNormalization``, ``BiasGelu`` from the ``com.microsoft`` domain),
the same ones onnxruntime's own transformer optimizer produces, so the int8 model runs at the
speed of an optimized export. The word-embedding table is stored as int8 with one scale a row
(it is 96 M of the 118 M parameters); ``quantize_dynamic`` then turns every ``MatMul`` and
``Attention`` into its int8 form, with weights in 7 bits (``reduce_range``): on x86 CPUs
without AVX-512 VNNI, onnxruntime multiplies uint8 activations by int8 weights with an
instruction that adds two products in 16 bits and saturates (``vpmaddubsw``), so full-range
weights give wrong sums there and right ones on VNNI machines: the same article got another
vector on another server. With weights in [-64, 64] no pair of products can overflow, so every
CPU computes the exact integer sums (and the vectors sit closer to the float model's).

Inputs: ``input_ids`` and ``attention_mask`` (int64, ``[batch, tokens]``, padding on the
right). Output: ``sentence_embedding``, the masked mean of the last hidden states
(``[batch, 384]``, not yet L2-normalized, so windows of one text can be averaged first).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from newsdesk.encoders.e5_weights import E5Weights

__all__ = ["EARLIER_QUANTIZATIONS", "QUANTIZATION", "build_e5_fp32", "build_e5_int8"]

logger = logging.getLogger(__name__)

# Part of the cache key: change it whenever the graph or its quantization changes.
QUANTIZATION = "e5graph-v1:emb-int8-row:matmul-attention-qint7-perchannel-dynamic"
# the builds before, whose models still load (see E5Encoder.earlier_fingerprints)
EARLIER_QUANTIZATIONS = ("e5graph-v1:emb-int8-row:matmul-attention-qint8-perchannel-dynamic",)
_MS = "com.microsoft"


class _Graph:
    """Collects nodes and initializers; names are generated so call sites stay short."""

    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def const(self, name: str, array: np.ndarray) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type: str, inputs: list[str], domain: str = "", **attrs: Any) -> str:
        from onnx import helper

        self._count += 1
        out = f"{op_type.lower()}_{self._count}"
        self.nodes.append(
            helper.make_node(op_type, inputs, [out], name=out, domain=domain, **attrs)
        )
        return out


def _embed(g: _Graph, w: E5Weights) -> str:
    cfg = w.config
    word_q, scale = w.int8_rows("emb.word", (cfg.vocab, cfg.hidden))
    g.const("emb.word.q", word_q)
    g.const("emb.word.scale", scale)
    # token type is always 0: fold its row into the position table
    pos = w.tensor("emb.pos", (cfg.max_positions, cfg.hidden))
    pos = pos + w.tensor("emb.type", (cfg.type_vocab, cfg.hidden))[0]
    g.const("emb.pos", pos.astype(np.float32))
    g.const("zero", np.array([0], dtype=np.int64))

    rows = g.op("Cast", [g.op("Gather", ["emb.word.q", "input_ids"])], to=1)
    words = g.op("Mul", [rows, g.op("Gather", ["emb.word.scale", "input_ids"])])
    length = g.op("Shape", ["input_ids"], start=1, end=2)
    positions = g.op("Slice", ["emb.pos", "zero", length, "zero"])
    x = g.op("Add", [words, positions])
    g.const("emb.ln.w", w.tensor("emb.ln.w", (cfg.hidden,)))
    g.const("emb.ln.b", w.tensor("emb.ln.b", (cfg.hidden,)))
    return g.op("LayerNormalization", [x, "emb.ln.w", "emb.ln.b"], axis=-1, epsilon=cfg.eps)


def _layer(g: _Graph, w: E5Weights, i: int, x: str, mask: str) -> str:
    cfg = w.config
    h, f = cfg.hidden, cfg.ffn

    def lin(name: str, n_out: int, n_in: int) -> str:
        return g.const(f"l{i}.{name}.wt", w.tensor(f"l{i}.{name}.w", (n_out, n_in)).T.copy())

    def vec(name: str, n: int) -> str:
        return g.const(f"l{i}.{name}", w.tensor(f"l{i}.{name}", (n,)))

    qkv = np.concatenate([w.tensor(f"l{i}.{p}.w", (h, h)).T for p in "qkv"], axis=1)
    qkv_bias = np.concatenate([w.tensor(f"l{i}.{p}.b", (h,)) for p in "qkv"])
    g.const(f"l{i}.qkv.wt", qkv)
    g.const(f"l{i}.qkv.b", qkv_bias)
    context = g.op(
        "Attention", [x, f"l{i}.qkv.wt", f"l{i}.qkv.b", mask], domain=_MS, num_heads=cfg.heads
    )
    attn = g.op("MatMul", [context, lin("ao", h, h)])
    x = g.op(
        "SkipLayerNormalization",
        [attn, x, vec("aln.w", h), vec("aln.b", h), vec("ao.b", h)],
        domain=_MS,
        epsilon=cfg.eps,
    )
    mid = g.op("BiasGelu", [g.op("MatMul", [x, lin("fi", f, h)]), vec("fi.b", f)], domain=_MS)
    out = g.op("MatMul", [mid, lin("fo", h, f)])
    return g.op(
        "SkipLayerNormalization",
        [out, x, vec("oln.w", h), vec("oln.b", h), vec("fo.b", h)],
        domain=_MS,
        epsilon=cfg.eps,
    )


def _mean_pool(g: _Graph, x: str) -> str:
    g.const("tiny", np.array(1e-9, dtype=np.float32))
    g.const("axis1", np.array([1], dtype=np.int64))
    g.const("axis2", np.array([2], dtype=np.int64))
    weights = g.op("Unsqueeze", [g.op("Cast", ["attention_mask"], to=1), "axis2"])
    summed = g.op("ReduceSum", [g.op("Mul", [x, weights]), "axis1"], keepdims=0)
    count = g.op("Max", [g.op("ReduceSum", [weights, "axis1"], keepdims=0), "tiny"])
    return g.op("Div", [summed, count])


def build_e5_fp32(weights: E5Weights) -> Any:
    """The float32 ``onnx.ModelProto`` of the model (about 500 MB in memory)."""
    from onnx import TensorProto, helper

    cfg = weights.config
    g = _Graph()
    x = _embed(g, weights)
    mask = g.op("Cast", ["attention_mask"], to=TensorProto.INT32)
    for i in range(cfg.layers):
        x = _layer(g, weights, i, x, mask)
    pooled = _mean_pool(g, x)
    g.nodes.append(helper.make_node("Identity", [pooled], ["sentence_embedding"]))
    graph = helper.make_graph(
        g.nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [
            helper.make_tensor_value_info(
                "sentence_embedding", TensorProto.FLOAT, ["batch", cfg.hidden]
            )
        ],
        g.initializers,
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid(_MS, 1)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="newsdesk")
    model.ir_version = 8
    return model


@contextmanager
def _quiet_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def build_e5_int8(weights: E5Weights, target: Path) -> None:
    """Write the int8 model to ``target`` (building the float32 graph on the way)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(prefix="newsdesk-e5-") as tmp:
        fp32 = Path(tmp) / "e5-fp32.onnx"
        onnx.save(build_e5_fp32(weights), str(fp32))
        logger.info("quantizing %s to int8", fp32)
        # onnxruntime's quantizer advises "pre-processing" on the root logger; this graph is
        # built already fused and shape-inferred, so the advice is noise for our users
        with _quiet_root_logger():
            quantize_dynamic(
                fp32,
                target,
                op_types_to_quantize=["MatMul", "Attention"],
                weight_type=QuantType.QInt8,
                per_channel=True,
                reduce_range=True,  # 7-bit weights: exact int8 sums on every CPU
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
