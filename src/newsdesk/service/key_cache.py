"""The checked API keys a running service trusts without asking the database again.

Apart from :mod:`newsdesk.service.auth` so that the app's state can hold one without importing
the dependencies that read the state.
"""

from __future__ import annotations

import threading
import time

from newsdesk.store.records import ApiKey

__all__ = ["KeyCache"]


class KeyCache:
    """Checked keys, each trusted until its expiry time."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[ApiKey, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> ApiKey | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, key: str, record: ApiKey) -> None:
        if self.ttl_s > 0:
            with self._lock:
                self._entries[key] = (record, time.monotonic() + self.ttl_s)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
