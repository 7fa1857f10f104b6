"""``newsdesk classify --engine ray``: classification as a Ray Data pipeline.

read (JSON Lines, CSV or Parquet: files, folders, globs, URIs) -> ``map_batches`` over a
fixed pool of actors, each holding one loaded classifier -> the driver, which saves Parquet
parts (:class:`~newsdesk.scale.ray_output.RayOutput`). Rows are read with newsdesk's own
readers and written as the dicts of :meth:`Prediction.to_dict`, so ids, sections, confidences
and rejected rows are those ``newsdesk classify`` writes. Ray runs on a local instance started
for the job (loopback only, no dashboard, no usage reporting) or on an existing cluster given
by ``address``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from newsdesk.classify.spec import ClassifierSpec
from newsdesk.errors import ClusterError, require
from newsdesk.io.readers import InputFormat
from newsdesk.io.records import Rejected
from newsdesk.scale.cluster import check_ray_address
from newsdesk.scale.inputs import resolve_inputs

__all__ = ["ClassifyBatch", "RayJobResult", "RaySettings", "classify_with_ray", "ray_session"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RaySettings:
    """Where and how wide a job runs.

    ``workers`` actors of ``cpus_per_worker`` cores each (the encoder runs that many threads);
    about ``batch_size`` articles go to an actor at a time, encoded ``encode_batch`` at a time
    (the CLI's ``--batch-size``: the same batches, so the same embeddings);
    ``env`` holds environment variables for the workers (``NEWSDESK_CACHE_DIR``, say);
    ``worker_logs`` sends the workers' output to this process's stderr.
    """

    workers: int = 2
    cpus_per_worker: int = 1
    batch_size: int = 256
    encode_batch: int = 32
    address: str | None = None
    preserve_order: bool = False
    object_store_mb: int = 512
    env: dict[str, str] = field(default_factory=dict)
    worker_logs: bool = False


@dataclass(frozen=True)
class RayJobResult:
    """What a job wrote, and how long it took (``seconds`` excludes starting Ray).

    ``rows`` and ``rejected`` count this job's work; ``resumed_rows`` the rows a resumed job
    found already written; ``rejects`` are every reject of the output folder, a resumed
    job's earlier ones included, in input order.
    """

    rows: int
    files: list[str]
    seconds: float
    startup_seconds: float
    rejected: int = 0
    resumed_rows: int = 0
    rejects: list[Rejected] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Articles per second once Ray was up."""
        return self.rows / self.seconds if self.seconds else 0.0


class ClassifyBatch:
    """A Ray actor: builds the classifier once, then files one block of article groups a call.

    It answers one row a group: where the group came from, its rejects, and its predictions.
    """

    def __init__(self, spec: ClassifierSpec, encode_batch: int, top_k: int | None) -> None:
        import pyarrow as pa

        from newsdesk.classify.threads import limit_blas_threads
        from newsdesk.io.parquet import prediction_schema

        self.classifier = spec.build()
        limit_blas_threads()
        self.encode_batch = encode_batch
        self.top_k = top_k
        schema = prediction_schema(
            self.classifier.taxonomy.names,
            multi_label=self.classifier.multi_label,
            top=bool(top_k),
        )
        self.schema = pa.schema(
            [
                pa.field("file", pa.string()),
                pa.field("group", pa.int64()),
                pa.field("rejects", pa.list_(pa.string())),
                pa.field("predictions", pa.list_(pa.struct(list(schema)))),
            ]
        )

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        from newsdesk.scale.datasource import articles_from_row

        rows: list[dict[str, Any]] = []
        for group in batch.to_pylist():  # one row: one encoder batch, as the CLI forms it
            articles = articles_from_row(group)
            found = self.classifier.classify_many(articles, batch_size=max(1, len(articles)))
            predictions = [p.to_dict(top_k=self.top_k) for p in found]
            rows.append({k: group[k] for k in ("file", "group", "rejects")})
            rows[-1]["predictions"] = predictions
        return pa.Table.from_pylist(rows, schema=self.schema)


BlockHandler = Callable[[int, list[Rejected]], None]


def classify_with_ray(
    inputs: Sequence[str],
    output_dir: str | Path,
    spec: ClassifierSpec,
    settings: RaySettings | None = None,
    *,
    format: InputFormat | None = None,
    read_options: dict[str, Any] | None = None,
    top_k: int | None = None,
    overwrite: bool = False,
    resume: bool = False,
    on_resumed: Callable[[int], None] | None = None,
    on_block: BlockHandler | None = None,
) -> RayJobResult:
    """Classify ``inputs`` into Parquet files under ``output_dir`` on Ray; see the module doc.

    ``read_options`` are :func:`~newsdesk.io.readers.read_stream`'s column names. The output
    folder must hold no Parquet files yet, unless ``overwrite`` (they are removed first) or
    ``resume`` (the groups they hold are not filed again). ``on_resumed(rows)`` is called
    with the rows a resumed folder held, ``on_block(rows, rejects)`` as each block is filed.
    """
    require("ray", feature="the Ray engine", extra="scale")
    import ray

    from newsdesk.scale.ray_output import RayOutput

    settings = settings or RaySettings()
    if spec.threads is None:  # one encoder thread a core given, not one a core of the node
        spec = replace(spec, threads=settings.cpus_per_worker)
    fmt, files = resolve_inputs(list(inputs), format)
    output = RayOutput(str(output_dir), files, resume=resume, overwrite=overwrite)
    if on_resumed is not None:
        on_resumed(output.rows_before)
    rows = rejected = 0
    with ray_session(settings) as startup:
        from newsdesk.scale.datasource import ArticleDatasource

        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        ctx.execution_options.preserve_order = settings.preserve_order
        source = ArticleDatasource(
            files,
            format=str(fmt),
            read_options=read_options,
            group_rows=settings.encode_batch,
            done=output.done_by_file(),
        )
        predictions = ray.data.read_datasource(source).map_batches(
            ClassifyBatch,
            fn_constructor_kwargs={
                "spec": spec,
                "encode_batch": settings.encode_batch,
                "top_k": top_k,
            },
            batch_size=max(1, settings.batch_size // settings.encode_batch),  # rows are batches
            batch_format="pyarrow",
            compute=ray.data.ActorPoolStrategy(size=settings.workers),
            num_cpus=settings.cpus_per_worker,
        )
        for block in predictions.iter_batches(batch_size=None, batch_format="pyarrow"):
            filed, rejects = output.add(block)
            rows += filed
            rejected += len(rejects)
            if on_block is not None:
                on_block(filed, rejects)
        output.save()
    seconds = time.perf_counter() - startup.ready
    return RayJobResult(
        rows,
        output.files(),
        seconds,
        startup.seconds,
        rejected,
        output.rows_before,
        list(output.rejects()),
    )


@dataclass
class RayStartup:
    """When a job's Ray was ready (``time.perf_counter()``) and how long starting it took."""

    ready: float
    seconds: float


@contextmanager
def ray_session(settings: RaySettings) -> Iterator[RayStartup]:
    """Ray for one job: the one this process is connected to, else one started (and stopped)
    here: a local instance or a connection to ``settings.address``."""
    import ray

    started = time.perf_counter()
    own_ray = not ray.is_initialized()
    if own_ray:
        _init_ray(settings)
    ready = time.perf_counter()
    try:
        yield RayStartup(ready, ready - started)
    finally:
        if own_ray:
            ray.shutdown()


def _init_ray(settings: RaySettings) -> None:
    import ray

    # Ray reports usage to its makers unless told not to; newsdesk never reaches the network.
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    runtime_env = {"env_vars": dict(settings.env)}
    quiet: dict[str, Any] = {
        "log_to_driver": settings.worker_logs,
        "logging_level": logging.WARNING,
    }
    if settings.address:
        address = check_ray_address(settings.address)
        try:
            ray.init(address=address, runtime_env=runtime_env, **quiet)
        except (ConnectionError, ValueError) as exc:  # Ray's refusals, past the first answer
            raise ClusterError(f"cannot join the Ray cluster at {address}: {exc}") from None
        return
    ray.init(
        # one extra logical CPU so read and write tasks run beside a full pool of actors
        num_cpus=settings.workers * settings.cpus_per_worker + 1,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        object_store_memory=settings.object_store_mb * 1024 * 1024,
        runtime_env=runtime_env,
        **quiet,
    )
