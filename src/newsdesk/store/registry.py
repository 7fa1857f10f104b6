"""The model registry: models the service can serve, which one is active, and desk jobs.

A model is registered when training starts (status ``training``), then marked ``ready`` with
its folder and metrics, or ``failed``, or removed when the training had nothing to propose.
Only an editor's activation makes it the active model; the activation history makes roll-back
a matter of re-activating the previous version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select, text, update

from newsdesk.store.desk_tables import desk_jobs, model_activations, models
from newsdesk.store.errors import StoreError
from newsdesk.store.records import as_utc, utcnow
from newsdesk.store.tables import SEQ_MAX

__all__ = [
    "ROLLBACK_NOTE",
    "DeskJob",
    "ModelRecord",
    "activate_model",
    "activation_history",
    "active_version",
    "create_job",
    "ensure_model",
    "fail_training_models",
    "finish_job",
    "get_job",
    "get_model",
    "latest_job",
    "list_models",
    "previous_version",
    "register_model",
    "remove_model",
    "update_job",
    "update_model",
]

# The note of an activation that rolls back (how the history tells roll-backs apart).
ROLLBACK_NOTE = "roll back"


@dataclass(frozen=True)
class ModelRecord:
    """A registered model and what is known of it."""

    version: str
    path: str | None
    kind: str
    status: str
    created_at: datetime
    created_by: str | None = None
    metrics: dict[str, Any] | None = None
    comparison: dict[str, Any] | None = None
    training: dict[str, Any] | None = None
    error: str | None = None


@dataclass(frozen=True)
class DeskJob:
    """A background job of the desk and how far it has got."""

    id: int
    kind: str
    status: str
    progress: float
    message: str
    model_version: str | None
    created_by: str | None
    created_at: datetime
    finished_at: datetime | None = None
    result: dict[str, Any] | None = None
    error: str | None = None

    @property
    def running(self) -> bool:
        return self.status in ("queued", "running")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": round(self.progress, 3),
            "message": self.message,
            "model_version": self.model_version,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "result": self.result,
            "error": self.error,
        }


def register_model(
    conn: Connection,
    version: str,
    *,
    kind: str,
    status: str,
    path: str | None = None,
    created_by: str | None = None,
    metrics: dict[str, Any] | None = None,
    training: dict[str, Any] | None = None,
) -> ModelRecord:
    """Add a model to the registry; :class:`StoreError` when the version exists."""
    if get_model(conn, version) is not None:
        raise StoreError(f"model version {version!r} is registered already")
    conn.execute(
        models.insert().values(
            version=version,
            path=path,
            kind=kind,
            status=status,
            created_at=utcnow(),
            created_by=created_by,
            metrics=metrics,
            training=training,
        )
    )
    record = get_model(conn, version)
    assert record is not None
    return record


def ensure_model(conn: Connection, version: str, *, path: str | None, kind: str) -> ModelRecord:
    """The registered model ``version``, registering it (ready) first when it is new."""
    return get_model(conn, version) or register_model(
        conn, version, kind=kind, status="ready", path=path
    )


def update_model(conn: Connection, version: str, **values: Any) -> None:
    """Set columns of a registered model (``status``, ``path``, ``metrics``...)."""
    conn.execute(update(models).where(models.c.version == version).values(**values))


def remove_model(conn: Connection, version: str) -> None:
    """Take ``version`` out of the registry (a model never activated: nothing refers to it)."""
    conn.execute(delete(models).where(models.c.version == version))


def fail_training_models(conn: Connection, *, error: str) -> list[str]:
    """Mark every model still ``training`` as ``failed`` with ``error``; their versions."""
    versions = list(conn.scalars(select(models.c.version).where(models.c.status == "training")))
    if versions:
        where = models.c.version.in_(versions)
        conn.execute(update(models).where(where).values(status="failed", error=error))
    return versions


def get_model(conn: Connection, version: str) -> ModelRecord | None:
    row = conn.execute(select(models).where(models.c.version == version)).one_or_none()
    return _model(row) if row is not None else None


def latest_start_version(conn: Connection) -> str | None:
    """The starting model (kind ``initial``) registered last: the one services start on now."""
    query = select(models.c.version).where(models.c.kind == "initial")
    return conn.scalars(query.order_by(models.c.seq.desc()).limit(1)).first()


def list_models(conn: Connection, *, limit: int = 100) -> list[ModelRecord]:
    """Registered models, newest first."""
    rows = conn.execute(select(models).order_by(models.c.seq.desc()).limit(limit))
    return [_model(row) for row in rows]


def activate_model(
    conn: Connection, version: str, *, by: str | None, note: str | None = None
) -> ModelRecord:
    """Make ``version`` the active model (it must be ready)."""
    record = get_model(conn, version)
    if record is None:
        raise StoreError(f"no model {version!r} in the registry")
    if record.status != "ready":
        raise StoreError(
            f"model {version!r} is {record.status}, not ready: only a trained model can serve"
        )
    conn.execute(
        model_activations.insert().values(
            version=version, activated_at=utcnow(), activated_by=by, note=note
        )
    )
    return record


def activate_model_if(
    conn: Connection, version: str, *, expected: str | None, by: str | None, note: str | None = None
) -> bool:
    """Make ``version`` the active model only if ``expected`` is the active one, as one step:
    a concurrent activation (an editor's, another process's) either lands before the check
    and is kept, or waits for this transaction. ``False`` when the active model had changed."""
    if conn.dialect.name == "postgresql":  # SQLite's write transactions are already exclusive
        conn.execute(text("LOCK TABLE model_activations IN SHARE ROW EXCLUSIVE MODE"))
    if active_version(conn) != expected:
        return False
    activate_model(conn, version, by=by, note=note)
    return True


def active_version(conn: Connection) -> str | None:
    """The version activated last, or ``None`` when none ever was."""
    return conn.scalar(
        select(model_activations.c.version).order_by(model_activations.c.seq.desc()).limit(1)
    )


def activation_history(conn: Connection, *, limit: int = 50) -> list[dict[str, Any]]:
    """Activations, newest first."""
    rows = conn.execute(
        select(model_activations).order_by(model_activations.c.seq.desc()).limit(limit)
    )
    return [
        {
            "version": row.version,
            "activated_at": as_utc(row.activated_at),
            "activated_by": row.activated_by,
            "note": row.note,
        }
        for row in rows
    ]


def previous_version(conn: Connection) -> str | None:
    """The version a roll-back activates: the one active before the current one.

    The activations are replayed as a stack: an activation pushes its version, a roll-back
    pops the current one. So a second roll-back goes one step further back (v1, v2, v3, roll
    back to v2, roll back to v1) instead of returning to the model just rolled back from.
    """
    rows = conn.execute(
        select(model_activations.c.version, model_activations.c.note).order_by(
            model_activations.c.seq
        )
    )
    stack: list[str] = []
    for version, note in rows:
        if note == ROLLBACK_NOTE and len(stack) > 1 and stack[-2] == version:
            stack.pop()
        elif not stack or stack[-1] != version:
            stack.append(version)
    return stack[-2] if len(stack) > 1 else None


def create_job(
    conn: Connection, kind: str, *, created_by: str | None, model_version: str | None = None
) -> int:
    """Queue a job and return its id."""
    result = conn.execute(
        desk_jobs.insert()
        .values(
            kind=kind,
            status="queued",
            progress=0.0,
            message="waiting to start",
            model_version=model_version,
            created_by=created_by,
            created_at=utcnow(),
        )
        .returning(desk_jobs.c.seq)
    )
    return int(result.scalar_one())


def update_job(conn: Connection, job_id: int, **values: Any) -> None:
    conn.execute(update(desk_jobs).where(desk_jobs.c.seq == job_id).values(**values))


def finish_job(
    conn: Connection,
    job_id: int,
    *,
    error: str | None = None,
    result: dict[str, Any] | None = None,
    message: str | None = None,
) -> None:
    """Mark a job done (or failed, when ``error`` is given)."""
    values: dict[str, Any] = {
        "status": "failed" if error else "done",
        "finished_at": utcnow(),
        "error": error,
        "result": result,
    }
    if not error:
        values["progress"] = 1.0
    if message is not None:
        values["message"] = message
    update_job(conn, job_id, **values)


def get_job(conn: Connection, job_id: int) -> DeskJob | None:
    if not 0 < job_id <= SEQ_MAX:  # a number from a URL: no such job (and no overflow)
        return None
    row = conn.execute(select(desk_jobs).where(desk_jobs.c.seq == job_id)).one_or_none()
    return _job(row) if row is not None else None


def latest_job(conn: Connection, kind: str | None = None) -> DeskJob | None:
    """The newest job (of ``kind``), or ``None``."""
    statement = select(desk_jobs).order_by(desk_jobs.c.seq.desc()).limit(1)
    if kind is not None:
        statement = statement.where(desk_jobs.c.kind == kind)
    row = conn.execute(statement).one_or_none()
    return _job(row) if row is not None else None


def _model(row: Row[Any]) -> ModelRecord:
    return ModelRecord(
        version=row.version,
        path=row.path,
        kind=row.kind,
        status=row.status,
        created_at=as_utc(row.created_at),
        created_by=row.created_by,
        metrics=row.metrics,
        comparison=row.comparison,
        training=row.training,
        error=row.error,
    )


def _job(row: Row[Any]) -> DeskJob:
    return DeskJob(
        id=int(row.seq),
        kind=row.kind,
        status=row.status,
        progress=float(row.progress),
        message=row.message,
        model_version=row.model_version,
        created_by=row.created_by,
        created_at=as_utc(row.created_at),
        finished_at=as_utc(row.finished_at) if row.finished_at else None,
        result=row.result,
        error=row.error,
    )
