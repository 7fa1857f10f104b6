"""Polite HTTP fetching of feeds and pages.

A :class:`Fetcher` sends a clear user agent, gives up after a timeout (per network wait, and
a deadline for the whole fetch that a server trickling bytes cannot stretch), retries
connection errors, 429 and 5xx answers with exponential back-off (honouring a short
``Retry-After``), follows http(s) redirects and stops their loops, makes conditional requests
with the ``ETag`` and ``Last-Modified`` it saw before, and sends one request at a time to each
host, spaced by ``host_delay`` seconds. It connects only to public addresses and the private
ones its ``allow_private`` list names (see :mod:`newsdesk.io.addresses`), whether a URL was
given, linked from a feed or redirected to. Needs the ``ingest`` extra (httpx).
"""

from __future__ import annotations

import functools
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from newsdesk import __version__
from newsdesk.errors import FetchError, require
from newsdesk.io.addresses import AddressPolicy

if TYPE_CHECKING:
    import httpx

__all__ = ["DEFAULT_USER_AGENT", "FetchResult", "Fetcher", "Validators"]

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = f"newsdesk/{__version__} (news section classifier; polite bot)"
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Validators:
    """What a server said last time, to ask "changed since?" next time."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass(frozen=True)
class FetchResult:
    """A fetched resource. ``not_modified`` is true for a 304 (``content`` is then empty)."""

    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str = ""
    validators: Validators = field(default_factory=Validators)
    not_modified: bool = False
    retry_after: str | None = None

    @property
    def text(self) -> str:
        """The body decoded in its declared or detected charset (see :mod:`newsdesk.io.charset`)."""
        from newsdesk.io.charset import decode_html

        return decode_html(self.content, self.content_type)


class _HostGate:
    """One request at a time per host, and at least ``delay`` seconds between two."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._locks: dict[str, threading.Lock] = {}
        self._last: dict[str, float] = {}
        self._guard = threading.Lock()

    def hold(self, host: str) -> _HostHold:
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        return _HostHold(self, host, lock)


class _HostHold:
    def __init__(self, gate: _HostGate, host: str, lock: threading.Lock) -> None:
        self.gate, self.host, self.lock = gate, host, lock

    def __enter__(self) -> None:
        self.lock.acquire()
        wait = self.gate._last.get(self.host, 0.0) + self.gate.delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    def __exit__(self, *exc: object) -> None:
        self.gate._last[self.host] = time.monotonic()
        self.lock.release()


class Fetcher:
    """Fetches URLs politely; see the module docstring. Use as a context manager or ``close()``.

    ``timeout`` bounds each network wait (connect, each read) and ``total_timeout`` each
    attempt as a whole (connecting, redirects, headers and body), so a server that trickles
    bytes is cut off too; an attempt cut off by ``total_timeout`` is not retried.
    ``allow_private`` lists the private addresses that may be fetched (entries as
    :meth:`AddressPolicy.allowing` reads them); a refused address is not retried either.
    ``validators`` maps URLs to the ``ETag``/``Last-Modified`` seen last time; it is updated
    as pages are fetched.
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout: float = 10.0,
        total_timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        max_redirects: int = 5,
        max_bytes: int = 10_000_000,
        host_delay: float = 1.0,
        allow_private: Iterable[str] = (),
        validators: dict[str, Validators] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        require("httpx", feature="fetching feeds and pages", extra="ingest")
        import httpx

        from newsdesk.io.transport import guarded_transport

        policy = AddressPolicy.allowing(allow_private)
        self.timeout = timeout
        self.total_timeout = total_timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.validators = validators if validators is not None else {}
        self._sleep = sleep
        self._gate = _HostGate(host_delay)
        self._client = httpx.Client(
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=guarded_transport(policy, _tls_context()),
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,  # followed by _get, which refuses what is not http(s)
            trust_env=False,  # a proxy from the environment would connect past the address check
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str, *, conditional: bool = True) -> FetchResult:
        """GET ``url``; raise :class:`FetchError` once retries are spent or on a 4xx."""
        import httpx

        from newsdesk.io.transport import AddressRefused, deadline

        parts = urlsplit(url)
        host = parts.netloc.lower()
        if parts.scheme not in ("http", "https") or not host:
            raise FetchError(f"not an absolute http(s) URL: {url!r}")
        headers = self.validators.get(url, Validators()).headers() if conditional else {}
        attempt = 0
        while True:
            retry_after: float | None = None
            began = time.monotonic()
            try:
                with self._gate.hold(host):
                    began = time.monotonic()  # the wait for the host is not the server's time
                    with deadline(self.total_timeout):
                        result = self._get(url, headers)
            except (AddressRefused, _Refused) as exc:
                raise FetchError(f"{url}: refused: {exc}") from None
            except _TooManyRedirects:
                raise FetchError(f"{url}: too many redirects (a redirect loop?)") from None
            except (httpx.TimeoutException, _TotalTimeout) as exc:
                if time.monotonic() - began >= self.total_timeout:
                    # a server that was this slow once will be as slow again: not retried
                    raise FetchError(
                        f"{url}: took longer than {self.total_timeout:g}s in total"
                    ) from None
                problem = f"timed out ({type(exc).__name__})"
            except _TooLarge:
                raise FetchError(f"{url}: larger than {self.max_bytes} bytes") from None
            except httpx.HTTPError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if result.status < 400 or result.not_modified:
                    if result.validators != Validators():
                        self.validators[url] = result.validators
                    return result
                problem = f"HTTP {result.status}"
                if result.status not in _RETRY_STATUSES:
                    raise FetchError(f"{url}: {problem}")
                retry_after = _retry_after(result)
            if attempt >= self.retries:
                raise FetchError(f"{url}: {problem} (after {attempt + 1} attempts)")
            delay = min(self.max_backoff, self.backoff * 2**attempt)
            if retry_after is not None:
                delay = min(self.max_backoff, max(delay, retry_after))
            log.info("%s: %s; retrying in %.1fs", url, problem, delay)
            self._sleep(delay)
            attempt += 1

    def fetch_many(
        self, urls: Iterable[str], *, workers: int = 4
    ) -> Iterator[tuple[str, FetchResult | FetchError]]:
        """Fetch ``urls`` on ``workers`` threads (still one at a time per host), in order.

        Yields ``(url, result)`` or ``(url, error)``: one failure does not stop the rest.
        """

        def one(url: str) -> FetchResult | FetchError:
            try:
                return self.fetch(url)
            except FetchError as exc:
                return exc

        urls = list(urls)
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            yield from zip(urls, pool.map(one, urls), strict=True)

    def _get(self, url: str, headers: dict[str, str]) -> FetchResult:
        """One attempt: GET ``url``, following redirects, and read the body."""
        end = time.monotonic() + self.total_timeout
        target = url
        for _ in range(self.max_redirects + 1):
            with self._client.stream("GET", target, headers=headers) as response:
                if response.has_redirect_location:
                    came_from = target
                    target = _redirect_target(target, response.headers["location"])
                    if urlsplit(target).netloc.lower() != urlsplit(came_from).netloc.lower():
                        # the validators are the first host's: another may match them by chance
                        headers = {k: v for k, v in headers.items() if k not in _VALIDATORS}
                    continue
                chunks: list[bytes] = []
                size = 0
                if response.status_code < 300:
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > self.max_bytes:
                            raise _TooLarge
                        if time.monotonic() > end:
                            raise _TotalTimeout
                        chunks.append(chunk)
                return _result(url, response, b"".join(chunks))
        raise _TooManyRedirects


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every fetcher: loading the CA bundle takes a while."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


_VALIDATORS = frozenset({"If-None-Match", "If-Modified-Since"})


class _TotalTimeout(Exception):
    pass


class _TooManyRedirects(Exception):
    pass


class _Refused(Exception):
    """A redirect that is not followed, whatever the retries."""


def _redirect_target(current: str, location: str) -> str:
    """The absolute URL a ``Location`` header points to; only http(s) is followed."""
    target = urljoin(current, location.strip())
    if urlsplit(target).scheme not in ("http", "https"):
        raise _Refused(f"a redirect to {target!r}, which is not an http(s) URL")
    return target


class _TooLarge(Exception):
    pass


def _result(url: str, response: httpx.Response, content: bytes) -> FetchResult:
    return FetchResult(
        url=url,
        final_url=str(response.url),
        status=response.status_code,
        content=content,
        content_type=response.headers.get("content-type", ""),
        validators=Validators(response.headers.get("etag"), response.headers.get("last-modified")),
        not_modified=response.status_code == 304,
        retry_after=response.headers.get("retry-after"),
    )


def _retry_after(result: FetchResult) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date), if any."""
    value = result.retry_after
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None
