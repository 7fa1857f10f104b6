"""Signing in and out of the desk."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from newsdesk.store import users as user_repository
from newsdesk.ui.auth import DeskState, FormVisit, PageVisit
from newsdesk.ui.pages import redirect, render

router = APIRouter(prefix="/desk", include_in_schema=False)


def _next(value: str | None) -> str:
    """Only a path of the desk itself (no open redirect to another site)."""
    if value and value.startswith("/desk") and not value.startswith("//"):
        return value
    return "/desk/queue"


@router.get("/signin")
async def signin_form(request: Request, current: PageVisit, next: str | None = None) -> Response:
    context = {"next": _next(next), "error": None, "name": ""}
    return render(request, "signin.html", context, current)


@router.post("/signin")
async def signin(
    request: Request,
    current: FormVisit,
    desk: DeskState,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str | None, Form()] = None,
) -> Response:
    # The connection's address: a proxy's X-Forwarded-For is applied before this only when
    # the operator names that proxy (NEWSDESK_TRUSTED_PROXIES); a client's own is ignored.
    address = request.client.host if request.client else None
    # Counted before the password is checked, so simultaneous guesses cannot overtake it.
    wait = await run_in_threadpool(desk.throttle.attempt, name, address)
    if wait:
        minutes = max(1, round(wait / 60))
        error = (
            "too many sign-in attempts for this account or from this address; "
            f"try again in {minutes} minute{'s' if minutes != 1 else ''}"
        )
        context = {"next": _next(next), "error": error, "name": name}
        response = render(request, "signin.html", context, current, status_code=429)
        response.headers["Retry-After"] = str(wait)
        return response

    def check() -> user_repository.User | None:
        with desk.store.read() as conn:
            return user_repository.authenticate(conn, name, password)

    user = await run_in_threadpool(check)
    if user is None:
        context = {"next": _next(next), "error": "wrong name or password", "name": name}
        return render(request, "signin.html", context, current, status_code=401)
    await run_in_threadpool(desk.throttle.succeeded, name, address)
    current.sign_in(desk, user)
    return redirect(request, _next(next), current)


@router.post("/signout")
async def signout(request: Request, current: FormVisit, desk: DeskState) -> Response:
    """End the session on the server too, so a copy of the cookie stops working at once.

    Sessions carry the user's epoch and nothing else is stored, so this ends every session
    of the user (signing out signs out everywhere).
    """
    name = current.user.name if current.user is not None else None
    if name is not None:

        def end() -> None:
            with desk.store.write() as conn:
                user_repository.end_sessions(conn, name)

        await run_in_threadpool(end)
    current.sign_out(desk)
    return redirect(request, "/desk/signin", current)
