"""An on-disk cache of embeddings, so retraining on the same articles does not re-encode them.

Vectors are keyed by the encoder's fingerprint and a hash of the role and text, in one SQLite
file an encoder under ``$NEWSDESK_CACHE_DIR/embeddings`` (default ``~/.cache/newsdesk``).
SQLite makes concurrent writers safe.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
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
        self.path = (folder or cache_dir() / "embeddings") / f"{key}.sqlite"

    @property
    def fingerprint(self) -> str:
        return self.encoder.fingerprint

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=60)
        db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB)")
        return db

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        keys = [hashlib.sha256(f"{role}\0{t}".encode()).hexdigest() for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        found: dict[str, bytes] = {}
        with self._connect() as db:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, vec FROM vectors WHERE key IN ({marks})"
                found.update(db.execute(query, chunk).fetchall())
        missing = [i for i, k in enumerate(keys) if k not in found]
        for i, k in enumerate(keys):
            if k in found:
                out[i] = np.frombuffer(found[k], dtype=np.float32)
        for start in range(0, len(missing), self.chunk_size):
            part = missing[start : start + self.chunk_size]
            fresh = self.encoder.encode([texts[i] for i in part], role=role)
            out[part] = fresh
            rows = [(keys[i], fresh[j].astype(np.float32).tobytes()) for j, i in enumerate(part)]
            with self._connect() as db:
                db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
            if self.progress is not None:
                self.progress(min(start + self.chunk_size, len(missing)), len(missing))
        return out
