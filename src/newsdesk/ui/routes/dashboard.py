"""The dashboard: filing over time, correction rates, calls against corrections, the model."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from newsdesk.store import registry
from newsdesk.store.queue_order import RANDOM_SHARE, unreviewed_accuracy
from newsdesk.store.review import (
    QueueFilter,
    confusion_counts,
    filed_per_day,
    queue_size,
    review_counts,
)
from newsdesk.ui.auth import DeskState, PageVisit, Reader
from newsdesk.ui.curve import read_curve
from newsdesk.ui.desk import Desk
from newsdesk.ui.pages import render

router = APIRouter(prefix="/desk", include_in_schema=False)


def dashboard_figures(desk: Desk) -> dict[str, Any]:
    """Everything the dashboard shows, read in one transaction."""
    days = desk.settings.dashboard_days
    with desk.store.read() as conn:
        confusion = confusion_counts(conn)
        counts = review_counts(conn, confusion)
        dates, series = filed_per_day(conn, days=days)
        waiting = queue_size(conn, QueueFilter())
        active = registry.active_version(conn)
        record = registry.get_model(conn, active) if active else None
        curve = read_curve(conn)
        estimate = unreviewed_accuracy(conn)
        estimate_active = unreviewed_accuracy(conn, version=active) if active else None
    sections = list(desk.slot.current.classifier.taxonomy.names)
    extra = sorted({*counts.filed, *series} - set(sections))
    sections += extra
    peak = max((n for values in series.values() for n in values), default=0)
    called = [s for s in sections if any(a == s for a, _ in confusion)]
    corrected = [s for s in sections if any(b == s for _, b in confusion)]
    return {
        "counts": counts,
        "filed_total": sum(counts.filed.values()),
        "waiting": waiting,
        "sections": sections,
        "dates": dates,
        "series": series,
        "peak": peak,
        "confusion": confusion,
        "confusion_rows": called,
        "confusion_cols": corrected,
        "confusion_peak": max(confusion.values(), default=0),
        "model": record,
        "curve": curve,
        "estimate": estimate,
        "estimate_active": estimate_active,
        "random_share": RANDOM_SHARE,
    }


@router.get("/dashboard")
async def dashboard(
    request: Request,
    current: PageVisit,
    user: Reader,
    desk: DeskState,
) -> Response:
    figures = await run_in_threadpool(dashboard_figures, desk)
    return render(request, "dashboard.html", {"nav": "dashboard", **figures}, current)
