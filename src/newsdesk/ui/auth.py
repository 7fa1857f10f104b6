"""Who is at the desk: the session cookie, the signed-in editor and CSRF checks.

Pages need a signed-in user (a ``reader`` may look; deciding, retraining and activating need
``editor``). Every state-changing request must carry the session's CSRF token, as the form
field ``csrf_token`` or the header ``X-CSRF-Token``; without it the request is refused (403)
before anything is read or written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from newsdesk.store import users as user_repository
from newsdesk.store.records import KeyRole
from newsdesk.store.users import User
from newsdesk.ui.desk import Desk
from newsdesk.ui.sessions import Session

__all__ = [
    "COOKIE",
    "DeskError",
    "DeskState",
    "Editor",
    "FormVisit",
    "PageVisit",
    "Reader",
    "SignInRequired",
    "Visit",
    "csrf_protected",
    "get_desk",
    "require_user",
    "visit",
]

COOKIE = "newsdesk_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class DeskError(Exception):
    """A desk request that fails with an HTML page (status and a message for the editor)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SignInRequired(Exception):
    """No one is signed in: the page answers with a redirect to the sign-in form."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@dataclass
class Visit:
    """This request's session, its user (if signed in) and whether the cookie must be set."""

    session: Session
    user: User | None
    csrf: str
    renew: bool = False

    def sign_in(self, desk: Desk, user: User) -> None:
        self.session = self.session.signed_in(user.name, user.session_epoch)
        self.user = user
        self.csrf = desk.signer.csrf_token(self.session)
        self.renew = True

    def sign_out(self, desk: Desk) -> None:
        self.session = Session.anonymous()
        self.user = None
        self.csrf = desk.signer.csrf_token(self.session)
        self.renew = True


def get_desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


def _lookup_user(desk: Desk, name: str) -> User | None:
    with desk.store.read() as conn:
        return user_repository.get_user(conn, name)


async def visit(request: Request, desk: Annotated[Desk, Depends(get_desk)]) -> Visit:
    """The session of this request (a new anonymous one when the cookie is missing or bad)."""
    cached: Visit | None = getattr(request.state, "desk_visit", None)
    if cached is not None:
        return cached
    session = desk.signer.loads(request.cookies.get(COOKIE))
    renew = session is None
    if session is None:
        session = Session.anonymous()
    user = None
    if session.user is not None:
        user = await run_in_threadpool(_lookup_user, desk, session.user)
        if user is None or not user.active or user.session_epoch != session.epoch:
            # Signed out everywhere, password changed, or account gone: start afresh.
            session, user, renew = Session.anonymous(), None, True
    result = Visit(session, user, desk.signer.csrf_token(session), renew)
    request.state.desk_visit = result
    return result


def require_user(role: KeyRole = KeyRole.READER):  # type: ignore[no-untyped-def]
    """A dependency returning the signed-in user; redirects to sign-in, or 403 for the role."""

    async def dependency(request: Request, current: Annotated[Visit, Depends(visit)]) -> User:
        if current.user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            if request.method != "GET":
                raise DeskError(401, "sign in first")
            raise SignInRequired(target)
        if not current.user.can(role):
            raise DeskError(
                403,
                f"this needs the '{role.value}' role; {current.user.name} is a "
                f"'{current.user.role.value}'",
            )
        return current.user

    dependency.__name__ = f"desk_{role.value}"
    return dependency


async def csrf_protected(request: Request, current: Annotated[Visit, Depends(visit)]) -> Visit:
    """Refuse a state-changing request whose CSRF token is missing or not this session's."""
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    desk = get_desk(request)
    if not desk.signer.check_csrf(current.session, token):
        raise DeskError(
            403,
            "this form has expired or did not come from the desk (missing or wrong CSRF "
            "token); reload the page and try again",
        )
    return current


def sign_in_url(next_url: str) -> str:
    return f"/desk/signin?next={quote(next_url, safe='/')}"


# The routes' typed dependencies: the desk, this request's visit (checked for a CSRF token on
# forms and other state-changing requests), and the signed-in user by the role a route needs.
DeskState = Annotated[Desk, Depends(get_desk)]
PageVisit = Annotated[Visit, Depends(visit)]
FormVisit = Annotated[Visit, Depends(csrf_protected)]
Reader = Annotated[User, Depends(require_user())]
Editor = Annotated[User, Depends(require_user(KeyRole.EDITOR))]
