"""An encoder that hands back the vectors of texts it was given, and encodes only the others.

Adapting a classifier encodes its archive once to learn from it; filing the same articles
afterwards must not pay for encoding them again. Unlike the on-disk
:class:`~newsdesk.encoders.cache.CachedEncoder`, the vectors live in memory for as long as
the classifier that holds them, and nothing is written anywhere.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from newsdesk.encoders.base import Encoder, Role

__all__ = ["RememberedEncoder"]


def _key(role: Role, text: str) -> bytes:
    return hashlib.sha1(f"{role}\0{text}".encode()).digest()


class RememberedEncoder:
    """Wraps ``encoder``; the passages ``texts`` read back as ``vectors`` (row ``i`` is
    ``texts[i]``'s), any other text is encoded by ``encoder``.

    It keeps ``encoder``'s name and fingerprint: the vectors are ``encoder``'s own, so a model
    saved with this encoder loads under ``encoder``.
    """

    def __init__(self, encoder: Encoder, texts: Sequence[str], vectors: np.ndarray) -> None:
        if len(texts) != len(vectors):
            raise ValueError(f"{len(texts)} texts but {len(vectors)} vectors to remember")
        self.encoder = encoder
        self._rows = {_key(Role.PASSAGE, t): i for i, t in enumerate(texts)}
        self._vectors = np.asarray(vectors, dtype=np.float32)

    @property
    def name(self) -> str:
        return self.encoder.name

    @property
    def dim(self) -> int:
        return self.encoder.dim

    @property
    def fingerprint(self) -> str:
        return self.encoder.fingerprint

    @property
    def earlier_fingerprints(self) -> tuple[str, ...]:
        return tuple(getattr(self.encoder, "earlier_fingerprints", ()))

    def __len__(self) -> int:
        return len(self._rows)

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        rows = [self._rows.get(_key(role, t), -1) for t in texts]
        missing = [i for i, row in enumerate(rows) if row < 0]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        known = [i for i, row in enumerate(rows) if row >= 0]
        if known:
            out[known] = self._vectors[[rows[i] for i in known]]
        if missing:
            out[missing] = self.encoder.encode([texts[i] for i in missing], role=role)
        return out
