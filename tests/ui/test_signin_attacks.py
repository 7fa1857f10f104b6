"""The three ways round the sign-in lockout, replayed against two real ``newsdesk serve``
processes sharing one database (and Redis): none may get through.

1. 20 simultaneous wrong passwords, split between the two processes: at most the limit (5)
   are checked. 2. From 127.0.0.1, a different X-Forwarded-For each time: still one address.
3. A locked address adding X-Forwarded-For: still locked, even with the right password.
Neither process is told to trust a proxy, and neither has a session key of its own: a
session cookie made by one must work on the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from newsdesk.store import Store
from newsdesk.store.migrate import upgrade
from service_process import ServiceProcess
from store.fixtures import _empty_tables
from ui.desk_fixtures import (
    PASSWORD,
    csrf_of,
    delete_redis_keys,
    make_users,
    redis_test_prefix,
)

pytestmark = pytest.mark.timeout(300)
LIMIT = 5


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def servers(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[ServiceProcess]]:
    for name in (
        "NEWSDESK_SESSION_SECRET",
        "NEWSDESK_TRUSTED_PROXIES",
        "NEWSDESK_REDIS_URL",
        "NEWSDESK_REDIS_PREFIX",
    ):
        monkeypatch.delenv(name, raising=False)
    env = dict(
        NEWSDESK_ENCODER="lexical",
        NEWSDESK_COOKIE_SECURE="false",
        NEWSDESK_SIGNIN_MAX_FAILURES=str(LIMIT),
        NEWSDESK_MODEL_CHECK_S="0",
        NEWSDESK_MODELS_DIR=str(tmp_path / "models"),
    )
    if request.param == "postgres":
        url = request.getfixturevalue("pg_session_url")
        _empty_tables(url)
    else:
        url = f"sqlite:///{tmp_path / 'desk.db'}"
        upgrade(Store(url))
    if request.param == "redis":
        env["NEWSDESK_REDIS_URL"] = request.getfixturevalue("redis_url")
        env["NEWSDESK_REDIS_PREFIX"] = redis_test_prefix()
    store = Store(url)
    make_users(store)
    store.dispose()
    started = [ServiceProcess(url, tmp_path / f"server{n}.log", env) for n in range(2)]
    try:
        for server in started:
            server.start(timeout=120)
        yield started
    finally:
        for server in started:
            server.stop()
        if request.param == "redis":
            delete_redis_keys(env["NEWSDESK_REDIS_URL"], env["NEWSDESK_REDIS_PREFIX"])


def _form(client: httpx.Client, server: ServiceProcess) -> str:
    """A CSRF token for the client's session cookie, from ``server``'s sign-in page."""
    return csrf_of(client.get(f"{server.url}/desk/signin").text)


def _sign_in(
    client: httpx.Client,
    server: ServiceProcess,
    token: str,
    name: str,
    password: str,
    **headers: str,
) -> int:
    data = {"name": name, "password": password, "csrf_token": token}
    return client.post(f"{server.url}/desk/signin", data=data, headers=headers).status_code


def test_no_way_round_the_sign_in_lockout(servers: list[ServiceProcess]) -> None:
    first, second = servers
    with httpx.Client(timeout=60) as client:
        token = _form(client, first)  # the cookie and token of one process, used on both

        # 1. Simultaneous guesses at one account, half of them at each process.
        def guess(n: int) -> int:
            return _sign_in(client, servers[n % 2], token, "editor", f"guess {n}")

        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(guess, range(20)))
        assert answers.count(401) == LIMIT, answers  # checked: exactly the limit
        assert answers.count(429) == 20 - LIMIT

        # 3. The address is locked now: a forwarded header does not make it another one.
        assert _sign_in(client, second, token, "admin", PASSWORD) == 429
        spoofed = {"X-Forwarded-For": "198.51.100.77"}
        assert _sign_in(client, first, token, "admin", PASSWORD, **spoofed) == 429


def test_spoofed_forwarded_addresses_are_one_address(servers: list[ServiceProcess]) -> None:
    with httpx.Client(timeout=60) as client:
        token = _form(client, servers[0])
        # 2. A new account and a new X-Forwarded-For each time, from 127.0.0.1.
        answers = [
            _sign_in(
                client,
                servers[n % 2],
                token,
                f"user{n}",
                "guess",
                **{"X-Forwarded-For": f"203.0.113.{n}"},
            )
            for n in range(12)
        ]
    assert answers == [401] * LIMIT + [429] * (12 - LIMIT)
