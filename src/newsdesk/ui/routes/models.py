"""Models: the registry with metrics, retraining in the background, compare, activate, roll back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from newsdesk.errors import NewsdeskError
from newsdesk.store import registry
from newsdesk.store.records import KeyRole
from newsdesk.store.review import reviewed_count
from newsdesk.store.users import User
from newsdesk.ui.auth import DeskError, Visit, csrf_protected, get_desk, require_user, visit
from newsdesk.ui.desk import Desk
from newsdesk.ui.pages import finish, redirect, render

router = APIRouter(prefix="/desk", include_in_schema=False)


@router.get("/models")
async def models_page(
    request: Request,
    current: Annotated[Visit, Depends(visit)],
    user: Annotated[User, Depends(require_user())],
    desk: Annotated[Desk, Depends(get_desk)],
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
            }

    context = await run_in_threadpool(read)
    context |= {"nav": "models", "can_manage": user.can(KeyRole.EDITOR)}
    return render(request, "models.html", context, current)


@router.get("/models/{version}")
async def model_page(
    request: Request,
    version: str,
    current: Annotated[Visit, Depends(visit)],
    user: Annotated[User, Depends(require_user())],
    desk: Annotated[Desk, Depends(get_desk)],
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


def _busy(desk: Desk) -> None:
    job = desk.running_job()
    if job is not None:
        raise DeskError(409, f"a {job.kind} job is running ({job.message}); wait for it to end")


@router.post("/models/retrain")
async def start_retrain(
    request: Request,
    current: Annotated[Visit, Depends(csrf_protected)],
    user: Annotated[User, Depends(require_user(KeyRole.EDITOR))],
    desk: Annotated[Desk, Depends(get_desk)],
) -> Response:
    """Start retraining from every correction; the models page shows its progress."""
    await run_in_threadpool(_busy, desk)
    job_id = await run_in_threadpool(lambda: desk.start_retrain(by=user.name))
    return redirect(request, f"/desk/models?job={job_id}", current)


@router.post("/models/rollback")
async def rollback(
    request: Request,
    current: Annotated[Visit, Depends(csrf_protected)],
    user: Annotated[User, Depends(require_user(KeyRole.EDITOR))],
    desk: Annotated[Desk, Depends(get_desk)],
) -> Response:
    try:
        await run_in_threadpool(lambda: desk.rollback(by=user.name))
    except NewsdeskError as exc:
        raise DeskError(409, str(exc)) from None
    return redirect(request, "/desk/models", current)


@router.post("/models/{version}/activate")
async def activate(
    request: Request,
    version: str,
    current: Annotated[Visit, Depends(csrf_protected)],
    user: Annotated[User, Depends(require_user(KeyRole.EDITOR))],
    desk: Annotated[Desk, Depends(get_desk)],
) -> Response:
    try:
        await run_in_threadpool(lambda: desk.activate(version, by=user.name))
    except NewsdeskError as exc:
        raise DeskError(409, str(exc)) from None
    return redirect(request, "/desk/models", current)


@router.post("/models/{version}/compare")
async def compare(
    request: Request,
    version: str,
    current: Annotated[Visit, Depends(csrf_protected)],
    user: Annotated[User, Depends(require_user(KeyRole.EDITOR))],
    desk: Annotated[Desk, Depends(get_desk)],
) -> Response:
    """Compare ``version`` with the active model on the held-out corrected articles now."""
    await run_in_threadpool(_busy, desk)
    await run_in_threadpool(lambda: desk.start_compare(version, by=user.name))
    return redirect(request, f"/desk/models/{version}", current)


@router.get("/jobs/{job_id}")
async def job_status(
    request: Request,
    job_id: int,
    current: Annotated[Visit, Depends(visit)],
    user: Annotated[User, Depends(require_user())],
    desk: Annotated[Desk, Depends(get_desk)],
) -> Response:
    """A job's progress as JSON (the models page polls it)."""

    def read() -> registry.DeskJob | None:
        with desk.store.read() as conn:
            return registry.get_job(conn, job_id)

    job = await run_in_threadpool(read)
    if job is None:
        raise DeskError(404, f"no job {job_id}")
    return finish(request, JSONResponse(job.to_dict()), current)
