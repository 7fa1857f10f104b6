"""``newsdesk users``, ``newsdesk retrain`` and ``newsdesk models`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newsdesk.classify.classifier import Classifier
from newsdesk.cli.app import app
from newsdesk.store import Store, registry
from newsdesk.store import users as accounts
from newsdesk.store.articles import add_correction
from ui.desk_fixtures import Labeled

runner = CliRunner()


def test_users_create_list_and_password(database_url: str) -> None:
    made = runner.invoke(
        app,
        ["users", "create", "ليلى", "--role", "editor", "--password-stdin"],
        input="a long password\n",
        env={"NEWSDESK_DATABASE_URL": database_url},
    )
    assert made.exit_code == 0, made.output
    assert "created editor 'ليلى'" in made.output
    with Store(database_url).read() as conn:
        assert accounts.authenticate(conn, "ليلى", "a long password") is not None
    listed = runner.invoke(app, ["users", "list", "--database-url", database_url])
    assert "ليلى\teditor" in listed.output
    changed = runner.invoke(
        app,
        ["users", "password", "ليلى", "--password-stdin", "--database-url", database_url],
        input="another long one\n",
    )
    assert changed.exit_code == 0 and "sessions have ended" in changed.output
    with Store(database_url).read() as conn:
        assert accounts.authenticate(conn, "ليلى", "another long one") is not None


def test_users_create_refuses_a_bad_role_and_a_short_password(database_url: str) -> None:
    role = runner.invoke(
        app, ["users", "create", "x", "--role", "boss", "--database-url", database_url]
    )
    assert role.exit_code == 2 and "--role must be one of reader, editor, admin" in role.output
    short = runner.invoke(
        app,
        ["users", "create", "x", "--password-stdin", "--database-url", database_url],
        input="short\n",
    )
    assert short.exit_code == 1 and "at least 8" in short.output


def test_retrain_without_reviews_says_what_to_do(
    seeded: Store, database_url: str, tmp_path: Path
) -> None:
    result = runner.invoke(
        app,
        ["retrain", "--database-url", database_url, "--encoder", "lexical"],
        env={"NEWSDESK_MODELS_DIR": str(tmp_path / "models")},
    )
    assert result.exit_code == 1
    assert "no reviewed articles yet" in result.output


def test_retrain_reads_the_taxonomy_and_encoder_the_service_reads(
    seeded: Store, database_url: str, tmp_path: Path
) -> None:
    taxonomy = tmp_path / "outlet.yaml"
    taxonomy.write_text(
        "name: outlet\nsections:\n  - {name: sport, description: Matches.}\n"
        "  - {name: business, description: Markets.}\n",
        encoding="utf-8",
    )
    env = {
        "NEWSDESK_MODELS_DIR": str(tmp_path / "models"),
        "NEWSDESK_TAXONOMY": str(taxonomy),
        "NEWSDESK_ENCODER": "lexical",
    }
    result = runner.invoke(app, ["retrain", "--database-url", database_url], env=env)
    assert result.exit_code == 1 and "no reviewed articles yet" in result.output
    with seeded.read() as conn:  # none was active: the one the environment names now is
        active = registry.active_version(conn)
    assert active is not None and active.startswith("zero-shot:outlet@")
    assert active.endswith(":lexical-v1-2048")


def test_retrain_adapt_says_why_it_kept_the_model_or_had_nothing_to_propose(
    seeded: Store, database_url: str, labeled: list[Labeled], tmp_path: Path
) -> None:
    models = tmp_path / "models"
    args = ["retrain", "--adapt", "--database-url", database_url, "--encoder", "lexical"]
    env = {"NEWSDESK_MODELS_DIR": str(models)}
    # a dozen sections need 360 stored articles: the fixture's few are too few to learn from
    too_small = (
        f"an archive of {len(labeled)} articles is too small for 12 sections (self-training "
        "needs 30 a section)"
    )
    nothing = runner.invoke(app, args, env=env)  # no review yet: no candidate to propose
    assert nothing.exit_code == 1
    assert "no reviewed articles yet, and adaptation kept the active model" in nothing.output
    assert too_small in nothing.output
    with seeded.read() as conn:  # nothing to do is no failure: no candidate, failed or not
        assert [m.version for m in registry.list_models(conn) if m.kind == "retrained"] == []
    with seeded.write() as conn:
        for item in labeled[:20]:
            add_correction(conn, item.article.id or "", [item.label], editor="ann")
    result = runner.invoke(app, args, env=env)  # the plain candidate, and why it is plain
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (models / summary["version"] / "model.json").is_file()
    assert summary["adaptation"]["adapted"] is False
    assert summary["adaptation"]["kept_head_because"] == too_small
    assert f"adaptation kept the prototype head: {too_small}" in result.output  # few examples


def test_retrain_then_activate_and_roll_back(
    seeded: Store, database_url: str, labeled: list[Labeled], tmp_path: Path
) -> None:
    with seeded.write() as conn:
        for item in labeled:
            add_correction(conn, item.article.id or "", [item.label], editor="ann")
    models = tmp_path / "models"
    trained = runner.invoke(
        app,
        ["retrain", "--database-url", database_url, "--encoder", "lexical"],
        env={"NEWSDESK_MODELS_DIR": str(models)},
    )
    assert trained.exit_code == 0, trained.output
    summary = json.loads(trained.stdout)
    version = summary["version"]
    assert (models / version / "model.json").is_file()
    assert summary["held_out"] >= 1 and summary["candidate"]["accuracy"] is not None
    listed = runner.invoke(app, ["models", "list", "--database-url", database_url])
    assert version in listed.output
    with seeded.read() as conn:
        base = registry.active_version(conn)
    assert base is not None and base != version  # a candidate is not active by itself

    activated = runner.invoke(app, ["models", "activate", version, "--database-url", database_url])
    assert activated.exit_code == 0, activated.output
    with seeded.read() as conn:
        assert registry.active_version(conn) == version
    back = runner.invoke(app, ["models", "rollback", "--database-url", database_url])
    assert back.exit_code == 0 and f"rolled back to {base}" in back.output
    unknown = runner.invoke(app, ["models", "activate", "nope", "--database-url", database_url])
    assert unknown.exit_code == 1 and "no model 'nope'" in unknown.output


def _saved_models(store: Store, classifier: Classifier, folder: Path, versions: list[str]) -> None:
    with store.write() as conn:
        for version in versions:
            path = classifier.save(folder / version)
            registry.register_model(conn, version, kind="retrained", status="ready", path=str(path))


def test_activate_refuses_a_model_the_service_cannot_load(
    database_url: str, lexical_classifier: Classifier, tmp_path: Path
) -> None:
    store = Store(database_url)
    _saved_models(store, lexical_classifier, tmp_path, ["good"])
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.json").write_text("{}", encoding="utf-8")
    with store.write() as conn:
        registry.register_model(conn, "broken", kind="retrained", status="ready", path=str(broken))
        registry.register_model(
            conn, "gone", kind="retrained", status="ready", path=str(tmp_path / "gone")
        )
    url = ["--database-url", database_url]
    assert runner.invoke(app, ["models", "activate", "good", *url]).exit_code == 0
    for version in ("broken", "gone"):
        refused = runner.invoke(app, ["models", "activate", version, *url])
        assert refused.exit_code == 1, refused.output
        assert f"model {version!r} cannot be loaded from" in refused.output
        assert "it was not activated" in refused.output
        with store.read() as conn:
            assert registry.active_version(conn) == "good"


def test_rollbacks_step_back_through_the_activations(
    database_url: str, lexical_classifier: Classifier, tmp_path: Path
) -> None:
    store = Store(database_url)
    _saved_models(store, lexical_classifier, tmp_path, ["m1", "m2", "m3"])
    url = ["--database-url", database_url]
    for version in ("m1", "m2", "m3"):
        assert runner.invoke(app, ["models", "activate", version, *url]).exit_code == 0
    header, *listed = runner.invoke(app, ["models", "list", *url]).output.splitlines()
    assert header.split("\t") == ["version", "kind", "status", "accuracy", "mark"]
    assert [line.split("\t")[-1] for line in listed] == ["active", "rollback", "ready"]
    for target in ("m2", "m1"):
        back = runner.invoke(app, ["models", "rollback", *url])
        assert back.exit_code == 0 and f"rolled back to {target}" in back.output
    last = runner.invoke(app, ["models", "rollback", *url])
    assert last.exit_code == 1 and "no earlier model" in last.output
    with store.read() as conn:
        assert registry.active_version(conn) == "m1"


def test_models_list_names_its_columns_first(
    database_url: str, lexical_classifier: Classifier, tmp_path: Path
) -> None:
    url = ["--database-url", database_url]
    empty = runner.invoke(app, ["models", "list", *url])
    assert empty.exit_code == 0 and empty.output == "version\tkind\tstatus\taccuracy\tmark\n"
    store = Store(database_url)
    _saved_models(store, lexical_classifier, tmp_path, ["retrained-1", "نموذج-2"])
    listed = runner.invoke(app, ["models", "list", *url]).output.splitlines()
    assert listed == [
        "version\tkind\tstatus\taccuracy\tmark",
        "نموذج-2\tretrained\tready",
        "retrained-1\tretrained\tready",
    ]


def test_serve_refuses_a_bad_desk_setting_by_name(database_url: str) -> None:
    result = runner.invoke(
        app,
        ["serve", "--database-url", database_url, "--encoder", "lexical"],
        env={"NEWSDESK_PUBLIC_MIN_CONFIDENCE": "1.5"},
    )
    assert result.exit_code == 2
    assert "public_min_confidence (NEWSDESK_PUBLIC_MIN_CONFIDENCE)" in result.output


def test_users_disable_ends_sessions_and_sign_in(client, database_url: str) -> None:  # type: ignore[no-untyped-def]
    from ui.desk_fixtures import PASSWORD, sign_in

    sign_in(client, "editor")
    assert client.get("/desk/queue", follow_redirects=False).status_code == 200
    result = runner.invoke(app, ["users", "disable", "editor", "--database-url", database_url])
    assert result.exit_code == 0 and "can no longer sign in" in result.output
    assert client.get("/desk/queue", follow_redirects=False).status_code == 303  # signed out
    with Store(database_url).read() as conn:
        assert accounts.authenticate(conn, "editor", PASSWORD) is None
    listed = runner.invoke(app, ["users", "list", "--database-url", database_url])
    assert "editor\teditor" in listed.output and "disabled" in listed.output
    unknown = runner.invoke(app, ["users", "disable", "nobody", "--database-url", database_url])
    assert unknown.exit_code == 1 and "no user named 'nobody'" in unknown.output
