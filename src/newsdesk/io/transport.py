"""The connections a :class:`~newsdesk.io.fetch.Fetcher` makes: allowed addresses, one deadline.

httpx bounds each network wait but not their sum, so a server that sends a byte of its
headers every few seconds would hold a request for ever; and it connects wherever a name
resolves. Every connection made through :func:`guarded_transport`

- resolves the host here and connects to an address the :class:`AddressPolicy` allows, so
  the address checked is the address used (a name cannot pass the check with one address and
  connect to another);
- cuts every connect, read and write short at the deadline that :func:`deadline` set for the
  calling thread, so a whole fetch (redirects, headers, body) ends in time.

Needs the ``ingest`` extra (httpx, httpcore).
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import httpcore

from newsdesk.io.addresses import AddressPolicy

if TYPE_CHECKING:
    import httpx

__all__ = ["AddressRefused", "deadline", "guarded_transport"]

_local = threading.local()


class AddressRefused(Exception):
    """A connection the policy refuses; not an httpx error, so a fetcher does not retry it."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Bound the network waits of this thread's requests inside the block to ``seconds`` in all."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.deadline = previous


def guarded_transport(policy: AddressPolicy, ssl_context: ssl.SSLContext) -> httpx.HTTPTransport:
    """An httpx transport whose connections go through :class:`_GuardedBackend`."""
    import httpx

    transport = httpx.HTTPTransport(verify=ssl_context)
    # httpx has no parameter for the network backend of its connection pool: the pool is
    # replaced by one built the same way (httpx's default limits) with the guarded backend
    limits = httpx.Limits()
    transport._pool = httpcore.ConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=_GuardedBackend(policy),
    )
    return transport


def _remaining(timeout: float | None, expired: type[Exception]) -> float | None:
    """``timeout`` shortened to what is left before this thread's deadline."""
    end = getattr(_local, "deadline", None)
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise expired("the fetch's total deadline has passed")
    return left if timeout is None else min(timeout, left)


class _GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self._direct = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _remaining(timeout, httpcore.ConnectTimeout)
        addresses = _resolve(host, port)
        allowed = [a for a in addresses if self.policy.allows(host, port, a)]
        if not allowed:
            raise AddressRefused(self.policy.refusal(host, port, addresses[0]))
        failure: Exception | None = None
        for address in allowed:  # each address of the name in turn, as a browser does
            try:
                stream = self._direct.connect_tcp(
                    str(address), port, _remaining(timeout, httpcore.ConnectTimeout),
                    local_address=local_address, socket_options=socket_options,
                )  # fmt: skip
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
                continue
            return _DeadlineStream(stream)
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        raise AddressRefused(f"{path}: a fetcher does not connect to Unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The addresses ``host`` resolves to, in the resolver's order, without repeats."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None
    found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    return list(dict.fromkeys(found))


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every wait ends by the calling thread's deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _remaining(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = _remaining(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)
