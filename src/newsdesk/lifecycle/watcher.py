"""Following the registry: a serving process checks now and then which model is active.

Another worker, or ``newsdesk models activate``, may activate a model; each serving process
looks every ``interval_s`` seconds and swaps it in (see :meth:`ActiveModel.sync_active`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

__all__ = ["RegistryWatcher"]

log = logging.getLogger(__name__)


class RegistryWatcher:
    """Runs ``check`` on a worker thread every ``interval_s`` seconds (0: never); ``what``
    names the check in the log when one fails."""

    def __init__(
        self, check: Callable[[], None], interval_s: float, what: str = "checking the active model"
    ) -> None:
        self._check = check
        self.interval_s = interval_s
        self.what = what
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.interval_s > 0:
            self._task = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await asyncio.to_thread(self._check)
            except Exception:  # keep watching whatever one check hit
                log.exception("%s failed", self.what)
