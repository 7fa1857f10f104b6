"""The defaults that more than one part of newsdesk shows a user, each written once.

The CLI's flags, the service's and the desk's settings and the store read them from here, so a
default changed here changes everywhere it is shown. This module imports nothing, so the CLI
can read it without loading the store's or the service's dependencies. (The default encoder's
name lives with the encoder registry: ``newsdesk.encoders.DEFAULT_ENCODER``.)
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DEFAULT_MODELS_DIR",
    "RETRAIN_ACTIVATE_MARGIN",
    "RETRAIN_ACTIVATE_MIN_HELD_OUT",
    "RETRAIN_CONFIDENT_MIN",
    "RETRAIN_CONFIDENT_PER_SECTION",
    "RETRAIN_EVERY",
]

DEFAULT_DATABASE_URL = "sqlite:///newsdesk.db"
DEFAULT_MODELS_DIR = Path("newsdesk-models")
# newest confidently called unreviewed articles a section that join a retrain's training data
RETRAIN_CONFIDENT_PER_SECTION = 100
# the least confidence of such a call
RETRAIN_CONFIDENT_MIN = 0.8
# new corrections after which the desk retrains in the background (0: only when asked)
RETRAIN_EVERY = 0
# how much better (held-out accuracy, 0.02: two points) a background retrain's candidate must
# be to be activated on its own; None: it is suggested on the models page, never switched to
RETRAIN_ACTIVATE_MARGIN: float | None = None
# held-out reviewed articles below which a candidate is only suggested, whatever its gain
RETRAIN_ACTIVATE_MIN_HELD_OUT = 20
