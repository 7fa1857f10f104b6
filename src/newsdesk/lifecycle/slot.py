"""The model the service files with, swappable while it serves.

A :class:`ServedModel` pairs a classifier with the version label stored with its calls, so a
call is never recorded under another model's version. Work takes ``slot.current`` once and
keeps that object to the end: swapping replaces the slot's reference under a lock (a new
model is loaded before, outside the lock), and requests already running finish on the model
they started with; nothing is restarted, no request is dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from newsdesk.classify.classifier import Classifier
from newsdesk.encoders.base import Encoder
from newsdesk.errors import ModelFormatError

__all__ = ["ModelSlot", "ServedModel", "load_saved"]


@dataclass(frozen=True)
class ServedModel:
    """A classifier and the version its calls are stored under."""

    classifier: Classifier
    version: str


def load_saved(version: str, path: str | None, encoder: Encoder | None = None) -> ServedModel:
    """The registered model ``version`` loaded from its folder, as a service loads it.

    With ``encoder`` (the one the service runs), a model made with the same encoder shares
    it; any other loads its own. :class:`ModelFormatError` when there is no folder or it does
    not hold a model this version of newsdesk can load; ``OSError`` when it cannot be read.
    """
    if not path:
        raise ModelFormatError(
            f"model {version!r} has no saved folder (a zero-shot model of an earlier "
            "start): it cannot be loaded again"
        )
    if encoder is not None:
        try:
            return ServedModel(Classifier.load(path, encoder=encoder), version)
        except ModelFormatError:
            pass
    return ServedModel(Classifier.load(path), version)


class ModelSlot:
    """Holds the active :class:`ServedModel`; ``swap`` replaces it atomically."""

    def __init__(self, model: ServedModel) -> None:
        self._model = model
        self._lock = threading.Lock()
        self._listeners: list[Callable[[ServedModel], None]] = []

    @property
    def current(self) -> ServedModel:
        """The active model (read once per unit of work, then kept)."""
        return self._model

    def swap(self, model: ServedModel) -> ServedModel:
        """Make ``model`` the active one and return the one it replaced."""
        with self._lock:
            old, self._model = self._model, model
            listeners = list(self._listeners)
        for listener in listeners:
            listener(model)
        return old

    def on_swap(self, listener: Callable[[ServedModel], None]) -> None:
        """Call ``listener(new_model)`` after every swap (metrics, caches)."""
        with self._lock:
            self._listeners.append(listener)
