"""The learning curve as the desk draws it: inline SVG geometry, no script, no library.

:func:`curve_chart` turns a :class:`~newsdesk.eval.learning.LearningCurve` into coordinates
and labels that ``_learning_curve.html`` writes out as an ``<svg>`` (every value escaped as any
other), with the same figures as a table for screen readers. Lines differ by colour and dash
both (colour-blind readers), in colours with at least 3:1 contrast on white.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Connection

from newsdesk.eval.learning import CurvePoint, LearningCurve, learning_curve
from newsdesk.store.learning import review_history

__all__ = ["CurveChart", "curve_chart", "read_curve"]

# Okabe-Ito hues darkened to 3:1 or more against white, and dashes that tell lines apart
COLOURS = ("#0072b2", "#c0490b", "#00795c", "#aa4499", "#6b4c00", "#333333")
DASHES = ("", "7 3", "2 3", "9 3 2 3")
MAX_LINES = 8  # the models whose calls were reviewed last; the table lists every one
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 12, 40


@dataclass(frozen=True)
class Tick:
    at: float  # the coordinate
    label: str


@dataclass(frozen=True)
class Mark:
    x: float
    y: float
    point: CurvePoint


@dataclass(frozen=True)
class ChartLine:
    """One model's line: its colour, dash, polyline and a mark at each point."""

    model: str
    colour: str
    dash: str
    points: str
    marks: tuple[Mark, ...]

    @property
    def last(self) -> CurvePoint:
        return self.marks[-1].point


@dataclass(frozen=True)
class CurveChart:
    """What the template draws: the plot box, ticks, lines, and the curve for the table."""

    curve: LearningCurve
    lines: tuple[ChartLine, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def _nice_step(span: float, count: int = 5) -> int:
    """A tick step of 1, 2 or 5 times a power of ten giving about ``count`` ticks."""
    raw = max(span / count, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))


def curve_chart(curve: LearningCurve) -> CurveChart | None:
    """The chart of ``curve``; None before the first review."""
    if not curve.total:
        return None
    span = max(curve.total, 1)

    def x(n: float) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * n / span, 1)

    def y(share: float) -> float:
        return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - share), 1)

    shown = sorted(curve.models, key=lambda m: m.last.corrections)[-MAX_LINES:]
    lines = []
    for i, model in enumerate(m for m in curve.models if m in shown):
        marks = tuple(Mark(x(p.corrections), y(p.accuracy), p) for p in model.points)
        lines.append(
            ChartLine(
                model.model,
                COLOURS[i % len(COLOURS)],
                DASHES[(i // len(COLOURS) + i) % len(DASHES)],
                " ".join(f"{m.x},{m.y}" for m in marks),
                marks,
            )
        )
    step = _nice_step(span)
    x_ticks = tuple(Tick(x(n), f"{n:,}") for n in range(0, span + 1, step))
    y_ticks = tuple(Tick(y(share / 100), f"{share}%") for share in range(0, 101, 25))
    return CurveChart(curve, tuple(lines), x_ticks, y_ticks)


def read_curve(conn: Connection) -> CurveChart | None:
    """The learning curve of every review in the store, ready to draw."""
    reviews = review_history(conn)
    return curve_chart(learning_curve((r.model_version, r.right) for r in reviews))
