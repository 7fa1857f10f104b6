"""Limits on what one request may carry: body size (ASGI middleware), batch and text sizes."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsdesk.article import is_blank
from newsdesk.service.errors import ApiError, FieldProblem, error_response
from newsdesk.service.schemas import ArticleIn
from newsdesk.service.settings import Settings

__all__ = ["BodyLimitMiddleware", "check_articles"]


class BodyLimitMiddleware:
    """Answers 413 to a request whose body passes ``max_bytes``, before any route reads it.

    The body is read (at most ``max_bytes`` + one chunk) and replayed to the app, so chunked
    uploads without a ``Content-Length`` are held to the same limit.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"request body is larger than the limit of {self.max_bytes} bytes"
        problem = FieldProblem(field="body", message=message, limit=self.max_bytes)
        response = error_response(413, message, [problem], headers={"Connection": "close"})
        await response(scope, receive, send)


def check_articles(items: Sequence[ArticleIn], settings: Settings, *, batch: bool) -> None:
    """Refuse a batch over ``max_batch`` (413) and over-long texts or titles (422)."""
    if len(items) > settings.max_batch:
        raise ApiError(
            413,
            f"articles: {len(items)} articles in one request, more than the limit of "
            f"{settings.max_batch}; split the batch",
            field="articles",
            limit=settings.max_batch,
        )
    problems: list[FieldProblem] = []
    for index, item in enumerate(items):
        where = f"articles[{index}]." if batch else ""
        for name, value, limit in (
            ("text", item.text, settings.max_text_chars),
            ("title", item.title, settings.max_title_chars),
        ):
            if len(value) > limit:
                problems.append(
                    FieldProblem(
                        field=f"{where}{name}",
                        message=f"{len(value)} characters, more than the limit of {limit}",
                        limit=limit,
                    )
                )
        if is_blank(item.text) and is_blank(item.title):
            problems.append(
                FieldProblem(
                    field=f"{where}text",
                    message="article has no text: both 'text' and 'title' are empty",
                )
            )
    if problems:
        first = problems[0]
        error = ApiError(422, f"{first.field}: {first.message}")
        error.problems = problems
        raise error
