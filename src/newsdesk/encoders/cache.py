"""An on-disk cache of embeddings, so retraining on the same articles does not re-encode them.

Vectors are keyed by the encoder's fingerprint and a hash of the role and text, in one SQLite
file an encoder under ``$NEWSDESK_CACHE_DIR/embeddings`` (default ``~/.cache/newsdesk``).
SQLite makes concurrent writers safe.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from newsdesk.encoders.base import Encoder, Role
from newsdesk.encoders.model_cache import cache_dir

__all__ = ["CachedEncoder", "cache_dir"]


class CachedEncoder:
    """Wraps an encoder; vectors it has produced once are read back from disk.

    New texts are encoded ``chunk_size`` at a time and stored after each chunk, so an
    interrupted run keeps what it did; ``progress(done, total)`` is called after each chunk.
    """

    def __init__(
        self,
        encoder: Encoder,
        folder: Path | None = None,
        *,
        chunk_size: int = 256,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.encoder = encoder
        self.chunk_size = chunk_size
        self.progress = progress
        self.name = encoder.name
        self.dim = encoder.dim
        key = hashlib.sha256(encoder.fingerprint.encode("utf-8")).hexdigest()[:16]
        # -v2: e5-small's vectors made one text at a time; a cache of the earlier batched
        # ones is left unread, so a store's retrains never mix the two
        self.path = (folder or cache_dir() / "embeddings") / f"{key}-v2.sqlite"

    @property
    def fingerprint(self) -> str:
        return self.encoder.fingerprint

    @property
    def earlier_fingerprints(self) -> tuple[str, ...]:
        return tuple(getattr(self.encoder, "earlier_fingerprints", ()))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection committed on success and closed either way (a long-lived service
        opens one a retrain: none may wait for the garbage collector)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=60)
        try:
            with db:
                db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB)")
                yield db
        finally:
            db.close()

    def keys(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> list[str]:
        """The cache key of each text."""
        return [hashlib.sha256(f"{role}\0{t}".encode()).hexdigest() for t in texts]

    def lookup(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors (float32 bytes) of those ``keys`` the cache holds."""
        found: dict[str, bytes] = {}
        with self._connect() as db:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, vec FROM vectors WHERE key IN ({marks})"
                found.update(db.execute(query, chunk).fetchall())
        return found

    def plan(self, keys: Sequence[str], held: Collection[str] = ()) -> list[list[int]]:
        """The batches :meth:`encode` would hand the encoder for texts with these ``keys``.

        The positions of the keys neither in the cache nor in ``held``, ``chunk_size`` at a
        time. An encoder's vectors may depend on which texts share a batch (a user's
        dynamically quantized model; e5-small runs each text alone), so whoever fills the
        cache for :meth:`encode` encodes these batches.
        """
        return self._batches(keys, self.lookup(keys), held)

    def _batches(
        self, keys: Sequence[str], found: Collection[str], held: Collection[str] = ()
    ) -> list[list[int]]:
        missing = [i for i, k in enumerate(keys) if k not in found and k not in held]
        return [missing[i : i + self.chunk_size] for i in range(0, len(missing), self.chunk_size)]

    def store(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Keep ``vectors[i]`` as the vector of ``keys[i]``."""
        rows = [(k, v.astype(np.float32).tobytes()) for k, v in zip(keys, vectors, strict=True)]
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        keys = self.keys(texts, role)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        found = self.lookup(keys)
        batches = self._batches(keys, found)
        for i, k in enumerate(keys):
            if k in found:
                out[i] = np.frombuffer(found[k], dtype=np.float32)
        total = sum(len(part) for part in batches)
        done = 0
        for part in batches:
            fresh = self.encoder.encode([texts[i] for i in part], role=role)
            out[part] = fresh
            self.store([keys[i] for i in part], fresh)
            done += len(part)
            if self.progress is not None:
                self.progress(done, total)
        return out
