"""The service retrains in the background once editors have made enough corrections."""

from __future__ import annotations

import html
import threading

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsdesk.cli.app import app
from newsdesk.server import DeskSettings, lifecycle_options
from newsdesk.store import Store, registry
from newsdesk.store.articles import add_correction
from newsdesk.store.review import article_seq
from ui.desk_fixtures import Labeled, sign_in


def latest_job(store: Store) -> registry.DeskJob | None:
    with store.read() as conn:
        return registry.latest_job(conn)


def test_corrections_on_the_desk_start_a_background_retrain(
    app_factory,  # type: ignore[no-untyped-def]
    seeded: Store,
    labeled: list[Labeled],
) -> None:
    app = app_factory(retrain_every=6, model_check_s=0.05, retrain_confident_per_section=0)
    with TestClient(app, base_url="https://testserver") as client:
        jobs = app.state.lifecycle.jobs
        started, check = threading.Event(), jobs.retrain_if_due

        def watched() -> int | None:  # what the service's watcher calls every 0.05 s
            job_id = check()
            if job_id is not None:
                started.set()
            return job_id

        jobs.retrain_if_due = watched
        token = sign_in(client, "editor")
        for n, item in enumerate(labeled[:6]):
            with seeded.read() as conn:
                seq = article_seq(conn, item.article.id or "")
            data = {"csrf_token": token, "action": "correct", "section": item.label}
            response = client.post(f"/desk/articles/{seq}/decision", data=data)
            assert response.status_code == 200  # the next article's page (redirect followed)
            if n < 5:  # not due before the sixth, whether the watcher has looked yet or not
                assert app.state.lifecycle.jobs.retrain_if_due() is None
                assert latest_job(seeded) is None
        assert started.wait(timeout=60)  # the watcher, not this test, started the retrain
        job = latest_job(seeded)
        assert job is not None and job.kind == "retrain" and job.created_by == "auto-retrain"
        job = app.state.lifecycle.jobs.wait_for_job(job.id, timeout=120)
        assert job.status == "done", job.error
        assert job.result is not None and job.result["auto"] and not job.result["activated"]
        models = client.get("/desk/models")
        assert job.message in models.text  # the suggestion, where editors see it


def test_the_settings_reach_the_job_runner(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_RETRAIN_EVERY", "7")
    monkeypatch.setenv("NEWSDESK_RETRAIN_ACTIVATE_MARGIN", "0.02")
    options = lifecycle_options(DeskSettings()).retrain
    assert (options.every, options.activate_margin) == (7, 0.02)
    monkeypatch.delenv("NEWSDESK_RETRAIN_ACTIVATE_MARGIN")
    assert lifecycle_options(DeskSettings()).retrain.activate_margin is None  # suggest only


def test_serve_refuses_a_margin_out_of_range_by_name(database_url: str) -> None:
    result = CliRunner().invoke(
        app,
        ["serve", "--database-url", database_url, "--encoder", "lexical",
         "--retrain-activate-margin", "1.5"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "retrain_activate_margin (NEWSDESK_RETRAIN_ACTIVATE_MARGIN)" in result.output
    negative = CliRunner().invoke(
        app, ["serve", "--database-url", database_url, "--retrain-every", "-1"]
    )
    assert negative.exit_code == 2 and "retrain_every (NEWSDESK_RETRAIN_EVERY)" in negative.output


def test_with_retrain_adapt_the_desk_retrain_adapts(
    app_factory,  # type: ignore[no-untyped-def]
    seeded: Store,
    labeled: list[Labeled],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NEWSDESK_RETRAIN_ADAPT", "true")
    assert lifecycle_options(DeskSettings()).retrain.adapt
    monkeypatch.delenv("NEWSDESK_RETRAIN_ADAPT")
    assert not lifecycle_options(DeskSettings()).retrain.adapt  # off by default
    app = app_factory(retrain_adapt=True, retrain_confident_per_section=0)
    with TestClient(app, base_url="https://testserver") as client:
        jobs = app.state.lifecycle.jobs
        job = jobs.wait_for_job(jobs.start_retrain(by="ann"), timeout=120)  # no review yet
        assert job.status == "failed"  # the fixture's articles are too few for 12 sections
        assert job.error is not None and "nothing to propose" in job.error
        with seeded.write() as conn:
            for item in labeled[:20]:
                add_correction(conn, item.article.id or "", [item.label], editor="ann")
        job = jobs.wait_for_job(jobs.start_retrain(by="ann"), timeout=120)
        assert job.status == "done", job.error
        with seeded.read() as conn:
            record = registry.get_model(conn, job.model_version or "")
        assert record is not None and record.metrics is not None
        adaptation = record.metrics["training"]["adaptation"]
        assert not adaptation["adapted"]  # the plain candidate, and why, where editors see it
        assert "too small for 12 sections" in adaptation["kept_head_because"]
        assert job.message is not None
        assert job.message.endswith(f"(not adapted: {adaptation['kept_head_because']})")
        sign_in(client, "editor")
        page = client.get(f"/desk/models/{record.version}")
        assert page.status_code == 200
        assert f"Not adapted: {adaptation['kept_head_because']}." in html.unescape(page.text)
