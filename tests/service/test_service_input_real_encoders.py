"""Hostile strings never reach a real encoder: the same 422s with e5-small and use-m3.

The lexical encoder of the other service tests tolerates any string; sentencepiece (use-m3)
and tokenizers (e5-small) raise on a lone surrogate, which is what made these requests 500.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from newsdesk.classify.classifier import Classifier
from newsdesk.service.app import create_app
from service.conftest import Keys, settings_for
from service.test_service_input import BAD_BODIES, post_raw, stored_count

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["e5-small", "use-m3"])
def real(request: pytest.FixtureRequest) -> Classifier:
    return Classifier.zero_shot(encoder=request.param)


@pytest.fixture
def real_client(database_url: str, real: Classifier) -> Iterator[TestClient]:
    app = create_app(settings_for(database_url, max_batch=8), classifier=real)
    with TestClient(app) as test_client:
        yield test_client


def test_every_hostile_body_is_a_422_with_a_real_encoder(
    real_client: TestClient, keys: Keys
) -> None:
    for path in ("/v1/articles", "/v1/classify"):
        for field, body in BAD_BODIES:
            status, answer = post_raw(real_client, path, body, keys.editor)
            assert status == 422, (path, body, answer)
            assert field in [problem["field"] for problem in answer["errors"]], answer
    assert stored_count(real_client, keys) == 0
    # and a sound article still goes through the same encoder
    status, answer = post_raw(
        real_client, "/v1/classify", {"text": "The striker scored twice."}, keys.editor
    )
    assert status == 200, answer
