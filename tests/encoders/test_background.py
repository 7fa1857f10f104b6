from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pytest

from newsdesk.encoders.background import background_mean


@dataclass
class Named:
    name: str
    dim: int


def test_e5_small_ships_a_mean_article_vector() -> None:
    vector = background_mean(Named("e5-small", 384))  # type: ignore[arg-type]
    assert vector is not None and vector.shape == (384,)
    assert 0.5 < float(np.linalg.norm(vector)) < 1.0  # a mean of unit vectors that agree a lot
    windowed = background_mean(Named("e5-small:window", 384))  # type: ignore[arg-type]
    assert windowed is not None and np.array_equal(windowed, vector)


def test_no_vector_for_other_encoders_or_odd_names() -> None:
    assert background_mean(Named("lexical", 256)) is None  # type: ignore[arg-type]
    assert background_mean(Named("../../etc/passwd", 384)) is None  # type: ignore[arg-type]


def test_a_vector_of_the_wrong_length_is_ignored(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert background_mean(Named("e5-small", 512)) is None  # type: ignore[arg-type]
    assert "not (512,)" in caplog.text
