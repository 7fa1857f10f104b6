from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tiny_models import SIZES, reference_forward, write_e5_file

from newsdesk.encoders.e5_graph import build_e5_fp32, build_e5_int8
from newsdesk.encoders.e5_weights import dequantize_q4, read_e5_weights
from newsdesk.errors import EncoderError


def run(model_path: Path, batch: list[list[int]]) -> np.ndarray:
    import onnxruntime as ort

    length = max(map(len, batch))
    ids = np.ones((len(batch), length), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, seq in enumerate(batch):
        ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input_ids": ids, "attention_mask": mask})[0]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_dequantize_q4_reads_low_then_high_nibbles() -> None:
    scale = np.array([0.5], dtype="<f2").tobytes()
    nibbles = bytes([0x9F] + [0x88] * 15)  # weight 0: 15, weight 16: 9, the rest 8
    values = dequantize_q4(np.frombuffer(scale + nibbles, dtype=np.uint8))
    assert values[0] == (15 - 8) * 0.5 and values[16] == (9 - 8) * 0.5
    assert np.count_nonzero(values) == 2


def test_reads_header_and_tensors(tmp_path: Path) -> None:
    tensors = write_e5_file(tmp_path / "tiny.bin")
    weights = read_e5_weights(tmp_path / "tiny.bin")
    assert weights.config.hidden == SIZES["hidden"] and weights.config.layers == SIZES["layers"]
    h, ff = SIZES["hidden"], SIZES["ffn"]
    np.testing.assert_array_equal(weights.tensor("l1.fi.w", (ff, h)), tensors["l1.fi.w"])
    np.testing.assert_array_equal(weights.tensor("emb.pos", (SIZES["maxp"], h)), tensors["emb.pos"])
    q, scale = weights.int8_rows("emb.word", (SIZES["vocab"], h))
    np.testing.assert_allclose(q * scale, tensors["emb.word"], atol=float(scale.max()) / 2 + 1e-7)


def test_rejects_files_that_are_not_e5(tmp_path: Path) -> None:
    (tmp_path / "bad.bin").write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(EncoderError, match="does not start with b'E5S1'"):
        read_e5_weights(tmp_path / "bad.bin")
    write_e5_file(tmp_path / "tiny.bin")
    weights = read_e5_weights(tmp_path / "tiny.bin")
    with pytest.raises(EncoderError, match=r"has no tensor 'l9\.q\.w'"):
        weights.tensor("l9.q.w", (64, 64))


def test_fp32_graph_matches_a_numpy_bert_with_padding(tmp_path: Path) -> None:
    import onnx

    tensors = write_e5_file(tmp_path / "tiny.bin")
    onnx.save(build_e5_fp32(read_e5_weights(tmp_path / "tiny.bin")), str(tmp_path / "m.onnx"))
    batch = [[0, 7, 8, 9, 2], [0, 12, 2], [0, 5, 6, 10, 11, 13, 14, 15, 2]]
    out = run(tmp_path / "m.onnx", batch)
    for row, seq in enumerate(batch):
        # the only difference from the float64 reference is the int8 word table
        assert cosine(out[row], reference_forward(tensors, seq)) > 0.999


def test_int8_graph_stays_close_to_fp32(tmp_path: Path) -> None:
    tensors = write_e5_file(tmp_path / "tiny.bin", seed=1)
    build_e5_int8(read_e5_weights(tmp_path / "tiny.bin"), tmp_path / "int8.onnx")
    batch = [[0, 7, 8, 9, 10, 11, 2], [0, 16, 17, 2]]
    out = run(tmp_path / "int8.onnx", batch)
    for row, seq in enumerate(batch):
        assert cosine(out[row], reference_forward(tensors, seq)) > 0.98
    assert (tmp_path / "int8.onnx").stat().st_size < (tmp_path / "tiny.bin").stat().st_size * 3


def test_int8_products_cannot_saturate_on_any_cpu(tmp_path: Path) -> None:
    """Without AVX-512 VNNI, onnxruntime adds pairs of uint8 x int8 products in 16 bits with
    saturation: 255 * 128 * 2 overflows, 255 * 64 * 2 does not. Every weight that a quantized
    MatMul or Attention multiplies must be in [-64, 64], so each CPU gives the same sums."""
    import onnx
    from onnx import numpy_helper

    write_e5_file(tmp_path / "tiny.bin", seed=1)
    build_e5_int8(read_e5_weights(tmp_path / "tiny.bin"), tmp_path / "int8.onnx")
    model = onnx.load(str(tmp_path / "int8.onnx"))
    initializers = {t.name: t for t in model.graph.initializer}
    quantized = {"MatMulInteger", "DynamicQuantizeMatMul", "QAttention"}
    weights = [
        numpy_helper.to_array(initializers[node.input[1]])
        for node in model.graph.node
        if node.op_type in quantized and node.input[1] in initializers
    ]
    assert len(weights) >= SIZES["layers"] * 3  # attention, and the feed-forward's two
    for w in weights:
        assert w.dtype == np.int8 and int(np.abs(w.astype(np.int16)).max()) <= 64
