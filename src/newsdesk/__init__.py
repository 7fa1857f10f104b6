"""newsdesk: file news articles into an outlet's sections, offline, in English and Arabic.

The public face is small and imported lazily, so ``import newsdesk`` stays light: onnxruntime
and the models load only when a classifier is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsdesk._version import __version__

__all__ = ["Article", "Classifier", "Prediction", "Section", "Taxonomy", "__version__"]

_LAZY = {
    "Article": "newsdesk.article",
    "Classifier": "newsdesk.classify.classifier",
    "Prediction": "newsdesk.classify.result",
    "Section": "newsdesk.taxonomy",
    "Taxonomy": "newsdesk.taxonomy",
}

if TYPE_CHECKING:
    from newsdesk.article import Article
    from newsdesk.classify.classifier import Classifier
    from newsdesk.classify.result import Prediction
    from newsdesk.taxonomy import Section, Taxonomy


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'newsdesk' has no attribute {name!r}")
