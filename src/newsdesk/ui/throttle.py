"""Throttling sign-in: too many attempts for an account or from an address wait a while.

After ``max_failures`` attempts within ``window_s`` seconds for one account name (any case)
or from one client address, the next attempt locks that key for ``lockout_s`` seconds, and
every attempt until then is refused whatever the password, so guessing passwords costs
hours instead of seconds. An attempt is counted *before* its password is checked, atomically
across all service processes, so simultaneous guesses cannot all slip under the limit. A
successful sign-in clears the account's count and takes back its own attempt from the
address's (signing in to one's own account between guesses must not reset the address).

The counts live where every service process sees them: the database (:mod:`SignInState
<newsdesk.ui.signin_state>`), or Redis when ``NEWSDESK_REDIS_URL`` is set.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from newsdesk.store.signin import LockoutRules
from newsdesk.ui.signin_state import SignInState

__all__ = ["SignInThrottle"]

# The longest account name a key keeps (longer names are cut: they still count together).
_NAME_CHARS = 255


class SignInThrottle:
    """Counts sign-in attempts by account and by address in a shared :class:`SignInState`."""

    def __init__(
        self,
        state: SignInState,
        *,
        max_failures: int,
        window_s: float,
        lockout_s: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.state = state
        self.rules = LockoutRules(max_failures, window_s, lockout_s)
        self._clock = clock

    @property
    def max_failures(self) -> int:
        return self.rules.max_attempts

    @staticmethod
    def _account(name: str) -> str:
        return f"user:{name.strip().casefold()[:_NAME_CHARS]}"

    @staticmethod
    def _address(address: str) -> str:
        return f"addr:{address}"

    def attempt(self, name: str, address: str | None) -> int:
        """Count an attempt; the seconds to wait before trying again (0: check the password)."""
        keys = [self._account(name)] + ([self._address(address)] if address else [])
        wait = self.state.count_attempt(keys, self._clock(), self.rules)
        return math.ceil(wait) if wait > 0 else 0

    def succeeded(self, name: str, address: str | None) -> None:
        """The attempt signed in: clear the account's count, uncount it from the address."""
        self.state.forget_attempts(self._account(name))
        if address:
            self.state.take_back_attempt(self._address(address))
