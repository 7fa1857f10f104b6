"""What the desk's pages share: settings, sessions, templates, caches, and the model lifecycle.

The model's life (activation, roll-back, retraining jobs) is ``newsdesk.lifecycle``'s: the
desk holds the serving process's :class:`ModelLifecycle` and its pages call it.
"""

from __future__ import annotations

import time

from newsdesk.lifecycle.runtime import ModelLifecycle
from newsdesk.lifecycle.slot import ModelSlot
from newsdesk.store import review
from newsdesk.store.engine import Store
from newsdesk.ui.passages import PassageCache
from newsdesk.ui.sessions import SessionSigner
from newsdesk.ui.settings import DeskSettings
from newsdesk.ui.signin_state import open_signin_state
from newsdesk.ui.templating import build_templates
from newsdesk.ui.throttle import SignInThrottle

__all__ = ["Desk"]


class Desk:
    """Everything the desk's routes share; built by :func:`newsdesk.ui.mount_desk`."""

    def __init__(self, settings: DeskSettings, store: Store, lifecycle: ModelLifecycle) -> None:
        self.settings = settings
        self.store = store
        self.lifecycle = lifecycle
        self.signin_state = open_signin_state(store, settings.redis_url, settings.redis_prefix)
        self._signer = (
            self._make_signer(settings.session_secret) if settings.session_secret else None
        )
        self.templates = build_templates()
        self.passages = PassageCache()
        self.throttle = SignInThrottle(
            self.signin_state,
            max_failures=settings.signin_max_failures,
            window_s=settings.signin_window_s,
            lockout_s=settings.signin_lockout_s,
        )
        self._choices: tuple[float, dict[str, list[str]]] | None = None

    def _make_signer(self, secret: str) -> SessionSigner:
        return SessionSigner(secret, max_age_s=int(self.settings.session_hours * 3600))

    @property
    def signer(self) -> SessionSigner:
        """Signs session cookies: with the operator's key, else the one every process shares."""
        if self._signer is None:
            self._signer = self._make_signer(self.signin_state.shared_secret("session"))
        return self._signer

    # -- the served model ------------------------------------------------------------------

    @property
    def slot(self) -> ModelSlot:
        return self.lifecycle.active.slot

    @property
    def served_version(self) -> str:
        """The version of the model served now ('' before the service has loaded one)."""
        return self.lifecycle.active.served_version

    def filter_choices(self) -> dict[str, list[str]]:
        """Languages and sources for the queue's filters (re-read at most once a minute)."""
        now = time.monotonic()
        if self._choices is None or self._choices[0] < now:
            with self.store.read() as conn:
                self._choices = (now + 60.0, review.filter_choices(conn))
        return self._choices[1]
