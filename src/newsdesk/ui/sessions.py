"""Signed session cookies and the CSRF tokens bound to them.

A session is a small JSON payload (user name, the user's session epoch, a random nonce, issue
time) followed by an HMAC-SHA256 of it under the desk's secret; nothing else is stored on the
server. Every visitor gets one, signed in or not, so the sign-in form is CSRF-protected too;
signing in issues a fresh nonce (no session fixation). The CSRF token is an HMAC of the nonce,
so it is valid only with the cookie it was made for, and never equals anything in the cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, replace
from typing import Any

__all__ = ["Session", "SessionSigner"]


@dataclass(frozen=True)
class Session:
    """What a session cookie says. ``user`` is ``None`` before sign-in."""

    nonce: str
    issued: int
    user: str | None = None
    epoch: int = 0

    @classmethod
    def anonymous(cls) -> Session:
        return cls(nonce=secrets.token_urlsafe(18), issued=int(time.time()))

    def signed_in(self, user: str, epoch: int) -> Session:
        """A new session for ``user`` (a new nonce: the old CSRF token stops working)."""
        return replace(Session.anonymous(), user=user, epoch=epoch)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    """Signs and checks session cookies and CSRF tokens with one secret."""

    def __init__(self, secret: str | bytes, *, max_age_s: int) -> None:
        key = secret.encode("utf-8") if isinstance(secret, str) else secret
        self._key = hashlib.sha256(b"newsdesk-session\x00" + key).digest()
        self._csrf_key = hashlib.sha256(b"newsdesk-csrf\x00" + key).digest()
        self.max_age_s = max_age_s

    def _mac(self, payload: bytes) -> str:
        return _b64(hmac.new(self._key, payload, hashlib.sha256).digest())

    def dumps(self, session: Session) -> str:
        """The cookie value for ``session``."""
        data: dict[str, Any] = {"n": session.nonce, "t": session.issued}
        if session.user is not None:
            data["u"] = session.user
            data["e"] = session.epoch
        payload = _b64(json.dumps(data, separators=(",", ":")).encode("utf-8"))
        return f"{payload}.{self._mac(payload.encode())}"

    def loads(self, value: str | None) -> Session | None:
        """The session a cookie holds, or ``None`` when it is missing, forged or expired."""
        if not value or "." not in value:
            return None
        payload, _, mac = value.partition(".")
        # As bytes: compare_digest refuses str with non-ASCII (a client writes the cookie).
        expected = self._mac(payload.encode("utf-8", "surrogateescape")).encode()
        if not hmac.compare_digest(mac.encode("utf-8", "surrogateescape"), expected):
            return None
        try:
            data = json.loads(_unb64(payload))
            session = Session(
                nonce=str(data["n"]),
                issued=int(data["t"]),
                user=str(data["u"]) if "u" in data else None,
                epoch=int(data.get("e", 0)),
            )
        except (ValueError, KeyError, TypeError):
            return None
        if session.issued + self.max_age_s < time.time():
            return None
        return session

    def csrf_token(self, session: Session) -> str:
        """The CSRF token forms and scripts of this session must send back."""
        return _b64(hmac.new(self._csrf_key, session.nonce.encode(), hashlib.sha256).digest())

    def check_csrf(self, session: Session, token: str | None) -> bool:
        if not token:
            return False
        given = str(token).encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self.csrf_token(session).encode())
