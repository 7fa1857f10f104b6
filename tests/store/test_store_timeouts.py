"""PostgreSQL's statement timeout: the service's store has one, every other command none, and
a statement it cancels is told apart from a database out of reach."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from newsdesk.service import Settings
from newsdesk.store import Store
from newsdesk.store.errors import StoreUnavailableError

pytestmark = pytest.mark.postgres


def statement_timeout(store: Store) -> str:
    try:
        with store.read() as conn:
            return str(conn.execute(text("SHOW statement_timeout")).scalar_one())
    finally:
        store.dispose()


def test_a_plain_store_lets_statements_run_as_long_as_they_need(pg_server: str) -> None:
    assert statement_timeout(Store(pg_server)) == "0"  # db upgrade, retrain, ingest...


def test_the_service_store_has_its_settings_statement_timeout(pg_server: str) -> None:
    settings = Settings(database_url=pg_server, database_statement_timeout_s=2.5)
    assert statement_timeout(settings.open_store()) == "2500ms"


def test_a_cancelled_statement_is_reported_as_a_timeout(pg_server: str) -> None:
    store = Store(pg_server, statement_timeout_s=0.05)
    cancelled = "took longer than the statement timeout"
    with pytest.raises(StoreUnavailableError, match=cancelled) as got, store.read() as conn:
        conn.execute(text("SELECT pg_sleep(2)"))
    store.dispose()
    assert "cannot reach" not in str(got.value)
