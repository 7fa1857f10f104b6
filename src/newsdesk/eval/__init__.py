"""Measuring a classifier: metrics, the HTML report and its figures."""

from __future__ import annotations

from newsdesk.classify.metrics import (
    classification_metrics,
    expected_calibration_error,
    multilabel_metrics,
)

__all__ = ["classification_metrics", "expected_calibration_error", "multilabel_metrics"]
