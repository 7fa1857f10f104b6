from __future__ import annotations

from typer.testing import CliRunner

from newsdesk.cli.app import app
from newsdesk.store import KeyRole, Store, migrate
from newsdesk.store import keys as key_repository

runner = CliRunner()


def test_db_upgrade_sets_up_an_empty_database(empty_database_url: str) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--database-url", empty_database_url])
    assert result.exit_code == 0, result.output
    assert f"upgraded from an empty database to {migrate.head_revision()}" in result.output
    again = runner.invoke(app, ["db", "current"], env={"NEWSDESK_DATABASE_URL": empty_database_url})
    assert again.exit_code == 0 and "up to date" in again.output
    store = Store(empty_database_url)
    migrate.check_schema(store)
    store.dispose()


def test_db_current_fails_on_an_empty_database(empty_database_url: str) -> None:
    result = runner.invoke(app, ["db", "current", "--database-url", empty_database_url])
    assert result.exit_code == 1
    assert "run: newsdesk db upgrade" in result.output


def test_keys_create_prints_a_working_key_once(database_url: str) -> None:
    result = runner.invoke(
        app, ["keys", "create", "--role", "editor", "--name", "cms", "--database-url", database_url]
    )
    assert result.exit_code == 0, result.output
    key = result.stdout.strip().splitlines()[-1]
    store = Store(database_url)
    with store.read() as conn:
        record = key_repository.verify_key(conn, key)
    store.dispose()
    assert record is not None and record.role is KeyRole.EDITOR and record.name == "cms"
    listed = runner.invoke(app, ["keys", "list", "--database-url", database_url])
    assert "cms\teditor" in listed.output and key not in listed.output
    revoked = runner.invoke(app, ["keys", "revoke", "cms", "--database-url", database_url])
    assert revoked.exit_code == 0
    assert "revoked" in runner.invoke(app, ["keys", "list", "--database-url", database_url]).output


def test_keys_create_refuses_unknown_roles_and_old_schemas(
    database_url: str, empty_database_url: str
) -> None:
    bad_role = runner.invoke(
        app, ["keys", "create", "--role", "owner", "--database-url", database_url]
    )
    assert bad_role.exit_code == 2 and "must be one of reader, editor, admin" in bad_role.output
    old = runner.invoke(
        app, ["keys", "create", "--role", "admin", "--database-url", empty_database_url]
    )
    assert old.exit_code == 1 and "newsdesk db upgrade" in old.output


def test_serve_refuses_an_old_schema_before_listening(empty_database_url: str) -> None:
    result = runner.invoke(
        app, ["serve", "--encoder", "lexical", "--database-url", empty_database_url, "--port", "1"]
    )
    assert result.exit_code == 1
    assert "not set up" in result.output and "run: newsdesk db upgrade" in result.output


def test_serve_refuses_model_and_taxonomy_together(tmp_path: object) -> None:
    result = runner.invoke(app, ["serve", "--model", str(tmp_path), "--taxonomy", "default"])
    assert result.exit_code == 2 and "not both" in result.output
