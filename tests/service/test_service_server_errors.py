"""A 500 over a real keep-alive connection: the client is told the connection ends with it."""

from __future__ import annotations

import asyncio
import http.client
import json
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from newsdesk.classify.classifier import Classifier
from newsdesk.service import create_app
from service.conftest import Keys, settings_for

pytestmark = pytest.mark.timeout(120)


class BrokenClassifier(Classifier):
    """Classifies nothing: every batch fails the way a crashed encoder runtime does."""

    def classify_many(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
        raise RuntimeError("the encoder runtime crashed")


@pytest.fixture
def broken_server(database_url: str, keys: Keys) -> Iterator[tuple[int, Keys]]:
    lexical = Classifier.zero_shot(encoder="lexical")
    broken = BrokenClassifier(lexical.taxonomy, lexical.encoder, lexical.head)
    app = create_app(settings_for(database_url), classifier=broken)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical"))
    thread = threading.Thread(target=asyncio.run, args=(server.serve(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield port, keys
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_a_500_says_connection_close_so_the_next_request_works(
    broken_server: tuple[int, Keys],
) -> None:
    port, keys = broken_server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {**keys.header("reader"), "Content-Type": "application/json"}
    connection.request("POST", "/v1/classify", json.dumps({"text": "Rates rise."}), headers)
    failed = connection.getresponse()
    body = json.loads(failed.read())
    assert failed.status == 500 and body["status"] == 500
    assert failed.getheader("connection") == "close"
    # http.client reopens after "Connection: close"; without it, it reuses a closed socket.
    connection.request("GET", "/healthz")
    assert connection.getresponse().status == 200
    connection.close()
