"""The contract: schemathesis fuzzes every operation of /openapi.json against the app in-process.

Every built-in check runs (``--checks all``): no 5xx, every status and body as documented,
schema-valid requests accepted, schema-violating ones refused, ``OPTIONS`` agreeing with
``Allow``. ``NEWSDESK_CONTRACT_EXAMPLES`` sets the examples an operation (default 15 to keep
CI short; the figure in docs/service.md was taken at 50). The examples are derandomized: the
same every run, so a failure is there again when the test is run again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from newsdesk.classify.classifier import Classifier
from newsdesk.service import create_app
from newsdesk.store.articles import encode_cursor
from newsdesk.store.queue_cursor import encode_queue_key
from service.conftest import Keys, settings_for

EXAMPLES = int(os.environ.get("NEWSDESK_CONTRACT_EXAMPLES", "15"))
CONFIG = SchemathesisConfig.from_dict(
    {
        # A page cursor is opaque: no fuzzer can make a valid one, so it is given one the
        # service made (any other value is a documented 400); the queue's token too.
        "parameters": {
            "query.cursor": encode_cursor(1_000),
            "query.after": encode_queue_key((0.5, 1_000)),
        },
        # 413 (a batch over max_batch) refuses a schema-violating request as surely as a 422.
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": ["400", "401", "403", "404", "405", "413", "422"]
            }
        },
    }
)


@dataclass(frozen=True)
class Served:
    app: FastAPI
    client: TestClient  # the one that ran the lifespan: its event loop runs the queue
    keys: Keys


@pytest.fixture
def contract_app(database_url: str, classifier: Classifier, keys: Keys) -> Iterator[Served]:
    # Hypothesis makes strings of at most some ten thousand characters: the limits are set
    # below that, so the over-long texts of the negative cases can be made.
    limits = {"max_batch": 8, "max_pending": 64, "max_text_chars": 2_000, "max_title_chars": 200}
    app = create_app(settings_for(database_url, **limits), classifier=classifier)
    with TestClient(app) as client:  # runs the lifespan: schema check, model, queue
        yield Served(app, client, keys)


@pytest.fixture
def api_schema(
    contract_app: Served, request: pytest.FixtureRequest
) -> schemathesis.schemas.BaseSchema:
    # schemathesis' lazy schema names each operation's subtest through ``node._nodeid``,
    # which pytest 9 no longer sets: give it the id it expects.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid
    return schemathesis.openapi.from_asgi("/openapi.json", contract_app.app, config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same examples every run: a failure is reproduced by running again
    database=None,  # nothing carried over from an earlier run either
)
def test_every_operation_keeps_the_contract(case: schemathesis.Case, contract_app: Served) -> None:
    admin = contract_app.keys.admin
    auth = {"Authorization": f"Bearer {admin}", "X-API-Key": admin}
    response = case.call_and_validate(headers=auth)
    assert response.status_code not in (401, 403), "the admin key was not used"


def test_the_fuzzing_is_the_same_every_run() -> None:
    fuzzed = test_every_operation_keeps_the_contract.hypothesis.inner_test  # type: ignore[attr-defined]
    chosen = fuzzed._hypothesis_internal_use_settings  # what schemathesis hands hypothesis
    assert chosen.derandomize and chosen.database is None


def test_the_schema_states_the_served_limits_and_sections(contract_app: Served) -> None:
    schema = contract_app.client.get("/openapi.json").json()
    models = schema["components"]["schemas"]
    assert models["ArticleIn"]["properties"]["text"]["maxLength"] == 2_000
    assert models["ArticleBatch"]["properties"]["articles"]["maxItems"] == 8
    for path in ("/v1/articles", "/v1/queue"):
        (limit,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "limit"]
        assert limit["schema"]["maximum"] == 200, path
    section = models["CorrectionIn"]["properties"]["section"]["anyOf"][0]
    assert section["enum"] == contract_app.app.state.newsdesk.classifier.taxonomy.names
    submit = schema["paths"]["/v1/articles"]["post"]["responses"]
    for status in ("200", "201"):
        forms = submit[status]["content"]["application/json"]["schema"]["anyOf"]
        assert {f["$ref"].rsplit("/", 1)[1] for f in forms} == {"SubmitResult", "SubmitBatchResult"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "400" in operation["responses"], (method, path)


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/v1/articles", "GET, POST"),
        ("/v1/articles/a-1", "GET"),
        ("/v1/articles/a-1/corrections", "POST"),
        ("/v1/keys/reader-key", "DELETE"),
    ],
)
def test_a_405_allows_every_method_of_the_path(contract_app: Served, path: str, allow: str) -> None:
    admin = contract_app.keys.header("admin")
    response = contract_app.client.request("OPTIONS", path, headers=admin)
    assert (response.status_code, response.headers["allow"]) == (405, allow)
    assert response.json()["status"] == 405


def test_a_batch_of_stored_articles_is_a_200_in_the_batch_form(contract_app: Served) -> None:
    client, keys = contract_app.client, contract_app.keys
    batch = {"articles": [{"id": "a-1", "text": "Rates rise."}]}
    first = client.post("/v1/articles", json=batch, headers=keys.header("editor"))
    again = client.post("/v1/articles", json=batch, headers=keys.header("editor"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert (again.json()["created"], again.json()["existing"]) == (0, 1)
