"""Refuses NUL characters in a request's path, query string and form fields with one 400.

PostgreSQL text cannot hold a NUL (the driver raises ``DataError``) and SQLite cuts a ``LIKE``
pattern at one, so a NUL reaching the database either fails the request or searches for less
than was asked. Checked here once, every route and page is covered: the API's path and query
parameters, the desk's filters and its sign-in form. JSON bodies are checked field by field
by the request models, which can name the field.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsdesk.service.errors import FieldProblem, error_response

__all__ = ["RefuseNulMiddleware"]

_FORM = b"application/x-www-form-urlencoded"


def _has_nul(encoded: bytes) -> bool:
    return b"\x00" in encoded or b"%00" in encoded


class RefuseNulMiddleware:
    """Answers 400 to a request with a NUL (raw or ``%00``) in its path, query or form body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or _has_nul(scope.get("raw_path") or b""):
            await _refuse(scope, receive, send, "path")
            return
        if _has_nul(scope.get("query_string", b"")):
            await _refuse(scope, receive, send, "query")
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"").lower()
        if not content_type.startswith(_FORM):
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        if _has_nul(b"".join(m.get("body", b"") for m in messages)):
            await _refuse(scope, receive, send, "body")
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, where: str) -> None:
    message = f"{where}: NUL characters (%00) are not allowed; remove them"
    response = error_response(400, message, [FieldProblem(field=where, message=message)])
    await response(scope, receive, send)
