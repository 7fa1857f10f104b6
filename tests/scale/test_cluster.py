"""Reaching a Ray cluster fails fast with one line; Ray's own output goes to a file."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsdesk.errors import ClusterError
from newsdesk.scale import cluster
from newsdesk.scale.cluster import check_ray_address
from services import need_ray


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[int]:
    """A loopback server that answers each connection with ``request.param`` (``None``: never)."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)
            if request.param is not None:
                conn.sendall(request.param)

    threading.Thread(target=serve, daemon=True).start()
    yield int(listener.getsockname()[1])
    listener.close()
    for conn in held:
        conn.close()


def test_nothing_listening_is_one_clear_error() -> None:
    port = closed_port()
    with pytest.raises(ClusterError, match=rf"cannot reach a Ray cluster at 127\.0\.0\.1:{port}"):
        check_ray_address(f"127.0.0.1:{port}")


@pytest.mark.parametrize("server", [b"-ERR unknown command 'PRI'\r\n"], indirect=True)
def test_a_server_that_is_not_ray_is_refused(server: int) -> None:  # Redis, say
    with pytest.raises(ClusterError, match="answers, but not as Ray"):
        check_ray_address(f"127.0.0.1:{server}")


@pytest.mark.parametrize("server", [None], indirect=True)
def test_a_server_that_never_answers_times_out(server: int) -> None:
    started = time.monotonic()
    with pytest.raises(ClusterError, match=r"no answer from a Ray cluster .* within 0\.5s"):
        check_ray_address(f"ray://127.0.0.1:{server}", timeout=0.5)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("server", [bytes([0, 0, 0, 4, 0, 0, 0, 0, 0])], indirect=True)
def test_a_grpc_server_passes(server: int) -> None:  # the SETTINGS frame Ray's GCS sends
    assert check_ray_address(f"127.0.0.1:{server}") == f"127.0.0.1:{server}"
    assert check_ray_address(f"ray://127.0.0.1:{server}/") == f"ray://127.0.0.1:{server}"


def test_a_host_without_port_is_asked_at_ray_default_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the default port made one the test has just closed: whatever listens on 6379 here
    # (Redis, a developer's Ray) cannot change the answer
    port = closed_port()
    monkeypatch.setattr(cluster, "GCS_PORT", port)
    refusal = rf"cannot reach a Ray cluster at 127\.0\.0\.1 \(127\.0\.0\.1:{port}\)"
    with pytest.raises(ClusterError, match=refusal):
        check_ray_address("127.0.0.1", timeout=0.5)


def test_a_bad_ray_address_fails_the_command_within_seconds(tmp_path: Path) -> None:
    need_ray()
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "a vote"}) + "\n", encoding="utf-8")
    port = closed_port()
    started = time.monotonic()
    # a process of its own: this one may already hold a Ray of an earlier test, which the
    # command would use instead of asking for the address
    result = subprocess.run(
        [sys.executable, "-c", "from newsdesk.cli.app import main; main()", "classify",
         "--engine", "ray", str(source),
         str(tmp_path / "out"), "-e", "lexical", "--ray-address", f"127.0.0.1:{port}"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert time.monotonic() - started < 30
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        f"error: cannot reach a Ray cluster at 127.0.0.1:{port}: Connection refused; start it "
        "with 'ray start --head' there, or check the address and port"
    ]


STDERR_TO_FILE = """
import os, sys
from newsdesk.scale.cluster import stderr_to_file
with stderr_to_file(sys.argv[1]) as err:
    os.write(2, b"a warning from Ray's C++ core\\n")
    print("from a logger on sys.stderr", file=sys.stderr)
    print("newsdesk progress", file=err)
print("after the job", file=sys.stderr)
"""


def test_stderr_goes_to_the_log_file_and_newsdesk_keeps_the_terminal(tmp_path: Path) -> None:
    log = tmp_path / "ray.log"
    process = subprocess.run([sys.executable, "-c", STDERR_TO_FILE, str(log)],
                             capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    assert process.stderr == "newsdesk progress\nafter the job\n"
    assert log.read_text() == "a warning from Ray's C++ core\nfrom a logger on sys.stderr\n"
