"""Models: the registry with metrics, retraining in the background, compare, activate, roll back."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from newsdesk.errors import NewsdeskError
from newsdesk.lifecycle.jobs import JobRunning
from newsdesk.store import registry
from newsdesk.store.records import KeyRole
from newsdesk.store.review import reviewed_count
from newsdesk.ui.auth import (
    DeskError,
    DeskState,
    Editor,
    FormVisit,
    PageVisit,
    Reader,
)
from newsdesk.ui.curve import read_curve
from newsdesk.ui.pages import finish, redirect, render

router = APIRouter(prefix="/desk", include_in_schema=False)


@router.get("/models")
async def models_page(
    request: Request,
    current: PageVisit,
    user: Reader,
    desk: DeskState,
) -> Response:
    def read() -> dict:
        with desk.store.read() as conn:
            return {
                "models": registry.list_models(conn),
                "active": registry.active_version(conn),
                "previous": registry.previous_version(conn),
                "history": registry.activation_history(conn, limit=10),
                "job": registry.latest_job(conn),
                "reviewed": reviewed_count(conn),
                "curve": read_curve(conn),
            }

    context = await run_in_threadpool(read)
    context |= {"nav": "models", "can_manage": user.can(KeyRole.EDITOR)}
    return render(request, "models.html", context, current)


@router.get("/models/{version}")
async def model_page(
    request: Request,
    version: str,
    current: PageVisit,
    user: Reader,
    desk: DeskState,
) -> Response:
    def read() -> dict:
        with desk.store.read() as conn:
            return {
                "model": registry.get_model(conn, version),
                "active": registry.active_version(conn),
                "job": registry.latest_job(conn),
            }

    context = await run_in_threadpool(read)
    if context["model"] is None:
        raise DeskError(404, f"no model {version!r}")
    context |= {"nav": "models", "can_manage": user.can(KeyRole.EDITOR)}
    return render(request, "model.html", context, current)


@router.post("/models/retrain")
async def start_retrain(
    request: Request,
    current: FormVisit,
    user: Editor,
    desk: DeskState,
) -> Response:
    """Start retraining from every correction; the models page shows its progress."""
    try:
        job_id = await run_in_threadpool(lambda: desk.lifecycle.jobs.start_retrain(by=user.name))
    except JobRunning as exc:
        raise DeskError(409, str(exc)) from None
    return redirect(request, f"/desk/models?job={job_id}", current)


async def _change_model(
    request: Request, current: FormVisit, change: Callable[[], object]
) -> Response:
    """Run an activation or a roll-back; 409 with the reason when the registry refuses it."""
    try:
        await run_in_threadpool(change)
    except NewsdeskError as exc:
        raise DeskError(409, str(exc)) from None
    return redirect(request, "/desk/models", current)


@router.post("/models/rollback")
async def rollback(request: Request, current: FormVisit, user: Editor, desk: DeskState) -> Response:
    return await _change_model(
        request, current, lambda: desk.lifecycle.active.rollback(by=user.name)
    )


@router.post("/models/{version}/activate")
async def activate(
    request: Request, version: str, current: FormVisit, user: Editor, desk: DeskState
) -> Response:
    return await _change_model(
        request, current, lambda: desk.lifecycle.active.activate(version, by=user.name)
    )


@router.post("/models/{version}/compare")
async def compare(
    request: Request,
    version: str,
    current: FormVisit,
    user: Editor,
    desk: DeskState,
) -> Response:
    """Compare ``version`` with the active model on the held-out corrected articles now."""

    def read() -> registry.ModelRecord | None:
        with desk.store.read() as conn:
            return registry.get_model(conn, version)

    record = await run_in_threadpool(read)
    if record is None:
        raise DeskError(404, f"no model {version!r}")
    if record.status != "ready":
        raise DeskError(409, f"model {version!r} is {record.status}: only a ready one compares")
    try:
        await run_in_threadpool(lambda: desk.lifecycle.jobs.start_compare(version, by=user.name))
    except JobRunning as exc:
        raise DeskError(409, str(exc)) from None
    return redirect(request, f"/desk/models/{version}", current)


@router.get("/jobs/{job_id}")
async def job_status(
    request: Request,
    job_id: int,
    current: PageVisit,
    user: Reader,
    desk: DeskState,
) -> Response:
    """A job's progress as JSON (the models page polls it)."""

    def read() -> registry.DeskJob | None:
        with desk.store.read() as conn:
            return registry.get_job(conn, job_id)

    job = await run_in_threadpool(read)
    if job is None:
        raise DeskError(404, f"no job {job_id}")
    return finish(request, JSONResponse(job.to_dict()), current)
