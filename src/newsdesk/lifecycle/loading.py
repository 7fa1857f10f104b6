"""Loading a model from its spec: a saved folder, or a taxonomy filed zero-shot with an encoder.

The service loads one so at start-up, and ``newsdesk retrain`` when no model is active yet.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.errors import NewsdeskError

__all__ = [
    "ModelSpec",
    "SpecFlags",
    "legacy_version",
    "load_classifier",
    "model_version",
    "sections_digest",
    "warm_up",
]

log = logging.getLogger(__name__)


class ModelSpec(Protocol):
    """What names a model to load: the service's settings are one, the CLI's flags another."""

    @property
    def model(self) -> Path | None: ...

    @property
    def taxonomy(self) -> str | None: ...

    @property
    def encoder(self) -> str: ...


@dataclass(frozen=True)
class SpecFlags:
    """A :class:`ModelSpec` from command-line flags: a saved model or a taxonomy, not both."""

    model: Path | None
    taxonomy: str | None
    encoder: str

    def __post_init__(self) -> None:
        if self.model is not None and self.taxonomy is not None:
            raise NewsdeskError(
                "give either a saved model (--model) or a taxonomy (--taxonomy), not both: "
                "a saved model has its taxonomy"
            )


def load_classifier(settings: ModelSpec) -> Classifier:
    """A saved model (``settings.model``) or a zero-shot classifier over ``settings.taxonomy``."""
    if settings.model is not None:
        classifier = Classifier.load(Path(settings.model))
        log.info("loaded the saved model %s", settings.model)
        return classifier
    classifier = Classifier.zero_shot(taxonomy=settings.taxonomy, encoder=settings.encoder)
    log.info(
        "zero-shot classifier over taxonomy %r with encoder %r",
        classifier.taxonomy.name,
        classifier.encoder.name,
    )
    return classifier


def model_version(classifier: Classifier, model: Path | None = None) -> str:
    """A label for the calls a classifier makes, stored with each call.

    The head kind, taxonomy and encoder fingerprint (and the ``model`` folder's name), which
    changes whenever the calls could. A classifier built from a taxonomy (no ``model``) also
    names what its sections say by a short digest, ``zero-shot:NAME@DIGEST:ENCODER``: a
    taxonomy file whose sections, lines, keywords or examples were edited under the same
    ``name:`` is another model, whose calls are not mixed with the first one's.
    """
    kind = getattr(classifier.head, "kind", type(classifier.head).__name__)
    taxonomy, fingerprint = classifier.taxonomy.name, classifier.encoder.fingerprint
    if model is not None:
        return f"{Path(model).name}:{kind}:{taxonomy}:{fingerprint}"
    return f"{kind}:{taxonomy}@{sections_digest(classifier)}:{fingerprint}"


def legacy_version(classifier: Classifier, model: Path | None = None) -> str | None:
    """The version releases before the digest gave a classifier built from a taxonomy
    (``zero-shot:NAME:ENCODER``); ``None`` for a saved model, whose version is unchanged."""
    if model is not None:
        return None
    kind = getattr(classifier.head, "kind", type(classifier.head).__name__)
    return f"{kind}:{classifier.taxonomy.name}:{classifier.encoder.fingerprint}"


def sections_digest(classifier: Classifier) -> str:
    """Eight hex digits of what the taxonomy's sections say (its name is in the version
    already; its own description files nothing)."""
    taxonomy = classifier.taxonomy.to_dict()
    content = {key: taxonomy.get(key) for key in ("multi_label", "sections")}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def warm_up(classifier: Classifier) -> None:
    """Encode one short text, so that ``/readyz`` means the first request will not wait.

    Encoders load their runtime lazily: without this the first requests after a start wait
    for it (about 2 s for e5-small on two cores).
    """
    classifier.encode([Article(text="Warm-up: the central bank held interest rates.", lang="en")])
