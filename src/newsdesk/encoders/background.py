"""Where an encoder's news articles usually sit: the mean of article vectors, per encoder.

Some label texts are close to every news article (short ones, generic ones: "Everything
else.", "Breaking news."), so a raw cosine favours them whatever the article says. A label's
cosine to the mean article vector measures that pull, and zero-shot scoring subtracts it.
The mean is a fixed vector an encoder ships with (``background/<encoder>.npy``, made by
``benchmarks/background.py`` from news articles in several languages and outlets, each set
weighing the same); an encoder without one is centred on its label texts instead.
"""

from __future__ import annotations

import functools
import logging
from importlib import resources

import numpy as np

from newsdesk.encoders.base import Encoder

__all__ = ["background_mean"]

logger = logging.getLogger(__name__)


def background_mean(encoder: Encoder) -> np.ndarray | None:
    """The encoder's mean article vector, or ``None`` when none is shipped for it.

    Looked up by the encoder's base name (``e5-small:window`` uses ``e5-small``'s); a file
    whose length is not the encoder's dimension is ignored with a warning.
    """
    base = str(getattr(encoder, "name", "")).split(":", 1)[0]
    if not base or not base.replace("-", "").replace("_", "").isalnum():
        return None
    vector = _shipped(base)
    if vector is None:
        return None
    if vector.shape != (encoder.dim,) or not np.isfinite(vector).all():
        logger.warning(
            "ignoring background/%s.npy: shape %s, not (%d,)", base, vector.shape, encoder.dim
        )
        return None
    return vector.astype(np.float32)


@functools.cache
def _shipped(base: str) -> np.ndarray | None:
    """The vector shipped for ``base``, read once a process."""
    resource = resources.files("newsdesk.encoders").joinpath("background", f"{base}.npy")
    if not resource.is_file():
        return None
    with resource.open("rb") as handle:
        vector: np.ndarray = np.load(handle, allow_pickle=False)
    vector.setflags(write=False)  # shared by every caller
    return vector
