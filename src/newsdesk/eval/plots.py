"""Figures for the report as hand-written SVG: no plotting library needed."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

__all__ = ["confusion_svg", "reliability_svg"]


def _blend(share: float) -> str:
    """White to dark blue as ``share`` goes from 0 to 1."""
    share = min(max(share, 0.0), 1.0)
    r = round(255 - share * (255 - 31))
    g = round(255 - share * (255 - 78))
    b = round(255 - share * (255 - 140))
    return f"rgb({r},{g},{b})"


def confusion_svg(matrix: Sequence[Sequence[int]], labels: Sequence[str], cell: int = 34) -> str:
    """A heatmap of the confusion matrix, each row shaded by its share, counts in the cells."""
    n = len(labels)
    left, top = 170, 150
    width, height = left + n * cell + 20, top + n * cell + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<text x="{left + n * cell / 2}" y="14" text-anchor="middle" font-size="13">'
        "filed under (prediction)</text>",
        f'<text x="12" y="{top + n * cell / 2}" font-size="13" '
        f'transform="rotate(-90 12 {top + n * cell / 2})" text-anchor="middle">'
        "true section</text>",
    ]
    for j, label in enumerate(labels):
        x = left + j * cell + cell / 2
        parts.append(
            f'<text x="{x}" y="{top - 6}" transform="rotate(-55 {x} {top - 6})">'
            f"{escape(label[:24])}</text>"
        )
    for i, label in enumerate(labels):
        row = matrix[i]
        total = sum(row) or 1
        y = top + i * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + cell / 2 + 4}" text-anchor="end">{escape(label[:24])}</text>'
        )
        for j, count in enumerate(row):
            share = count / total
            x = left + j * cell
            colour = "#fff" if share > 0.55 else "#222"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{_blend(share)}" '
                f'stroke="#ccc"><title>{escape(label)} → {escape(labels[j])}: {count}</title></rect>'
            )
            if count:
                parts.append(
                    f'<text x="{x + cell / 2}" y="{y + cell / 2 + 4}" text-anchor="middle" '
                    f'fill="{colour}">{count}</text>'
                )
    parts.append("</svg>")
    return "".join(parts)


def reliability_svg(bins: Sequence[dict[str, Any]], size: int = 320) -> str:
    """Accuracy against confidence by bin, with the diagonal of perfect calibration."""
    pad = 45
    plot = size - 2 * pad
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect x="{pad}" y="{pad}" width="{plot}" height="{plot}" fill="#fafafa" stroke="#999"/>',
        f'<line x1="{pad}" y1="{pad + plot}" x2="{pad + plot}" y2="{pad}" stroke="#999" '
        'stroke-dasharray="4 3"/>',
        f'<text x="{size / 2}" y="{size - 8}" text-anchor="middle">confidence</text>',
        f'<text x="12" y="{size / 2}" transform="rotate(-90 12 {size / 2})" '
        'text-anchor="middle">accuracy</text>',
    ]
    for tick in (0.0, 0.5, 1.0):
        parts.append(
            f'<text x="{pad + tick * plot}" y="{pad + plot + 14}" text-anchor="middle">{tick:g}</text>'
            f'<text x="{pad - 6}" y="{pad + plot - tick * plot + 4}" text-anchor="end">{tick:g}</text>'
        )
    for b in bins:
        if not b["count"]:
            continue
        x = pad + b["lower"] * plot
        w = (b["upper"] - b["lower"]) * plot
        h = b["accuracy"] * plot
        parts.append(
            f'<rect x="{x + 1}" y="{pad + plot - h}" width="{w - 2}" height="{h}" '
            f'fill="#1f4e8c" opacity="0.8"><title>{b["lower"]:.1f}-{b["upper"]:.1f}: '
            f"{b['count']} articles, accuracy {b['accuracy']:.2f}, confidence "
            f"{b['confidence']:.2f}</title></rect>"
        )
        cy = pad + plot - b["confidence"] * plot
        parts.append(f'<circle cx="{x + w / 2}" cy="{cy}" r="3" fill="#d9534f"/>')
    parts.append("</svg>")
    return "".join(parts)
