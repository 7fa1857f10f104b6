"""The evaluation report: ``metrics.json`` and a self-contained ``report.html``.

The page needs no network and no other file: its figures are SVG embedded as base64 images.
It is written for an editor: what share was filed right, where it goes wrong, and whether the
confidence can be trusted.
"""

from __future__ import annotations

import base64
import json
from html import escape
from pathlib import Path
from typing import Any

from newsdesk.eval.plots import confusion_svg, reliability_svg

__all__ = ["render_html", "write_report"]

# The page stays readable and small on a large test set; metrics.json keeps every row.
MISFILED_SHOWN = 500

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#222;padding:0 1em}
h1{font-size:1.5em} h2{font-size:1.15em;margin-top:2em} table{border-collapse:collapse}
td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left} .big{font-size:2em;font-weight:600}
.cards{display:flex;gap:2em;flex-wrap:wrap} .card{min-width:140px} .muted{color:#666}
.weak{background:#fdecea}
"""


def _image(svg: str, alt: str) -> str:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/svg+xml;base64,{data}">'


def _card(label: str, value: str, note: str) -> str:
    return (
        f'<div class="card"><div class="muted">{escape(label)}</div>'
        f'<div class="big">{escape(value)}</div><div class="muted">{escape(note)}</div></div>'
    )


def render_html(metrics: dict[str, Any], title: str = "newsdesk evaluation") -> str:
    """The report page for ``metrics`` (the output of :func:`evaluate_articles`)."""
    parts = [
        f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>"
    ]
    about = metrics.get("about", {})
    if about:
        parts.append(
            '<p class="muted">'
            + " · ".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in about.items())
            + "</p>"
        )
    cards = [
        _card("filed right", f"{metrics['accuracy']:.1%}", f"of {metrics['n']} articles"),
        _card("macro-F1", f"{metrics['macro_f1']:.3f}", "every section counts the same"),
    ]
    if "ece" in metrics:
        cards.append(_card("calibration error", f"{metrics['ece']:.3f}", "0 = confidence is exact"))
    multi = metrics.get("multi_label")
    if multi:
        cards.append(_card("micro-F1 (all sections)", f"{multi['micro_f1']:.3f}", "multi-label"))
        cards.append(
            _card("all sections right", f"{multi['subset_accuracy']:.1%}", "subset accuracy")
        )
    parts.append(f'<div class="cards">{"".join(cards)}</div>')
    parts.append(
        "<h2>Sections</h2><p class='muted'>Precision: of the articles filed under a section, the "
        "share that belong there. Recall: of the articles that belong there, the share filed "
        "there. Rows in red have an F1 below 0.6.</p><table><tr><th>section</th><th>precision"
        "</th><th>recall</th><th>F1</th><th>articles</th></tr>"
    )
    for name, row in metrics["per_section"].items():
        weak = ' class="weak"' if row["support"] and row["f1"] < 0.6 else ""
        parts.append(
            f"<tr{weak}><td>{escape(name)}</td><td>{row['precision']:.2f}</td>"
            f"<td>{row['recall']:.2f}</td><td>{row['f1']:.2f}</td><td>{row['support']}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        "<h2>Where articles go</h2><p class='muted'>Each row is a true section; the cells show "
        "where its articles were filed. A dark diagonal is good.</p>"
        + _image(confusion_svg(metrics["confusion"], metrics["labels"]), "confusion matrix")
    )
    if "reliability" in metrics:
        parts.append(
            "<h2>Can the confidence be trusted?</h2><p class='muted'>Bars: the share filed right "
            "among articles whose confidence fell in each band; dots: their mean confidence. "
            "Bars reaching the dashed line mean the confidence is honest.</p>"
            + _image(reliability_svg(metrics["reliability"]), "reliability diagram")
        )
    if "misfiled" in metrics:
        parts.append(_misfiled_table(metrics["misfiled"]))
    parts.append("</body></html>")
    return "".join(parts)


def _misfiled_table(rows: list[dict[str, Any]]) -> str:
    """The misfiled articles, the most confident first (the list is already in that order)."""
    shown = rows[:MISFILED_SHOWN]
    more = len(rows) - len(shown)
    note = f" The first {len(shown)} of {len(rows)}; metrics.json lists them all." if more else ""
    head = (
        f"<h2>Misfiled articles ({len(rows)})</h2><p class='muted'>The most confident mistakes "
        f"first: each is a wrong label, or a section the taxonomy describes badly.{note}</p>"
    )
    if not rows:
        return head
    body = "".join(
        f"<tr><td>{escape(str(row['title']))}</td><td>{escape(row['gold'])}</td>"
        f"<td>{escape(row['call'])}</td><td>{row['confidence']:.2f}</td></tr>"
        for row in shown
    )
    return (
        f"{head}<table><tr><th>title</th><th>label</th><th>call</th><th>confidence</th></tr>"
        f"{body}</table>"
    )


def write_report(
    metrics: dict[str, Any], folder: str | Path, title: str = "newsdesk evaluation"
) -> Path:
    """Write ``metrics.json`` and ``report.html`` into ``folder``; return the page's path."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(
        json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    page = out / "report.html"
    page.write_text(render_html(metrics, title), encoding="utf-8")
    return page
