"""Background jobs across a restart, and the watcher that follows the registry."""

from __future__ import annotations

import asyncio

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
    calls: list[int] = []

    async def run() -> tuple[int, bool]:
        loop = asyncio.get_running_loop()
        second = asyncio.Event()

        def check() -> None:  # on the watcher's worker thread
            calls.append(1)
            if len(calls) == 2:
                loop.call_soon_threadsafe(second.set)
            if len(calls) == 1:
                raise RuntimeError("one check fails; the watcher keeps watching")

        watcher = RegistryWatcher(check, 0.01)
        await watcher.start()
        await second.wait()  # a second check came after the one that failed
        await watcher.stop()
        task = watcher._task
        return len(calls), task is not None and task.done()

    seen, stopped = asyncio.run(asyncio.wait_for(run(), 30))
    assert seen >= 2
    assert stopped  # its loop has ended: no check can follow


def test_a_watcher_at_zero_never_checks() -> None:
    async def run() -> int:
        before = len(asyncio.all_tasks())
        watcher = RegistryWatcher(lambda: None, 0)
        await watcher.start()
        started = len(asyncio.all_tasks()) - before
        await watcher.stop()
        return started

    assert asyncio.run(run()) == 0  # nothing was scheduled to check
