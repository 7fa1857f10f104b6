"""The head contract every classifier kind follows (scikit-learn's estimator habits).

``__init__`` only stores keyword arguments; fitting returns ``self`` and sets the learned
state, whose names end in ``_`` (a head has none before); ``predict_proba(X)`` returns one
column per entry of ``classes_``, rows summing to 1; using a head before it is fitted raises
:class:`~newsdesk.errors.NotFittedError`. A learned head fits on examples, ``fit(X, y)``; the
zero-shot head's data is the taxonomy, so it fits with ``fit_taxonomy(taxonomy, encoder)`` and
has no ``fit``. Heads save themselves as a JSON-ready config plus named numpy arrays, never
pickle; ``set_state`` restores a saved head into a new one.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, Protocol, Self, runtime_checkable

import numpy as np

from newsdesk.classify.result import EncodedArticles
from newsdesk.errors import NotFittedError

__all__ = ["Head", "LearnedHead", "check_fitted", "in_columns", "softmax"]


@runtime_checkable
class Head(Protocol):
    """Maps encoded articles to section probabilities: what a classifier files and saves with."""

    kind: str
    classes_: Any

    def predict_proba(self, X: EncodedArticles) -> np.ndarray: ...

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """Config (JSON-ready) and arrays that ``set_state`` restores exactly."""
        ...

    def set_state(self, config: dict[str, Any], arrays: dict[str, np.ndarray]) -> Head: ...


class LearnedHead:
    """What the heads learned from examples share: a trainer configures them, never pokes them.

    ``fit(X, y, ...)`` learns from examples and returns the head.

    :meth:`set_params` is scikit-learn's: the trainer gives a head the values it chose on
    held-out folds by their ``__init__`` names. :meth:`calibrate` sets the temperature the
    trainer fitted on held-out scores.
    """

    temperature_: float

    def set_params(self, **params: Any) -> Self:
        """Set parameters by their ``__init__`` names; an unknown name raises ``ValueError``."""
        known = set(inspect.signature(type(self).__init__).parameters) - {"self"}
        for name, value in params.items():
            if name not in known:
                kind = type(self).__name__
                raise ValueError(f"{kind} has no parameter {name!r}; it has {sorted(known)}")
            setattr(self, name, value)
        return self

    def calibrate(self, temperature: float) -> Self:
        """Divide the logits by ``temperature`` from now on."""
        self.temperature_ = float(temperature)
        return self


def check_fitted(head: object, attribute: str = "classes_") -> None:
    """Raise :class:`NotFittedError` unless ``head`` has the learned ``attribute``."""
    if getattr(head, attribute, None) is None:
        raise NotFittedError(
            f"this {type(head).__name__} is not fitted yet; call fit(...) before using it"
        )


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax."""
    shifted = logits - logits.max(axis=axis, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=axis, keepdims=True)


def in_columns(
    scores: np.ndarray, head_classes: Sequence[str], classes: Sequence[str]
) -> np.ndarray:
    """``scores`` (one column a head class) laid out in ``classes`` order, ``-30`` in the
    columns of sections the head has none for (a learned head lacks those it saw no example of).
    """
    out = np.full((len(scores), len(classes)), -30.0)
    out[:, [list(classes).index(c) for c in head_classes]] = scores
    return out
