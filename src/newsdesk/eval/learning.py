"""The learning curve editors see: each model's accuracy on reviewed articles, against corrections.

Reviews are read in the order they happened. Each belongs to the model that filed the article
(its call) and is right when the editor kept the call's section. A model's point after ``n``
corrections is the share of its reviewed calls, among the first ``n`` reviews, that were right:
a line a model, starting where editors first reviewed one of its calls. Reviews follow the
queue, which shows the least certain calls first, so these accuracies run below the accuracy on
all articles; they compare models reviewed the same way, and show the trend.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["CurvePoint", "LearningCurve", "ModelCurve", "learning_curve"]


@dataclass(frozen=True)
class CurvePoint:
    """A model's accuracy on its ``reviewed`` calls among the first ``corrections`` reviews."""

    corrections: int
    reviewed: int
    right: int

    @property
    def accuracy(self) -> float:
        return self.right / self.reviewed


@dataclass(frozen=True)
class ModelCurve:
    """One model's line: a point at every step in which editors reviewed its calls."""

    model: str
    points: tuple[CurvePoint, ...]

    @property
    def last(self) -> CurvePoint:
        return self.points[-1]

    @property
    def first_review(self) -> int:
        return self.points[0].corrections


@dataclass(frozen=True)
class LearningCurve:
    """Every model's line, in the order editors first reviewed its calls, over ``total``
    reviews; a point every ``step`` reviews (and at the last)."""

    total: int
    step: int
    models: tuple[ModelCurve, ...]


def learning_curve(reviews: Iterable[tuple[str, bool]], *, points: int = 50) -> LearningCurve:
    """The curve of ``reviews`` (model, call right?) in review order, about ``points`` points
    a line at most."""
    history = list(reviews)
    total = len(history)
    step = max(1, math.ceil(total / max(points, 1)))
    counts: dict[str, list[int]] = {}  # model: [reviewed, right]
    lines: dict[str, list[CurvePoint]] = {}
    touched: set[str] = set()
    for n, (model, right) in enumerate(history, start=1):
        seen = counts.setdefault(model, [0, 0])
        seen[0] += 1
        seen[1] += int(right)
        touched.add(model)
        if n % step == 0 or n == total:
            for name in sorted(touched, key=list(counts).index):
                reviewed, good = counts[name]
                lines.setdefault(name, []).append(CurvePoint(n, reviewed, good))
            touched.clear()
    return LearningCurve(
        total, step, tuple(ModelCurve(name, tuple(line)) for name, line in lines.items())
    )
