"""The outside services some tests need, found or started by the tests themselves.

PostgreSQL: ``NEWSDESK_TEST_PG`` when set (a URL; ``{user}`` is tried as ``postgres`` then
``root``), else a server on 127.0.0.1:5432 with a database ``test`` that trusts those users,
else a throwaway cluster made with ``initdb`` and ``pg_ctl`` in a temporary folder, on a free
port (as root, run as the ``postgres`` user: PostgreSQL refuses to run as root).
Redis: ``NEWSDESK_TEST_REDIS`` when set, else a throwaway ``redis-server`` on a free port, else
the server on 127.0.0.1:6379. Chromium (the browser tests) and Ray are checked where used.

When a service cannot be had, the test is skipped with a reason naming what is missing and
the command that installs it; with ``NEWSDESK_REQUIRE_SERVICES=1`` (CI sets it) it fails
instead, so a machine missing a service cannot pass by skipping.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import create_engine, text

__all__ = ["REQUIRE_SERVICES", "missing", "need_ray", "postgres_url", "redis_server_url"]

REQUIRE_SERVICES = "NEWSDESK_REQUIRE_SERVICES"
PG_USERS = ("postgres", "root")
PG_DEFAULT = "postgresql+psycopg://{user}@127.0.0.1:5432/test"


def missing(what: str, install: str) -> NoReturn:
    """Skip the test (fail it under NEWSDESK_REQUIRE_SERVICES=1): ``what`` is missing."""
    reason = f"{what}; install it with: {install}"
    if os.environ.get(REQUIRE_SERVICES, "") not in ("", "0"):
        pytest.fail(f"{reason} ({REQUIRE_SERVICES} is set: no skipping)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)  # a module of Ray tests may ask at import


def need_ray():  # type: ignore[no-untyped-def]
    """The ``ray`` module, or the test skipped (failed under NEWSDESK_REQUIRE_SERVICES)."""
    try:
        import ray
    except ImportError:
        missing("Ray is not installed", "pip install -e '.[scale]'")
    return ray


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> str | None:
    """``None`` when PostgreSQL at ``url`` answers ``SELECT 1``, else why not (one line)."""
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return None
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()


def _running_postgres(template: str) -> tuple[str | None, list[str]]:
    problems = []
    for user in PG_USERS:
        url = template.format(user=user)
        problem = _answers(url)
        if problem is None:
            return url, problems
        problems.append(f"{user}: {problem}")
    return None, problems


def postgres_bindir() -> Path | None:
    """The folder of ``initdb`` and ``pg_ctl``: on the PATH, or Debian's newest version."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(versions[-1]).parent if versions else None


@contextlib.contextmanager
def throwaway_postgres(bindir: Path) -> Iterator[str]:
    """A new cluster in a temporary folder on a free port; its URL (user postgres, db test)."""
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="newsdesk-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            missing(
                "PostgreSQL will not run as root and there is no 'postgres' user to run it as",
                "useradd --system postgres (or apt-get install postgresql, which adds it)",
            )
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, timeout=120)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        settings = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", settings, "-l", str(folder / "log"), "-w", "start")  # fmt: skip
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(
            f"starting a throwaway PostgreSQL in {folder} failed: {exc.cmd[len(as_user)]} said "
            f"{exc.stderr.decode(errors='replace').strip()[-500:]}",
            pytrace=False,
        )
    try:
        admin = create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE test"))
        admin.dispose()
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/test"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL server with a database the tests may use (see the module)."""
    configured = os.environ.get("NEWSDESK_TEST_PG")
    url, problems = _running_postgres(configured or PG_DEFAULT)
    if url is not None:
        yield url
        return
    if configured:
        pytest.fail(f"NEWSDESK_TEST_PG={configured} does not answer: {'; '.join(problems)}")
    bindir = postgres_bindir()
    if bindir is None:
        missing(
            "PostgreSQL server binaries (initdb, pg_ctl) not found and no server answers on "
            "127.0.0.1:5432",
            "apt-get install postgresql",
        )
    with throwaway_postgres(bindir) as started:
        yield started


def _redis_answers(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


@contextlib.contextmanager
def redis_server_url() -> Iterator[str]:
    """The URL of a Redis the tests may use (see the module)."""
    configured = os.environ.get("NEWSDESK_TEST_REDIS")
    if configured:
        if not _redis_answers(configured):
            pytest.fail(f"NEWSDESK_TEST_REDIS={configured} does not answer PING")
        yield configured
        return
    binary = shutil.which("redis-server")
    if binary is None:
        if _redis_answers("redis://127.0.0.1:6379/15"):
            yield "redis://127.0.0.1:6379/15"
            return
        missing(
            "Redis not found (no redis-server binary, nothing on 127.0.0.1:6379)",
            "apt-get install redis-server",
        )
    port = _free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 30
        while not _redis_answers(url):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{binary} on port {port} did not start", pytrace=False)
            time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(30)
