"""The encoder interface: what every backend offers, and the helpers they share.

The registry that maps names to backends lives in :mod:`newsdesk.encoders.registry`, so the
backends can import this module without importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["Encoder", "Role", "normalize_rows"]


class Role(StrEnum):
    """What a text is to the encoder: an article (``passage``) or a label text (``query``)."""

    PASSAGE = "passage"
    QUERY = "query"


@runtime_checkable
class Encoder(Protocol):
    """Turns texts into L2-normalized float32 vectors.

    ``fingerprint`` identifies the exact weights and settings: two encoders with the same
    fingerprint give the same vectors, and saved models refuse to load under another one (but
    for ``earlier_fingerprints``, an optional tuple: earlier builds of the same model, whose
    saved models load with a warning). Other optional attributes, read with ``getattr``:
    ``cacheable`` (same fingerprint, same vectors: label vectors may be kept on disk) and
    ``bag_of_words`` (it counts words rather than reads sentences: the zero-shot head gives
    it no label prompts).
    """

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    @property
    def fingerprint(self) -> str: ...

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        """Encode ``texts`` into an ``(len(texts), dim)`` float32 array of unit rows."""
        ...


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Scale each row to unit length (zero rows stay zero) as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
