"""Reaching a Ray cluster, and keeping Ray's own output out of the way.

``ray.init(address=...)`` retries an address that does not answer for minutes, printing a
warning every few seconds; :func:`check_ray_address` asks first, within seconds, and raises
:class:`~newsdesk.errors.ClusterError` with one line that says what is wrong. Ray's processes
and its C++ core write straight to file descriptor 2, past Python's ``sys.stderr``:
:func:`stderr_to_file` sends that descriptor to a log file for the length of a job and hands
newsdesk a stream on the real stderr for its own progress and report.
"""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from newsdesk.errors import ClusterError

__all__ = ["check_ray_address", "stderr_to_file"]

GCS_PORT = 6379  # where `ray start --head` listens unless told otherwise
CLIENT_PORT = 10001  # Ray Client's port (ray://)
# what an HTTP/2 client sends first; a gRPC server (Ray's GCS, Ray Client) answers with a
# SETTINGS frame, whose type byte is the fourth of its 9-byte header
_HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])
_SETTINGS = 4


def check_ray_address(address: str, timeout: float = 5.0) -> str:
    """The address to hand ``ray.init`` (port included), once a Ray server answers there.

    ``auto`` is the cluster this machine last started (``ray start``); ``ray://HOST:PORT``
    a Ray Client server; ``HOST[:PORT]`` a head node. Raise :class:`ClusterError` when
    nothing answers within ``timeout`` seconds, or something that is not Ray does.
    """
    if address == "local":
        return address
    target = address
    if address == "auto":
        target = _running_cluster()
    scheme, _, rest = target.rpartition("://")
    host, _, port = rest.rstrip("/").rpartition(":")
    if not host or not port.isdigit():  # no port given
        host, port = rest.rstrip("/"), str(CLIENT_PORT if scheme == "ray" else GCS_PORT)
    _ask_grpc(host.strip("[]"), int(port), address, timeout)
    return f"{scheme}://{host}:{port}" if scheme else f"{host}:{port}"


def _running_cluster() -> str:
    from ray._private.services import canonicalize_bootstrap_address

    try:
        found = canonicalize_bootstrap_address("auto")
    except (ConnectionError, ValueError):
        found = None
    if found is None:
        raise ClusterError(
            "--ray-address auto found no Ray cluster started on this machine; start one with "
            "'ray start --head', give its address, or leave --ray-address out to run locally"
        )
    return found


def _ask_grpc(host: str, port: int, address: str, timeout: float) -> None:
    where = f"{host}:{port}" if address.endswith(f"{host}:{port}") else f"{address} ({host}:{port})"
    try:
        with socket.create_connection((host, port), timeout=timeout) as conn:
            conn.settimeout(timeout)
            conn.sendall(_HTTP2_PREFACE)
            answer = conn.recv(9)
    except TimeoutError:
        raise ClusterError(
            f"no answer from a Ray cluster at {where} within {timeout:g}s; "
            "check the address, the port and the firewall"
        ) from None
    except OSError as exc:
        raise ClusterError(
            f"cannot reach a Ray cluster at {where}: {exc.strerror or exc}; start it with "
            "'ray start --head' there, or check the address and port"
        ) from None
    if len(answer) < 4 or answer[3] != _SETTINGS:
        raise ClusterError(
            f"{where} answers, but not as Ray (no gRPC server there); give the head node's "
            f"GCS port ({GCS_PORT} unless 'ray start --port' said otherwise) or ray://HOST:"
            f"{CLIENT_PORT}"
        )


@contextmanager
def stderr_to_file(path: str | Path) -> Iterator[TextIO]:
    """Send file descriptor 2 (and ``sys.stderr`` with it) to ``path``, appended to.

    Yields a stream on the stderr there was before, for what the user should see. When
    ``sys.stderr`` is not file descriptor 2 (a test runner captures it), nothing is moved
    and ``sys.stderr`` itself is yielded.
    """
    try:
        moved = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):
        moved = False
    if not moved:
        yield sys.stderr
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "ab") as log:
        os.dup2(log.fileno(), 2)
    real = os.fdopen(os.dup(saved), "w", buffering=1, encoding="utf-8", errors="replace")
    try:
        yield real
    finally:
        real.close()
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
