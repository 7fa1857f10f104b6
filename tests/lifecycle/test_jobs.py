"""Background jobs across a restart, and the watcher that follows the registry."""

from __future__ import annotations

import asyncio
import threading

from newsdesk.lifecycle.active import ActiveModel
from newsdesk.lifecycle.jobs import JobRunner, RetrainOptions
from newsdesk.lifecycle.watcher import RegistryWatcher
from newsdesk.store import Store, registry


def test_a_restart_ends_the_job_it_interrupted(store: Store) -> None:
    with store.write() as conn:
        job_id = registry.create_job(conn, "retrain", created_by="ann")
        registry.update_job(conn, job_id, status="running", progress=0.3, message="training")
    runner = JobRunner(store, ActiveModel(store), RetrainOptions())
    assert runner.running_job() is not None
    runner.end_interrupted()
    assert runner.running_job() is None
    with store.read() as conn:
        job = registry.get_job(conn, job_id)
    assert job is not None and job.error == "interrupted by a restart"
    runner.shutdown()


def test_the_watcher_checks_until_stopped() -> None:
    checked = threading.Event()
    calls: list[int] = []

    def check() -> None:
        calls.append(1)
        checked.set()
        if len(calls) == 1:
            raise RuntimeError("one check fails; the watcher keeps watching")

    async def run() -> int:
        watcher = RegistryWatcher(check, 0.01)
        await watcher.start()
        while len(calls) < 2:
            await asyncio.sleep(0.01)
        await watcher.stop()
        seen = len(calls)
        await asyncio.sleep(0.05)
        return len(calls) - seen

    assert asyncio.run(asyncio.wait_for(run(), 30)) == 0
    assert checked.is_set()


def test_a_watcher_at_zero_never_checks() -> None:
    calls: list[int] = []

    async def run() -> None:
        watcher = RegistryWatcher(lambda: calls.append(1), 0)
        await watcher.start()
        await asyncio.sleep(0.05)
        await watcher.stop()

    asyncio.run(run())
    assert calls == []
