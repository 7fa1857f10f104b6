from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from newsdesk.store import SchemaOutdatedError, Store, StoreError, migrate
from newsdesk.store.engine import normalize_url
from newsdesk.store.tables import metadata


def test_upgrade_creates_the_schema_the_code_uses(empty_database_url: str) -> None:
    store = Store(empty_database_url)
    assert migrate.current_revision(store) is None
    before, after = migrate.upgrade(store)
    assert (before, after) == (None, migrate.head_revision())
    migrate.check_schema(store)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []  # the migrations build exactly the tables of tables.py
    assert migrate.upgrade(store) == (after, after)  # a second upgrade changes nothing
    store.dispose()


def test_downgrade_to_base_and_upgrade_again(empty_database_url: str) -> None:
    store = Store(empty_database_url)
    migrate.upgrade(store)
    migrate.downgrade(store, "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(store)
    assert {"articles", "corrections", "api_keys"} <= set(inspect(store.engine).get_table_names())
    store.dispose()


def test_an_empty_database_is_refused_with_the_command_to_run(empty_database_url: str) -> None:
    store = Store(empty_database_url)
    with pytest.raises(SchemaOutdatedError, match=r"not set up .*run: newsdesk db upgrade"):
        migrate.check_schema(store)
    store.dispose()


def test_an_old_schema_is_refused_with_the_command_to_run(database_url: str) -> None:
    store = Store(database_url)
    with store.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaOutdatedError, match=r"does not know .*set up by a newer newsdesk"):
        migrate.check_schema(store)
    store.dispose()


def test_sqlite_files_use_wal(tmp_path: object) -> None:
    store = Store(f"sqlite:///{tmp_path}/wal.db")
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.dispose()


def test_database_urls_pick_psycopg_and_refuse_other_databases() -> None:
    assert normalize_url("postgresql://u@h:5432/db").startswith("postgresql+psycopg://")
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    with pytest.raises(StoreError, match="unsupported database 'mysql'"):
        normalize_url("mysql://u@h/db")
    with pytest.raises(StoreError, match="cannot read database URL"):
        normalize_url("not a url")
