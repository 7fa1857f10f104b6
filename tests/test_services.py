"""The test suite's own services: skips name what is missing, CI turns them into failures,
and a throwaway PostgreSQL starts where only the server binaries are installed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from services import REQUIRE_SERVICES, missing, postgres_bindir, throwaway_postgres


def test_a_missing_service_skips_with_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_SERVICES, raising=False)
    with pytest.raises(pytest.skip.Exception, match="Redis not found; install it with: apt-get"):
        missing("Redis not found", "apt-get install redis-server")


def test_ci_turns_a_missing_service_into_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_SERVICES, "1")
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install postgresql.*no skipping"):
        missing("PostgreSQL server binaries not found", "apt-get install postgresql")


@pytest.mark.postgres
def test_a_throwaway_postgres_cluster_starts_and_goes() -> None:
    bindir = postgres_bindir()
    if bindir is None:
        missing(
            "PostgreSQL server binaries (initdb, pg_ctl) not found", "apt-get install postgresql"
        )
    with throwaway_postgres(bindir) as url:
        assert ":5432/" not in url
        engine = create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_database()")).scalar_one() == "test"
        engine.dispose()
    engine = create_engine(url, connect_args={"connect_timeout": 2})
    with pytest.raises(Exception, match="Connection refused"):
        engine.connect()
    engine.dispose()


def test_no_test_skips_a_missing_service_on_its_own() -> None:
    """pytest.importorskip would skip even where NEWSDESK_REQUIRE_SERVICES asks for a failure;
    the checks of tests/services.py (need_ray, ...) honour it."""
    tests = Path(__file__).parent
    offenders = [
        f"{path.relative_to(tests)}:{number}"
        for path in sorted(tests.rglob("test_*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "importorskip(" in line and path != Path(__file__)
    ]
    assert offenders == []
