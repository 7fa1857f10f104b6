"""Throttling sign-in: too many failed attempts for an account or from an address wait a while.

After ``max_failures`` failed sign-ins within ``window_s`` seconds for one account name (any
case) or from one client address, further attempts for it are refused for ``lockout_s``
seconds, whatever the password, so guessing passwords costs hours instead of seconds. A
successful sign-in clears the account's count (not the address's: signing in to one's own
account between guesses must not reset them).

The counts live in the memory of one service process: each worker process counts on its own,
and a restart forgets them (see docs/review-desk.md, Security).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["SignInThrottle"]


class SignInThrottle:
    """Counts failed sign-ins by account and by address, in this process."""

    def __init__(
        self,
        *,
        max_failures: int,
        window_s: float,
        lockout_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}
        self._locked_until: dict[str, float] = {}

    @staticmethod
    def _keys(name: str, address: str | None) -> list[str]:
        keys = [f"user:{name.strip().casefold()}"]
        if address:
            keys.append(f"addr:{address}")
        return keys

    def wait_s(self, name: str, address: str | None) -> int:
        """Seconds until this account and address may try again (0: they may now)."""
        now = self._clock()
        with self._lock:
            until = max(self._locked_until.get(k, 0.0) for k in self._keys(name, address))
        return math.ceil(until - now) if until > now else 0

    def failed(self, name: str, address: str | None) -> None:
        """Count a failed sign-in; a key reaching the limit is locked out."""
        now = self._clock()
        with self._lock:
            self._forget_old(now)
            for key in self._keys(name, address):
                times = self._failures.setdefault(key, deque())
                times.append(now)
                if len(times) >= self.max_failures:
                    self._locked_until[key] = now + self.lockout_s
                    times.clear()

    def succeeded(self, name: str) -> None:
        key = self._keys(name, None)[0]
        with self._lock:
            self._failures.pop(key, None)
            self._locked_until.pop(key, None)

    def _forget_old(self, now: float) -> None:
        """Drop failures older than the window and ended lockouts (memory stays bounded)."""
        for key in list(self._failures):
            times = self._failures[key]
            while times and times[0] <= now - self.window_s:
                times.popleft()
            if not times:
                del self._failures[key]
        for key in [k for k, until in self._locked_until.items() if until <= now]:
            del self._locked_until[key]
