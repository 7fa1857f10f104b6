"""PostgreSQL out of reach: refused, or accepting connections but never answering. Requests
and /readyz answer 503 with Retry-After within the connect timeout, and the commands that
open the database at start-up say why in one line."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsdesk.classify.classifier import Classifier
from newsdesk.cli.app import app as cli
from newsdesk.service import create_app
from newsdesk.store import Store, migrate
from service.conftest import make_keys, settings_for
from service_process import free_port

CONNECT_TIMEOUT_S = 2  # libpq's least


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts TCP connections and never sends a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(5)
    for sock in [*held, listener]:
        sock.close()


def _pg_url(port: int) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/test"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    migrate.upgrade(Store(url))
    return url


@pytest.mark.parametrize("server", ["refused", "silent"])
def test_requests_and_readyz_answer_503_when_postgres_is_out_of_reach(
    server: str, sqlite_url: str, classifier: Classifier, request: pytest.FixtureRequest
) -> None:
    port = request.getfixturevalue("silent_server") if server == "silent" else free_port()
    keys = make_keys(sqlite_url)
    settings = settings_for(sqlite_url, database_connect_timeout_s=CONNECT_TIMEOUT_S)
    app = create_app(settings, classifier=classifier)
    with TestClient(app) as client:
        # The service started on a database that then went away (or stopped answering).
        app.state.newsdesk.store = settings.model_copy(
            update={"database_url": _pg_url(port)}
        ).open_store()
        for path, headers in [("/readyz", {}), ("/v1/articles", keys.header("reader"))]:
            began = time.monotonic()
            response = client.get(path, headers=headers)
            took = time.monotonic() - began
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"] == "5"
            assert took < CONNECT_TIMEOUT_S + 10
            body = response.json()
            why = body["problems"] if path == "/readyz" else body["message"]
            assert (
                f"cannot reach the database Store('postgresql+psycopg://postgres@127.0.0.1:{port}/test')"
                in why
            )
            assert ("timeout" in why) if server == "silent" else ("refused" in why.lower())
        app.state.newsdesk.store.dispose()


@pytest.mark.parametrize(
    "command", [["db", "current"], ["db", "upgrade"], ["serve", "--encoder", "lexical"]]
)
def test_a_database_out_of_reach_at_start_up_is_one_line(command: list[str]) -> None:
    url = _pg_url(free_port())
    result = CliRunner().invoke(cli, [*command, "--database-url", url])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: cannot reach the database Store('postgresql+psycopg://")
    assert "Connection refused" in lines[0]
