"""A tiny HTTP server on 127.0.0.1 serving fixture feeds and pages to tests and benchmarks.

Routes map a path to a :class:`Route` (status, body, headers, delay before answering, an
ETag that makes conditional requests answer 304, or a pause between the bytes of the status
line and headers, as a slow-loris server sends them). Every request is recorded in ``hits``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: str | None = None
    fail_times: int = 0  # answer 503 this many times before the real answer
    trickle: float = 0.0  # seconds between two bytes of the status line and headers


class FixtureServer:
    """Start with ``with FixtureServer(routes) as server: server.url("/a")``."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.hits: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.RLock()  # _send (which counts) runs under it on the 503 path
        self._failed: dict[str, int] = {}
        self._active = 0
        self.max_concurrent = 0
        self._closing = threading.Event()  # releases slow answers when the server stops
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def origin(self) -> str:
        """``127.0.0.1:PORT``: what a fetcher's ``allow_private`` names to reach this server."""
        return self.base.removeprefix("http://")

    def url(self, path: str) -> str:
        return self.base + path

    def __enter__(self) -> FixtureServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        with self._lock:
            self.hits.append((path, dict(handler.headers.items())))
            self._active += 1
            self.max_concurrent = max(self.max_concurrent, self._active)
        answering = [True]  # until the first byte of the answer goes out
        try:
            self._answer(handler, path, answering)
        finally:
            self._done(answering)

    def _done(self, answering: list[bool]) -> None:
        """A request stops counting as concurrent before its answer is written: once a client
        has read the answer it may send the next one while this thread is still returning."""
        with self._lock:
            if answering[0]:
                answering[0] = False
                self._active -= 1

    def _answer(self, handler: BaseHTTPRequestHandler, path: str, answering: list[bool]) -> None:
        route = self.routes.get(path)
        if route is None:
            return self._send(handler, answering, 404, b"not found", "text/plain", {})
        if route.delay and self._closing.wait(route.delay):
            return  # the server is stopping: a slow answer is not sent at all
        if route.trickle:
            return self._trickle(handler, answering, route)
        with self._lock:
            failed = self._failed.get(path, 0)
            if failed < route.fail_times:
                self._failed[path] = failed + 1
                return self._send(
                    handler, answering, 503, b"busy", "text/plain", {"Retry-After": "0"}
                )
        headers = dict(route.headers)
        if route.etag:
            headers["ETag"] = route.etag
            if handler.headers.get("If-None-Match") == route.etag:
                return self._send(handler, answering, 304, b"", route.content_type, headers)
        body = route.body.encode() if isinstance(route.body, str) else route.body
        self._send(handler, answering, route.status, body, route.content_type, headers)

    def _trickle(
        self, handler: BaseHTTPRequestHandler, answering: list[bool], route: Route
    ) -> None:
        """Send the head one byte at a time, ``route.trickle`` seconds apart, until it is out
        or the client hangs up or the server stops."""
        self._done(answering)
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {route.content_type}\r\n" + "X-Pad: x" * 100
        try:
            for byte in head.encode():
                if self._closing.wait(route.trickle):
                    return
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        answering: list[bool],
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str],
    ) -> None:
        self._done(answering)
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            if body:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)
