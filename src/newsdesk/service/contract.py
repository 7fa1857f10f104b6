"""The OpenAPI document says exactly what this service accepts: its limits and its sections.

FastAPI writes the schema from the route signatures, which cannot know what is decided at
start-up: the size limits of :class:`~newsdesk.service.settings.Settings` and the sections of
the served taxonomy (editors may activate another model while the service runs). They are
filled in here each time ``/openapi.json`` is read, so a client generated from it, or a
fuzzer, never sends a request the schema allows and the service refuses.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from newsdesk.service.state import ServiceState

__all__ = ["install_contract"]

OpenApi = dict[str, Any]


def install_contract(app: FastAPI, state: ServiceState) -> None:
    """Make ``app.openapi()`` fill in the limits of ``state.settings`` and the served sections."""
    describe: Callable[[], OpenApi] = app.openapi  # FastAPI's, cached after the first call

    def openapi() -> OpenApi:
        schema = copy.deepcopy(describe())
        _fill_limits(schema, state)
        if state.classifier is not None:
            _fill_sections(schema, list(state.classifier.taxonomy.names))
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _fill_limits(schema: OpenApi, state: ServiceState) -> None:
    settings = state.settings
    models = schema["components"]["schemas"]
    article = models["ArticleIn"]["properties"]
    article["text"]["maxLength"] = settings.max_text_chars
    article["title"]["maxLength"] = settings.max_title_chars
    models["ArticleBatch"]["properties"]["articles"]["maxItems"] = settings.max_batch
    for path in ("/v1/articles", "/v1/queue"):
        for parameter in schema["paths"][path]["get"]["parameters"]:
            if parameter["name"] == "limit":
                parameter["schema"]["maximum"] = settings.max_page


def _fill_sections(schema: OpenApi, names: list[str]) -> None:
    correction = schema["components"]["schemas"]["CorrectionIn"]["properties"]
    for field, where in (("section", ()), ("sections", ("items",))):
        for branch in correction[field]["anyOf"]:
            if branch.get("type") == "null":
                continue
            target = branch
            for key in where:
                target = target[key]
            target["enum"] = names
