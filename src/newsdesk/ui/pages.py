"""Answering desk requests: rendered pages and redirects, with the session cookie and headers.

Pages are sent with a Content-Security-Policy that allows scripts from the desk's own static
folder only: even if some text slipped through unescaped, a browser would not run an inline
``<script>`` or an ``onerror=`` handler.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from newsdesk.ui.auth import COOKIE, Visit, get_desk

__all__ = ["SECURITY_HEADERS", "redirect", "render"]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def finish(request: Request, response: Response, visit: Visit | None) -> Response:
    """Add the security headers, and the session cookie when it changed."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if visit is not None and visit.renew:
        desk = get_desk(request)
        response.set_cookie(
            COOKIE,
            desk.signer.dumps(visit.session),
            max_age=desk.signer.max_age_s,
            path="/",
            httponly=True,
            secure=desk.settings.cookie_secure,
            samesite="lax",
        )
    return response


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    visit: Visit | None = None,
    *,
    status_code: int = 200,
) -> Response:
    """A page from ``template``; ``visit`` gives it the user and the CSRF token."""
    desk = get_desk(request)
    values: dict[str, Any] = {
        "user": visit.user if visit else None,
        "csrf_token": visit.csrf if visit else "",
        "active_model": desk.served_version,
        "nav": "",
    }
    values.update(context)
    response = desk.templates.TemplateResponse(request, template, values, status_code=status_code)
    if visit is not None:
        response.headers["Cache-Control"] = "no-store"
    return finish(request, response, visit)


def redirect(request: Request, url: str, visit: Visit | None = None) -> Response:
    """A 303 to ``url`` (a path of this site)."""
    if not url.startswith("/") or url.startswith("//"):
        url = "/desk/queue"
    return finish(request, RedirectResponse(url, status_code=303), visit)
