"""Retraining and comparing in the background, one job at a time.

Jobs run on one background thread (the machine's cores stay free for filing); their progress
is written to ``desk_jobs`` so any page, in any service process, can show it. With
``RetrainOptions.every`` set, :meth:`JobRunner.retrain_if_due` starts a retrain once that many
corrections have come since the last one (:mod:`newsdesk.lifecycle.auto_retrain`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsdesk.defaults import (
    DEFAULT_MODELS_DIR,
    RETRAIN_ACTIVATE_MARGIN,
    RETRAIN_ACTIVATE_MIN_HELD_OUT,
    RETRAIN_CONFIDENT_MIN,
    RETRAIN_CONFIDENT_PER_SECTION,
    RETRAIN_EVERY,
)
from newsdesk.errors import NewsdeskError
from newsdesk.lifecycle.active import ActiveModel
from newsdesk.lifecycle.auto_retrain import AUTO_RETRAINER, corrections_at_last_retrain, judge
from newsdesk.lifecycle.retrain import (
    Progress,
    RetrainResult,
    compare_models,
    read_corrected,
    retrain,
)
from newsdesk.lifecycle.slot import ServedModel
from newsdesk.lifecycle.warm_start import cached_encoder, with_encoder
from newsdesk.store import registry
from newsdesk.store.engine import Store
from newsdesk.store.errors import StoreError
from newsdesk.store.learning import corrections_made

__all__ = ["JobRunner", "JobRunning", "RetrainOptions"]

log = logging.getLogger(__name__)


class JobRunning(NewsdeskError):
    """A retrain or comparison was asked for while another job runs."""

    def __init__(self, job: registry.DeskJob) -> None:
        super().__init__(f"a {job.kind} job is running ({job.message}); wait for it to end")
        self.job = job


@dataclass(frozen=True)
class RetrainOptions:
    """Where retrained models go and which confident calls join their data (see retrain);
    ``every``: retrain in the background after that many new corrections (0: never), and
    activate the candidate when better by ``activate_margin`` (None: suggest it only) on at
    least ``activate_min_held_out`` held-out articles (see :mod:`.auto_retrain`); ``adapt``:
    every retrain then self-trains on the stored articles (see :mod:`.store_adapt`)."""

    models_dir: Path = DEFAULT_MODELS_DIR
    confident_per_section: int = RETRAIN_CONFIDENT_PER_SECTION
    confident_min: float = RETRAIN_CONFIDENT_MIN
    every: int = RETRAIN_EVERY
    activate_margin: float | None = RETRAIN_ACTIVATE_MARGIN
    activate_min_held_out: int = RETRAIN_ACTIVATE_MIN_HELD_OUT
    adapt: bool = False


def _adaptation_note(outcome: RetrainResult) -> str:
    """What ``retrain --adapt`` did, for the job's message ("" for a plain retrain)."""
    brief = outcome.metrics.get("training", {}).get("adaptation")
    if not brief:
        return ""
    if brief["adapted"]:
        return f" (adapted to {brief['articles']} stored articles)"
    return f" (not adapted: {brief['kept_head_because']})"


class JobRunner:
    """Queues retrains and comparisons against the served model; records their progress."""

    def __init__(self, store: Store, active: ActiveModel, options: RetrainOptions) -> None:
        self.store = store
        self.active = active
        self.options = options
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="newsdesk-desk")
        self._jobs: dict[int, Future[None]] = {}
        # Held from checking that no job runs to queueing a new one (one job at a time).
        self._job_lock = threading.Lock()
        self._auto_mark = 0  # corrections counted when this process last started a retrain

    def end_interrupted(self) -> None:
        """Mark a job a restart interrupted as failed, and the model it was training."""
        with self.store.write() as conn:
            job = registry.latest_job(conn)
            if job is not None and job.running:
                registry.finish_job(conn, job.id, error="interrupted by a restart")
                # the model that job was training will never be ready
                registry.fail_training_models(conn, error="interrupted by a restart")

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def running_job(self) -> registry.DeskJob | None:
        with self.store.read() as conn:
            job = registry.latest_job(conn)
        return job if job is not None and job.running else None

    def start_retrain(self, *, by: str | None) -> int:
        """Queue a retrain from every correction; returns the job id at once.

        :class:`JobRunning` when another job has not ended yet.
        """
        base = self.active.slot.current
        return self._start("retrain", by, None, self._retrain_job, base, by)

    def retrain_if_due(self) -> int | None:
        """Start a background retrain when ``options.every`` corrections have come since the
        last retrain; its job id, or None (not due, switched off, or another job runs)."""
        every = self.options.every
        if every <= 0:
            return None
        with self.store.read() as conn:
            made = corrections_made(conn)
            last = max(corrections_at_last_retrain(conn), self._auto_mark)
        if made - last < every:
            return None
        base = self.active.slot.current
        try:
            job_id = self._start(
                "retrain", AUTO_RETRAINER, None, self._retrain_job, base, AUTO_RETRAINER, True
            )
        except JobRunning:
            return None  # due still: the next check starts it once that job has ended
        self._auto_mark = made
        log.info("%d corrections since the last retrain: retraining (job %d)", made - last, job_id)
        return job_id

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

    def _progress(self, job_id: int) -> Progress:
        def report(share: float, message: str) -> None:
            with self.store.write() as conn:
                registry.update_job(
                    conn, job_id, status="running", progress=min(share, 0.99), message=message
                )

        return report

    def _run(self, job_id: int, work: Callable[..., tuple[dict, str]], *args: Any) -> None:
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

    def _retrain_job(
        self, job_id: int, base: ServedModel, by: str | None, auto: bool = False
    ) -> tuple[dict, str]:
        outcome = retrain(
            self.store,
            base,
            self.options.models_dir,
            by=by,
            progress=self._progress(job_id),
            confident_per_section=self.options.confident_per_section,
            confident_min=self.options.confident_min,
            adapt=self.options.adapt,
        )
        with self.store.write() as conn:
            registry.update_job(conn, job_id, model_version=outcome.version)
        adapted = _adaptation_note(outcome)
        if auto:
            result, message = self._decide(outcome, base)
            return result, message + adapted
        return {"version": outcome.version}, f"model {outcome.version} is ready{adapted}"

    def _decide(self, outcome: RetrainResult, base: ServedModel) -> tuple[dict, str]:
        """Activate a background retrain's candidate when :func:`judge` says so and the model
        it was compared with is still the active one."""
        options = self.options
        verdict = judge(
            outcome.version, outcome.comparison, options.activate_margin,
            options.activate_min_held_out,
        )  # fmt: skip
        activated = False
        message = verdict.message
        if verdict.activate:
            note = f"retrained in the background; better by {verdict.gain:.1%} held out"
            activated = (
                self.active.activate_if(
                    outcome.version, expected=base.version, by=AUTO_RETRAINER, note=note
                )
                is not None
            )
            if not activated:
                message = f"{message.rsplit(';', 1)[0]}; another model was activated meanwhile"
        result = {"version": outcome.version, "auto": True, "activated": activated}
        return result | {"gain": verdict.gain}, message

    def _compare_job(self, job_id: int, version: str) -> tuple[dict, str]:
        report = self._progress(job_id)
        candidate = self.active.load(version)
        active = self.active.slot.current
        report(0.2, "reading held-out corrected articles")
        _, held = read_corrected(self.store, active.classifier.taxonomy.names).split()
        report(0.4, f"classifying {len(held)} held-out articles with both models")
        folder = self.options.models_dir
        candidate_cached, active_cached = (
            with_encoder(model, cached_encoder(model.encoder, folder))
            for model in (candidate.classifier, active.classifier)
        )
        comparison = compare_models(candidate_cached, active_cached, held)
        comparison["active_version"] = active.version
        with self.store.write() as conn:
            registry.update_model(conn, version, comparison=comparison)
        return {"version": version}, f"compared {version} with {active.version}"
