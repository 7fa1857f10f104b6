"""Classifiers: zero-shot scoring, learned heads, calibration and the saved-model format."""

from __future__ import annotations

from newsdesk.classify.classifier import Classifier
from newsdesk.classify.result import EncodedArticles, Prediction

__all__ = ["Classifier", "EncodedArticles", "Prediction"]
