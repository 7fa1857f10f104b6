"""The classification metrics, re-exported where evaluation code has always found them.

They live in :mod:`newsdesk.classify.metrics`, below both the trainer (which measures its
held-out split) and this package (which reports on whole data sets).
"""

from __future__ import annotations

from newsdesk.classify.metrics import (
    classification_metrics,
    expected_calibration_error,
    multilabel_metrics,
)

__all__ = ["classification_metrics", "expected_calibration_error", "multilabel_metrics"]
