"""The encoder interface and the registry that maps names to backends."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from newsdesk.errors import EncoderError

__all__ = ["DEFAULT_ENCODER", "Encoder", "Role", "get_encoder", "register_encoder"]

DEFAULT_ENCODER = "e5-small"


class Role(StrEnum):
    """What a text is to the encoder: an article (``passage``) or a label text (``query``)."""

    PASSAGE = "passage"
    QUERY = "query"


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalized float32 vectors.

    ``fingerprint`` identifies the exact weights and settings: two encoders with the same
    fingerprint give the same vectors, and saved models refuse to load under another one.
    """

    name: str
    dim: int

    @property
    def fingerprint(self) -> str: ...

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        """Encode ``texts`` into an ``(len(texts), dim)`` float32 array of unit rows."""
        ...


_FACTORIES: dict[str, Callable[[], Encoder]] = {}
_CACHE: dict[str, Encoder] = {}
_LOCK = threading.Lock()


def register_encoder(name: str, factory: Callable[[], Encoder]) -> None:
    """Make ``get_encoder(name)`` build an encoder with ``factory`` (called once, lazily)."""
    _FACTORIES[name] = factory


def _builtin_factories() -> dict[str, Callable[[], Encoder]]:
    def e5() -> Encoder:
        from newsdesk.encoders.e5 import E5Encoder

        return E5Encoder()

    def use_m3() -> Encoder:
        from newsdesk.encoders.use import USEEncoder

        return USEEncoder()

    def lexical() -> Encoder:
        from newsdesk.encoders.lexical import LexicalEncoder

        return LexicalEncoder()

    return {"e5-small": e5, "use-m3": use_m3, "lexical": lexical}


def available_encoders() -> list[str]:
    """Names ``get_encoder`` accepts besides a folder path."""
    return sorted({**_builtin_factories(), **_FACTORIES})


def get_encoder(name: str | Encoder | None = None) -> Encoder:
    """Return the (shared, lazily built) encoder called ``name``, or pass an encoder through."""
    if name is None:
        name = DEFAULT_ENCODER
    if not isinstance(name, str):
        return name
    with _LOCK:
        if name in _CACHE:
            return _CACHE[name]
        factories = {**_builtin_factories(), **_FACTORIES}
        if name in factories:
            encoder = factories[name]()
        elif Path(name).is_dir():
            from newsdesk.encoders.onnx_dir import OnnxDirEncoder

            encoder = OnnxDirEncoder(Path(name))
        else:
            raise EncoderError(
                f"unknown encoder '{name}'; use one of {', '.join(available_encoders())} "
                "or the path of a folder with model.onnx and tokenizer.json"
            )
        _CACHE[name] = encoder
        return encoder


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (zero rows stay zero) as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
