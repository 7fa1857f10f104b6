"""Retraining in the background every N corrections; activating only a clearly better model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lifecycle.newsroom import articles, correct, file_all, zero_shot
from newsdesk.classify.classifier import Classifier
from newsdesk.lifecycle.active import ActiveModel
from newsdesk.lifecycle.auto_retrain import (
    AUTO_RETRAINER,
    corrections_at_last_retrain,
    judge,
    sign_test,
)
from newsdesk.lifecycle.jobs import JobRunner, RetrainOptions
from newsdesk.lifecycle.retrain import held_out
from newsdesk.lifecycle.slot import ModelSlot, ServedModel
from newsdesk.store import Store, registry


def comparison(
    n: int, new: float | None, old: float | None, fixed: int = 6, broken: int = 0
) -> dict[str, Any]:
    return {
        "n": n, "candidate": {"accuracy": new}, "active": {"accuracy": old},
        "fixed_count": fixed, "broken_count": broken,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("compared", "margin", "activate", "says"),
    [
        (comparison(40, 0.90, 0.80), 0.05, True, "activated"),
        (comparison(40, 0.90, 0.80), None, False, "suggested"),  # default: suggest only
        (comparison(40, 0.82, 0.80), 0.05, False, "by less than 5.0%"),
        (comparison(40, 0.70, 0.80), 0.0, False, "not better"),
        (comparison(40, 0.80, 0.80), 0.0, False, "not better"),  # equal is not better
        (comparison(10, 0.90, 0.50), 0.05, False, "too few held-out"),
        (comparison(0, None, None), 0.0, False, "no held-out"),
        # 10 points on 40 articles, but 6 fixed against 2 broken: chance does that (p = 0.14)
        (comparison(40, 0.90, 0.80, fixed=6, broken=2), 0.05, False, "which chance could do"),
        (comparison(40, 0.90, 0.80, fixed=4, broken=0), 0.05, False, "p = 0.06"),
        (comparison(40, 0.925, 0.80, fixed=5, broken=0), 0.05, True, "activated"),
    ],
)
def test_judge(compared: dict[str, Any], margin: float | None, activate: bool, says: str) -> None:
    verdict = judge("v2", compared, margin, min_held_out=20)
    assert verdict.activate is activate
    assert says in verdict.message


def test_sign_test() -> None:
    assert sign_test(0, 0) == 1.0
    assert sign_test(2, 1) == 0.5  # 2 or 3 heads of 3
    assert sign_test(5, 0) == 1 / 32
    assert sign_test(9, 1) == 11 / 1024
    assert sign_test(1, 9) > 0.99


def desk(
    tmp_path: Path, base: Classifier, count: int, **options: Any
) -> tuple[Store, JobRunner, dict[str, str], list[str]]:
    """A store of ``count`` synthetic articles filed by ``base``, served and active."""
    items, labels = articles(count)
    store = file_all(tmp_path, base, items, "base")
    active = ActiveModel(store)
    active.attach(ModelSlot(ServedModel(base, "base")), initial_path=None)
    settings = {"models_dir": tmp_path / "models", "confident_per_section": 0} | options
    runner = JobRunner(store, active, RetrainOptions(**settings))
    return store, runner, labels, [a.id or "" for a in items]


def finished(runner: JobRunner, job_id: int | None) -> registry.DeskJob:
    assert job_id is not None
    job = runner.wait_for_job(job_id, timeout=300)
    assert job.status == "done", job.error
    return job


def active_version(store: Store) -> str | None:
    with store.read() as conn:
        return registry.active_version(conn)


def test_a_retrain_starts_after_every_n_corrections(tmp_path: Path) -> None:
    store, runner, labels, ids = desk(tmp_path, zero_shot(), 60, every=12)
    correct(store, labels, ids[:11])
    assert runner.retrain_if_due() is None  # eleven: not yet
    correct(store, labels, ids[11:12])
    job = finished(runner, runner.retrain_if_due())
    assert job.kind == "retrain" and job.created_by == AUTO_RETRAINER
    assert job.result is not None and job.result["auto"] and not job.result["activated"]
    assert runner.retrain_if_due() is None  # counted again from this retrain
    correct(store, labels, ids[12:23])
    assert runner.retrain_if_due() is None
    correct(store, labels, ids[23:24])
    second = finished(runner, runner.retrain_if_due())
    assert second.model_version != job.model_version
    with store.read() as conn:
        record = registry.get_model(conn, second.model_version or "")
    assert record is not None and record.training is not None
    assert record.training["corrections"] == 24
    runner.shutdown()
    store.dispose()


def test_switched_off_it_never_starts(tmp_path: Path) -> None:
    store, runner, labels, ids = desk(tmp_path, zero_shot(), 30)  # every: the default, 0
    correct(store, labels, ids)
    assert runner.retrain_if_due() is None
    with store.read() as conn:
        assert registry.latest_job(conn) is None
    runner.shutdown()
    store.dispose()


def gain_of(store: Store, version: str | None) -> float:
    with store.read() as conn:
        record = registry.get_model(conn, version or "")
    assert record is not None and record.comparison is not None and record.comparison["n"] >= 5
    return float(
        record.comparison["candidate"]["accuracy"] - record.comparison["active"]["accuracy"]
    )


def test_a_better_candidate_is_activated_when_a_margin_is_set(tmp_path: Path) -> None:
    base = zero_shot(misleading=True)  # files every article under the wrong section
    store, runner, labels, ids = desk(
        tmp_path, base, 90, every=90, activate_margin=0.05, activate_min_held_out=5
    )
    correct(store, labels, ids)
    job = finished(runner, runner.retrain_if_due())
    assert gain_of(store, job.model_version) >= 0.05  # better by the margin at least
    assert job.result is not None and job.result["activated"]
    assert active_version(store) == job.model_version
    assert runner.active.slot.current.version == job.model_version  # served now
    with store.read() as conn:
        assert registry.activation_history(conn)[0]["activated_by"] == AUTO_RETRAINER
    runner.shutdown()
    store.dispose()


def test_by_default_a_better_candidate_is_only_suggested(tmp_path: Path) -> None:
    store, runner, labels, ids = desk(
        tmp_path, zero_shot(misleading=True), 90, every=90, activate_min_held_out=5
    )
    correct(store, labels, ids)
    job = finished(runner, runner.retrain_if_due())
    assert gain_of(store, job.model_version) > 0
    assert job.result is not None and not job.result["activated"]
    assert "suggested" in job.message
    assert active_version(store) == "base" and runner.active.slot.current.version == "base"
    runner.shutdown()
    store.dispose()


def test_a_worse_candidate_is_never_activated(tmp_path: Path) -> None:
    store, runner, labels, ids = desk(
        tmp_path, zero_shot(), 90, every=90, activate_margin=0.0, activate_min_held_out=5
    )
    # editors file the training part under the wrong sections (the held-out part right):
    # the candidate learns the wrong words for each section
    swap = {"sport": "business", "business": "science", "science": "sport"}
    wrong = {i: (s if held_out(i) else swap[s]) for i, s in labels.items()}
    correct(store, wrong, ids)
    job = finished(runner, runner.retrain_if_due())
    assert gain_of(store, job.model_version) < 0
    assert job.result is not None and not job.result["activated"]
    assert active_version(store) == "base" and runner.active.slot.current.version == "base"
    runner.shutdown()
    store.dispose()


def test_a_retrain_a_restart_interrupted_does_not_count_as_the_last(store: Store) -> None:
    with store.write() as conn:
        registry.register_model(
            conn, "r1", kind="retrained", status="ready", training={"corrections": 10}
        )
        registry.register_model(
            conn, "r2", kind="retrained", status="training", training={"corrections": 20}
        )
        assert corrections_at_last_retrain(conn) == 20  # still running: it counts
        registry.fail_training_models(conn, error="interrupted by a restart")
        assert corrections_at_last_retrain(conn) == 10
