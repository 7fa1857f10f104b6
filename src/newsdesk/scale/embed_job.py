"""``newsdesk train --engine ray``: training's embedding pass as a Ray Data job.

The driver plans the batches that training's cached encoder would encode (the texts the
embedding cache lacks, ``chunk_size`` at a time, pass after pass: see
:meth:`CachedEncoder.plan`), a fixed pool of actors, each holding one loaded encoder, encodes
them, and the driver stores each batch's vectors in the cache as it comes back. Training then
reads every vector from the cache, so the model is the one training in one process makes:
the batches are the same, for an encoder whose vectors depend on a batch's other texts (a
user's dynamically quantized model; e5-small encodes each text alone).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from newsdesk.encoders.base import Role
from newsdesk.encoders.cache import CachedEncoder
from newsdesk.errors import EncoderError, require
from newsdesk.scale.ray_job import RaySettings, ray_session

__all__ = ["EmbedJobResult", "EncodeBatch", "fill_cache_with_ray"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EmbedJobResult:
    """How many texts the actors encoded (``seconds`` excludes starting Ray)."""

    texts: int
    batches: int
    seconds: float
    startup_seconds: float

    @property
    def rate(self) -> float:
        """Texts per second once Ray was up."""
        return self.texts / self.seconds if self.seconds else 0.0


class EncodeBatch:
    """A Ray actor: loads the encoder once, then encodes one planned batch a row."""

    def __init__(self, encoder: str, fingerprint: str, threads: int) -> None:
        from newsdesk.encoders.registry import get_encoder

        self.encoder = get_encoder(encoder, threads=threads)
        if self.encoder.fingerprint != fingerprint:
            raise EncoderError(
                f"the encoder '{encoder}' on this Ray worker is {self.encoder.fingerprint}, not "
                f"the driver's {fingerprint}: install the same newsdesk and encoder on every node"
            )

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        numbers, vectors = [], []
        for row in batch.to_pylist():
            found = self.encoder.encode(row["texts"], role=Role(row["role"]))
            numbers.append(row["batch"])
            vectors.append(np.ascontiguousarray(found, dtype=np.float32).tobytes())
        return pa.table({"batch": numbers, "vectors": pa.array(vectors, pa.binary())})


def fill_cache_with_ray(
    cache: CachedEncoder,
    encoder: str,
    passes: Sequence[Sequence[str]],
    settings: RaySettings | None = None,
    *,
    role: Role = Role.PASSAGE,
    progress: Callable[[int, int], None] | None = None,
) -> EmbedJobResult:
    """Encode on Ray what ``cache.encode(texts)`` would encode for each of ``passes`` in turn.

    ``encoder`` is the name (or folder) the actors build the encoder from; it must give
    ``cache``'s fingerprint. ``progress(done, total)`` follows the texts stored.
    """
    require("ray", feature="the Ray engine", extra="scale")
    import ray

    settings = settings or RaySettings()
    planned: list[tuple[list[str], list[str]]] = []  # (keys, texts) a batch
    held: set[str] = set()
    for texts in passes:
        keys = cache.keys(texts, role)
        for part in cache.plan(keys, held):
            planned.append(([keys[i] for i in part], [texts[i] for i in part]))
        held.update(key for keys_, _ in planned for key in keys_)
    total = sum(len(keys) for keys, _ in planned)
    if not planned:
        return EmbedJobResult(0, 0, 0.0, 0.0)
    settings = replace(settings, workers=min(settings.workers, len(planned)))
    with ray_session(settings) as startup:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        rows = [
            {"batch": number, "role": str(role), "texts": texts}
            for number, (_, texts) in enumerate(planned)
        ]
        encoded = ray.data.from_items(rows, override_num_blocks=len(rows)).map_batches(
            EncodeBatch,
            fn_constructor_kwargs={
                "encoder": encoder,
                "fingerprint": cache.fingerprint,
                "threads": settings.cpus_per_worker,
            },
            batch_size=1,
            batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(size=settings.workers),
            num_cpus=settings.cpus_per_worker,
        )
        done = 0
        blocks: Any = encoded.iter_batches(batch_size=None, batch_format="pyarrow")
        for block in blocks:
            for row in block.to_pylist():
                keys, _ = planned[row["batch"]]
                vectors = np.frombuffer(row["vectors"], dtype=np.float32).reshape(len(keys), -1)
                cache.store(keys, vectors)
                done += len(keys)
                if progress is not None:
                    progress(done, total)
    return EmbedJobResult(total, len(planned), time.perf_counter() - startup.ready, startup.seconds)
