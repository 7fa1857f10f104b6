"""Label spreading over an archive's neighbour graph (newsdesk.classify.propagation)."""

from __future__ import annotations

import numpy as np
import pytest

from newsdesk.classify import propagation
from newsdesk.classify.propagation import neighbour_graph, spread_labels


def _clusters(per: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three tight clusters of unit vectors in 16 dimensions, and each row's cluster."""
    rng = np.random.default_rng(seed)
    centres = np.eye(16)[:3]
    rows = np.repeat(np.arange(3), per)
    vectors = centres[rows] + 0.15 * rng.standard_normal((len(rows), 16))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), rows


def _noisy_probs(truth: np.ndarray, wrong: float, seed: int = 1) -> np.ndarray:
    """Probabilities that favour the true column, except for a ``wrong`` share of rows that
    favour another one."""
    rng = np.random.default_rng(seed)
    calls = truth.copy()
    flip = rng.random(len(truth)) < wrong
    calls[flip] = (truth[flip] + rng.integers(1, 3, flip.sum())) % 3
    probs = np.full((len(truth), 3), 0.2)
    probs[np.arange(len(truth)), calls] = 0.6
    return probs


def test_spreading_repairs_the_calls_a_cluster_disagrees_with() -> None:
    vectors, truth = _clusters()
    probs = _noisy_probs(truth, wrong=0.3)
    before = float(np.mean(probs.argmax(1) == truth))
    after = spread_labels(vectors, probs, neighbours=8, spread=0.8)
    assert before < 0.8
    assert float(np.mean(after.argmax(1) == truth)) > 0.95
    assert np.allclose(after.sum(axis=1), 1.0)
    assert after.shape == probs.shape


def test_no_neighbours_or_no_spread_leaves_the_reading_alone() -> None:
    vectors, truth = _clusters(per=5)
    probs = _noisy_probs(truth, wrong=0.3)
    assert spread_labels(vectors, probs, neighbours=0) is probs
    assert spread_labels(vectors, probs, spread=0.0) is probs
    one = probs[:1]
    assert spread_labels(vectors[:1], one) is one


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"spread": 1.0}, "spread"), ({"spread": -0.1}, "spread"), ({"neighbours": -1}, "neighbours"),
])  # fmt: skip
def test_settings_out_of_range_are_refused(kwargs: dict[str, float], message: str) -> None:
    vectors, truth = _clusters(per=5)
    with pytest.raises(ValueError, match=message):
        spread_labels(vectors, _noisy_probs(truth, 0.0), **kwargs)  # type: ignore[arg-type]


def test_the_graph_is_symmetric_normalised_and_built_in_chunks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vectors, _ = _clusters(per=30)
    whole = neighbour_graph(vectors, 5).toarray()
    monkeypatch.setattr(propagation, "_BLOCK_CELLS", 7 * 90)  # blocks of 7 rows, the last short
    chunked = neighbour_graph(vectors, 5).toarray()
    assert np.allclose(whole, chunked)
    assert np.allclose(whole, whole.T)
    assert np.all(np.diag(whole) == 0)  # no article is its own neighbour
    assert np.all((whole > 0).sum(axis=1) >= 5)  # its own 5, and any that chose it
    # degree-normalised: the largest eigenvalue of D^-1/2 W D^-1/2 is 1
    assert np.isclose(np.linalg.eigvalsh(whole).max(), 1.0)


def test_more_neighbours_than_articles_links_every_pair() -> None:
    vectors = np.array([[1.0, 0.1, 0.0], [0.9, 0.3, 0.1], [0.8, 0.0, 0.5]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    graph = neighbour_graph(vectors, 50).toarray()
    assert graph.shape == (3, 3)
    assert np.all((graph > 0) == ~np.eye(3, dtype=bool))


def test_dissimilar_articles_are_not_linked() -> None:
    vectors = np.array([[1.0, 0.0], [-1.0, 0.0], [0.96, 0.28]])
    graph = neighbour_graph(vectors, 2).toarray()
    assert graph[0, 1] == 0 and graph[1, 2] == 0  # negative cosine: no edge
    assert graph[0, 2] > 0
