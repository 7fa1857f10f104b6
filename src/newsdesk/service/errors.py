"""HTTP errors: one JSON shape for every error, naming the field and the limit when known.

Every error body reads ``{"status": 422, "message": "...", "errors": [{"field": ...,
"message": ..., "limit": ...}]}``; ``errors`` lists each bad field (empty when no field is at
fault).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from newsdesk.errors import NewsdeskError
from newsdesk.store.errors import StoreUnavailableError

__all__ = [
    "ApiError",
    "ErrorBody",
    "FieldProblem",
    "allowed_methods",
    "check_page_limit",
    "error_response",
    "install_error_handlers",
]

log = logging.getLogger(__name__)

# The server closes the connection after an unhandled error: saying so lets a keep-alive
# client open a new one for its next request instead of writing into a closed socket.
_CLOSE = {"Connection": "close"}


class FieldProblem(BaseModel):
    """What is wrong with one field of the request."""

    field: str | None
    message: str
    limit: int | float | None = None


class ErrorBody(BaseModel):
    """The body of every error response."""

    status: int
    message: str
    errors: list[FieldProblem] = []


class ApiError(Exception):
    """An error to answer with ``status``; raised by routes and dependencies."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        limit: int | float | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = [FieldProblem(field=field, message=message, limit=limit)] if field else []
        self.headers = headers


def error_response(
    status: int,
    message: str,
    problems: Sequence[FieldProblem] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorBody(status=status, message=message, errors=list(problems))
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


# Tags of the one-article-or-a-batch body (see dependencies.ArticlesBody); not field names.
_UNION_TAGS = ("single", "batch")


def field_name(loc: Sequence[Any]) -> str:
    """``("body", "articles", 3, "text")`` -> ``articles[3].text``."""
    parts = list(loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)
    if loc and loc[0] == "body" and parts and parts[0] in _UNION_TAGS:
        parts = parts[1:]  # the tag of the one-or-batch body union
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or (str(loc[0]) if loc else "body")


_LIMIT_KEYS = ("max_length", "min_length", "le", "lt", "ge", "gt")


def _validation_problem(error: dict[str, Any]) -> FieldProblem:
    ctx = error.get("ctx") or {}
    limit = next((ctx[k] for k in _LIMIT_KEYS if k in ctx), None)
    message = str(error.get("msg", "invalid value"))
    return FieldProblem(
        field=field_name(error.get("loc", ())),
        message=message,
        limit=limit if isinstance(limit, int | float) else None,
    )


def _not_json(error: dict[str, Any], doc: object) -> FieldProblem:
    """Why the body is not JSON, and where: the decoder's reason at a line and column of
    ``doc`` (the body as text; its character offset alone when the text is not at hand)."""
    reason = str((error.get("ctx") or {}).get("error") or "it cannot be read")
    loc = error.get("loc", ())
    position = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    if position is not None and isinstance(doc, str):
        where = json.JSONDecodeError(reason, doc, position)
        reason = f"{reason.removesuffix(' at')} at line {where.lineno} column {where.colno}"
    elif position is not None:
        reason = f"{reason.removesuffix(' at')} at character {position + 1}"
    return FieldProblem(field="body", message=f"the body is not valid JSON: {reason}")


def _unreadable_body(cause: BaseException | None) -> str | None:
    """What is wrong with a body FastAPI could not read (it says only that it could not);
    ``None`` for a cause this does not know."""
    if isinstance(cause, UnicodeDecodeError):
        data = bytes(cause.object)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            return (
                f"the body is not UTF-8 text: byte 0x{data[exc.start]:02X} at offset "
                f"{exc.start} ({exc.reason}); send JSON encoded as UTF-8"
            )
        return f"the body cannot be decoded ({cause.reason}); send JSON encoded as UTF-8"
    if isinstance(cause, RecursionError):
        return "the body nests arrays or objects too deeply to be read"
    return None


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at the request's path, sorted.

    Starlette's 405 lists only the methods of the first route that matched the path, so
    ``OPTIONS /v1/articles`` would name POST and not GET. Each method is tried against the
    routes as the router itself would (``route.matches``), included routers too.
    """
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error with :class:`ErrorBody`."""

    @app.exception_handler(ApiError)
    async def on_api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.problems, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if errors and errors[0].get("type") == "json_invalid":
            problem = _not_json(errors[0], exc.body)
            return error_response(422, problem.message, [problem])
        problems = [_validation_problem(e) for e in errors]
        summary = "; ".join(f"{p.field}: {p.message}" for p in problems[:5])
        return error_response(422, f"invalid request: {summary}", problems)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        unreadable = _unreadable_body(exc.__cause__) if exc.status_code == 400 else None
        if unreadable is not None:
            return error_response(400, unreadable, [FieldProblem(field="body", message=unreadable)])
        headers = dict(exc.headers) if exc.headers else {}
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return error_response(exc.status_code, str(exc.detail), headers=headers or None)

    @app.exception_handler(StoreUnavailableError)
    async def on_unavailable(request: Request, exc: StoreUnavailableError) -> JSONResponse:
        log.warning("%s %s: %s", request.method, request.url.path, exc)
        retry = str(request.app.state.newsdesk.settings.unavailable_retry_after_s)
        return error_response(503, str(exc), headers={"Retry-After": retry})

    @app.exception_handler(NewsdeskError)
    async def on_newsdesk_error(_request: Request, exc: NewsdeskError) -> JSONResponse:
        if isinstance(exc, ValueError):
            return error_response(422, str(exc))
        log.exception("request failed")
        return error_response(500, f"{type(exc).__name__}: {exc}", headers=_CLOSE)

    @app.exception_handler(Exception)
    async def on_unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return error_response(500, "internal error; the server log has the details", headers=_CLOSE)


def check_page_limit(limit: int, max_page: int) -> None:
    """A 422 naming the server's page limit when ``limit`` is over it."""
    if limit > max_page:
        raise ApiError(
            422,
            f"limit: {limit} is more than the page limit of {max_page}",
            field="limit",
            limit=max_page,
        )
