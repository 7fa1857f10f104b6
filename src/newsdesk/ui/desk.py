"""The desk's running state: sessions, the model registry in use, and background jobs.

Retraining and comparing run on one background thread (the machine's cores stay free for
filing); their progress is written to ``desk_jobs`` so any page can show it. Activating a
model loads it first, then swaps the service's :class:`ModelSlot`: requests already running
finish on the old model.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool

from newsdesk.errors import NewsdeskError
from newsdesk.service.model_slot import ModelSlot, ServedModel, load_saved
from newsdesk.store import registry, review
from newsdesk.store.engine import Store
from newsdesk.store.errors import StoreError
from newsdesk.ui.passages import PassageCache
from newsdesk.ui.retrain import compare_models, read_corrected, retrain
from newsdesk.ui.sessions import SessionSigner
from newsdesk.ui.settings import DeskSettings
from newsdesk.ui.signin_state import open_signin_state
from newsdesk.ui.templating import build_templates
from newsdesk.ui.throttle import SignInThrottle

__all__ = ["Desk", "JobRunning"]

log = logging.getLogger(__name__)


class JobRunning(NewsdeskError):
    """A retrain or comparison was asked for while another desk job runs."""

    def __init__(self, job: registry.DeskJob) -> None:
        super().__init__(f"a {job.kind} job is running ({job.message}); wait for it to end")
        self.job = job


class Desk:
    """Everything the desk's routes share; built by :func:`newsdesk.ui.mount_desk`."""

    def __init__(self, settings: DeskSettings, store: Store, slot: ModelSlot | None) -> None:
        self.settings = settings
        self.store = store
        self._slot = slot
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
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="newsdesk-desk")
        self._jobs: dict[int, Future[None]] = {}
        self._loaded: OrderedDict[str, ServedModel] = OrderedDict()
        self._load_lock = threading.Lock()
        # Held while the registry's active model and the slot are changed together, so that
        # two switches (an activation, the watcher's sync) cannot leave them disagreeing.
        self._switch_lock = threading.Lock()
        # Held from checking that no job runs to queueing a new one (one job at a time).
        self._job_lock = threading.Lock()
        self._watcher: asyncio.Task[None] | None = None
        self._choices: tuple[float, dict[str, list[str]]] | None = None
        self._unloadable: str | None = None  # the active version the watcher failed to load

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
        if self._slot is None:
            raise RuntimeError("the service has not loaded its model yet")
        return self._slot

    @property
    def served_version(self) -> str:
        """The version of the model served now ('' before the service has loaded one)."""
        return self._slot.current.version if self._slot is not None else ""

    def attach(self, slot: ModelSlot, *, initial_path: Path | None) -> None:
        """Take the service's model slot at start-up and bring it in line with the registry.

        The starting model is registered (kind ``initial``). When editors activated a
        retrained model before a restart, that one is loaded and served. When the active one
        is another starting model (the service was started on a different model or taxonomy),
        the model it was started with now is the active one.
        """
        self._slot = slot
        self.signer  # noqa: B018 (made now, at start-up, rather than by the first visitor)
        first = slot.current
        self._remember(first)
        with self.store.write() as conn:
            registry.ensure_model(
                conn,
                first.version,
                path=str(initial_path) if initial_path else None,
                kind="initial",
            )
            active = registry.active_version(conn)
            record = registry.get_model(conn, active) if active else None
            if record is None or (record.kind == "initial" and record.version != first.version):
                registry.activate_model(conn, first.version, by=None, note="service start")
                active = first.version
            job = registry.latest_job(conn)
            if job is not None and job.running:
                registry.finish_job(conn, job.id, error="interrupted by a restart")
                # the model that job was training will never be ready
                registry.fail_training_models(conn, error="interrupted by a restart")
        if active is None or active == first.version:
            return
        try:
            slot.swap(self.load(active))
            log.info("serving %s, the model activated on the desk", active)
        except (NewsdeskError, OSError) as exc:
            log.error("cannot load the active model %s (%s); serving %s", active, exc, first)
            with self.store.write() as conn:
                registry.activate_model(
                    conn, first.version, by=None, note=f"service start: {active} failed to load"
                )

    def _remember(self, model: ServedModel) -> None:
        with self._load_lock:
            self._loaded[model.version] = model
            self._loaded.move_to_end(model.version)
            while len(self._loaded) > 3:
                self._loaded.popitem(last=False)

    def load(self, version: str) -> ServedModel:
        """The registered model ``version``, loaded (a few are kept in memory)."""
        with self._load_lock:
            if version in self._loaded:
                self._loaded.move_to_end(version)
                return self._loaded[version]
        with self.store.read() as conn:
            record = registry.get_model(conn, version)
        if record is None:
            raise StoreError(f"no model {version!r} in the registry")
        model = load_saved(version, record.path, self.slot.current.classifier.encoder)
        self._remember(model)
        return model

    def activate(self, version: str, *, by: str | None, note: str | None = None) -> ServedModel:
        """Load ``version``, record the activation, and swap it in."""
        model = self.load(version)
        with self._switch_lock:
            with self.store.write() as conn:
                registry.activate_model(conn, version, by=by, note=note)
            self.slot.swap(model)
        log.info("model %s activated by %s", version, by)
        return model

    def rollback(self, *, by: str | None) -> ServedModel:
        """Activate the model that was active before the current one (see ``previous_version``)."""
        with self.store.read() as conn:
            previous = registry.previous_version(conn)
        if previous is None:
            raise StoreError("no earlier model to roll back to")
        return self.activate(previous, by=by, note=registry.ROLLBACK_NOTE)

    def sync_active(self) -> None:
        """Serve the registry's active model if another process activated a different one."""
        with self.store.read() as conn:
            active = registry.active_version(conn)
        if active is None or active == self.slot.current.version:
            return
        try:
            model = self.load(active)  # outside the lock: loading takes a while
        except (NewsdeskError, OSError) as exc:
            if self._unloadable != active:  # once per version, not at every check
                log.error("cannot load the active model %s: %s", active, exc)
                self._unloadable = active
            return
        with self._switch_lock:
            # An activation may have happened while loading: swap only if still the active one.
            with self.store.read() as conn:
                if registry.active_version(conn) != active:
                    return
            self.slot.swap(model)
        log.info("switched to %s, activated elsewhere", active)

    async def start(self) -> None:
        if self.settings.model_check_s > 0:
            self._watcher = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.settings.model_check_s)
            try:
                await run_in_threadpool(self.sync_active)
            except Exception:  # keep watching whatever one check hit
                log.exception("checking the active model failed")

    def filter_choices(self) -> dict[str, list[str]]:
        """Languages and sources for the queue's filters (re-read at most once a minute)."""
        now = time.monotonic()
        if self._choices is None or self._choices[0] < now:
            with self.store.read() as conn:
                self._choices = (now + 60.0, review.filter_choices(conn))
        return self._choices[1]

    # -- background jobs -------------------------------------------------------------------

    def running_job(self) -> registry.DeskJob | None:
        with self.store.read() as conn:
            job = registry.latest_job(conn)
        return job if job is not None and job.running else None

    def start_retrain(self, *, by: str | None) -> int:
        """Queue a retrain from every correction; returns the job id at once.

        :class:`JobRunning` when another job has not ended yet.
        """
        base = self.slot.current
        return self._start("retrain", by, None, self._retrain_job, base, by)

    def start_compare(self, version: str, *, by: str | None) -> int:
        """Queue a comparison of ``version`` with the active model on held-out corrections.

        :class:`JobRunning` when another job has not ended yet.
        """
        return self._start("compare", by, version, self._compare_job, version)

    def _start(self, kind: str, by: str | None, version: str | None, work: Any, *args: Any) -> int:
        with self._job_lock:
            running = self.running_job()
            if running is not None:
                raise JobRunning(running)
            with self.store.write() as conn:
                job_id = registry.create_job(conn, kind, created_by=by, model_version=version)
            self._jobs[job_id] = self._executor.submit(self._run, job_id, work, *args)
        return job_id

    def wait_for_job(self, job_id: int, timeout: float | None = None) -> registry.DeskJob:
        """Block until job ``job_id`` of this process has ended; its final record.

        :class:`TimeoutError` when it is still running after ``timeout`` seconds.
        """
        future = self._jobs.get(job_id)
        if future is None:
            raise StoreError(f"job {job_id} was not started by this service process")
        future.result(timeout)
        with self.store.read() as conn:
            job = registry.get_job(conn, job_id)
        assert job is not None
        return job

    def _progress(self, job_id: int) -> Any:
        def report(share: float, message: str) -> None:
            with self.store.write() as conn:
                registry.update_job(
                    conn, job_id, status="running", progress=min(share, 0.99), message=message
                )

        return report

    def _run(self, job_id: int, work: Any, *args: Any) -> None:
        try:
            self._progress(job_id)(0.01, "starting")
            result, message = work(job_id, *args)
        except Exception as exc:
            log.exception("desk job %d failed", job_id)
            with self.store.write() as conn:
                registry.finish_job(conn, job_id, error=str(exc) or type(exc).__name__)
            return
        with self.store.write() as conn:
            registry.finish_job(conn, job_id, result=result, message=message)

    def _retrain_job(self, job_id: int, base: ServedModel, by: str | None) -> tuple[dict, str]:
        outcome = retrain(
            self.store,
            base,
            self.settings.models_dir,
            by=by,
            progress=self._progress(job_id),
            confident_per_section=self.settings.retrain_confident_per_section,
            confident_min=self.settings.retrain_confident_min,
        )
        with self.store.write() as conn:
            registry.update_job(conn, job_id, model_version=outcome.version)
        return {"version": outcome.version}, f"model {outcome.version} is ready"

    def _compare_job(self, job_id: int, version: str) -> tuple[dict, str]:
        report = self._progress(job_id)
        candidate = self.load(version)
        active = self.slot.current
        report(0.2, "reading held-out corrected articles")
        _, held = read_corrected(self.store, active.classifier.taxonomy.names).split()
        report(0.4, f"classifying {len(held)} held-out articles with both models")
        comparison = compare_models(candidate.classifier, active.classifier, held)
        comparison["active_version"] = active.version
        with self.store.write() as conn:
            registry.update_model(conn, version, comparison=comparison)
        return {"version": version}, f"compared {version} with {active.version}"
