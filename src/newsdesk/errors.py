"""The newsdesk exception tree.

Every error newsdesk raises on purpose derives from :class:`NewsdeskError`, and also from the
builtin it resembles, so callers can catch either::

    NewsdeskError
    ├── TaxonomyError (ValueError)        a taxonomy file or value is invalid
    ├── ArticleError (ValueError)         an article or an input row is unusable
    │   └── ReaderError                   a whole input cannot be read (missing column, bad format)
    ├── EncoderError (RuntimeError)       an encoder cannot be found, built or run
    ├── FetchError (OSError)              a feed or page cannot be fetched (status, timeout, loop)
    ├── ClusterError (ConnectionError)    a Ray cluster cannot be reached, or is not Ray
    ├── TrainingError (ValueError)        training data cannot be used (unknown labels, one class)
    ├── ModelFormatError (ValueError)     a saved model is missing, corrupt or incompatible
    ├── NotFittedError (RuntimeError)     a classifier was used before ``fit``
    └── MissingExtraError (ImportError)   an optional dependency group is not installed

Errors become exit codes (CLI) or HTTP statuses (service) only at the edges.
"""

from __future__ import annotations

__all__ = [
    "ArticleError",
    "ClusterError",
    "EncoderError",
    "FetchError",
    "MissingExtraError",
    "ModelFormatError",
    "NewsdeskError",
    "NotFittedError",
    "ReaderError",
    "TaxonomyError",
    "TrainingError",
]


class NewsdeskError(Exception):
    """Root of every error newsdesk raises on purpose."""


class TaxonomyError(NewsdeskError, ValueError):
    """A taxonomy file or value is invalid; the message names the file, section and fix."""


class ArticleError(NewsdeskError, ValueError):
    """An article or an input row cannot be used (empty text, bad JSON, undecodable bytes)."""


class ReaderError(ArticleError):
    """A whole input cannot be read: unknown format, missing text column, unreadable file."""


class EncoderError(NewsdeskError, RuntimeError):
    """An encoder cannot be found, built or run."""


class FetchError(NewsdeskError, OSError):
    """A feed or page cannot be fetched: an error status, a timeout, a redirect loop."""


class ClusterError(NewsdeskError, ConnectionError):
    """A Ray cluster cannot be reached at the address given, or what answers is not Ray."""


class TrainingError(NewsdeskError, ValueError):
    """Training data cannot be used: unknown labels, an empty file, a single class."""


class ModelFormatError(NewsdeskError, ValueError):
    """A saved model is missing, corrupt, or was made with another encoder or format version."""


class NotFittedError(NewsdeskError, RuntimeError):
    """A classifier was used before it was fitted."""


class MissingExtraError(NewsdeskError, ImportError):
    """An optional dependency group is not installed."""

    def __init__(self, feature: str, extra: str, missing: str) -> None:
        super().__init__(
            f"{feature} needs the '{missing}' package, which is not installed; "
            f"install it with: pip install 'newsdesk[{extra}]'"
        )
        self.extra = extra
        self.missing = missing


def require(module: str, *, feature: str, extra: str) -> None:
    """Raise :class:`MissingExtraError` naming ``extra`` when ``module`` cannot be imported."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise MissingExtraError(feature, extra, module)
