"""``/healthz``, ``/readyz`` and ``/metrics``: for load balancers and Prometheus; no key."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from newsdesk.service.dependencies import State
from newsdesk.store.errors import StoreUnavailableError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "Not ready; 'problems' says why."}})
def readyz(state: State) -> JSONResponse:
    """The model is loaded and the database answers."""
    problems = [] if state.ready else ["the model is not loaded yet"]
    try:
        with state.store.read() as conn:
            conn.execute(text("SELECT 1"))
    except StoreUnavailableError as exc:  # its message says which database and why
        problems.append(str(exc))
    except Exception as exc:
        problems.append(f"the database does not answer: {type(exc).__name__}: {exc}")
    body = {"status": "not ready" if problems else "ready", "model_version": state.model_version}
    if not problems:
        return JSONResponse(body)
    body["problems"] = "; ".join(problems)
    retry = {"Retry-After": str(state.settings.unavailable_retry_after_s)}
    return JSONResponse(body, status_code=503, headers=retry)


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
)
def metrics(state: State) -> Response:
    """Requests, latencies, articles filed by section, queue depth and the model version."""
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
