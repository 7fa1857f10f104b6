"""Sign-in throttling: by account and by address, counted before the password is checked, in
state every service process shares (SQLite, PostgreSQL or Redis)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsdesk.server import create_app
from newsdesk.store import Store
from newsdesk.store.migrate import upgrade
from newsdesk.ui.signin_state import DatabaseSignInState, RedisSignInState, SignInState
from newsdesk.ui.throttle import SignInThrottle
from store.fixtures import _empty_tables
from ui.desk_fixtures import (
    PASSWORD,
    csrf_of,
    delete_redis_keys,
    desk_settings,
    redis_test_prefix,
    service_settings,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def signin_state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SignInState]:
    """Empty sign-in state in a new SQLite file, the session's PostgreSQL schema, or Redis."""
    if request.param == "redis":
        url, prefix = request.getfixturevalue("redis_url"), redis_test_prefix()
        state = RedisSignInState(url, prefix=prefix)
        yield state
        state.client.close()
        delete_redis_keys(url, prefix)
        return
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'signin.db'}"
        store = Store(url)
        upgrade(store)
    else:
        url = request.getfixturevalue("pg_session_url")
        _empty_tables(url)
        store = Store(url)
    yield DatabaseSignInState(store)
    store.dispose()


def _throttle(state: SignInState, clock: Clock) -> SignInThrottle:
    return SignInThrottle(state, max_failures=3, window_s=60, lockout_s=300, clock=clock)


def test_an_account_is_locked_after_its_attempts_then_free_again(signin_state) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    throttle = _throttle(signin_state, clock)
    assert [throttle.attempt("سارة", f"10.0.0.{n}") for n in range(3)] == [0, 0, 0]
    assert throttle.attempt(" سارة ", "10.0.0.3") == 300  # the same account, whatever the spaces
    assert throttle.attempt("سارة", "10.0.0.9") == 300  # from any address
    assert throttle.attempt("ann", "10.0.0.9") == 0  # other accounts may go on
    clock.now += 299.5
    assert throttle.attempt("سارة", None) == 1
    clock.now += 1
    assert throttle.attempt("سارة", None) == 0


def test_attempts_outside_the_window_do_not_count_and_case_does_not_matter(signin_state) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    throttle = _throttle(signin_state, clock)
    assert throttle.attempt("Ann", None) == throttle.attempt("ANN", None) == 0
    clock.now += 61
    assert [throttle.attempt(name, None) for name in ("ann", "aNN", "ann")] == [0, 0, 0]
    assert throttle.attempt("Ann", None) == 300


def test_an_address_is_locked_whatever_the_account_and_success_does_not_reset_it(
    signin_state,  # type: ignore[no-untyped-def]
) -> None:
    clock = Clock()
    throttle = _throttle(signin_state, clock)
    assert throttle.attempt("ann", "192.0.2.7") == throttle.attempt("bob", "192.0.2.7") == 0
    assert throttle.attempt("mallory", "192.0.2.7") == 0
    throttle.succeeded("mallory", "192.0.2.7")  # takes back mallory's own attempt only
    assert throttle.attempt("carol", "192.0.2.7") == 0
    assert throttle.attempt("dave", "192.0.2.7") == 300
    assert throttle.attempt("dave", "192.0.2.8") == 0
    for _ in range(3):
        throttle.attempt("erin", None)
    throttle.succeeded("erin", None)
    assert throttle.attempt("erin", None) == 0  # a success cleared the account's count


def test_simultaneous_attempts_are_counted_one_by_one(signin_state) -> None:  # type: ignore[no-untyped-def]
    throttle = _throttle(signin_state, Clock())
    waits: list[int] = []
    start = threading.Barrier(20)

    def attempt() -> None:
        start.wait()
        waits.append(throttle.attempt("editor", "203.0.113.5"))

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(waits) == [0] * 3 + [300] * 17


def test_every_process_finds_the_same_made_session_key(signin_state) -> None:  # type: ignore[no-untyped-def]
    first = signin_state.shared_secret("session")
    assert len(first) >= 40
    assert signin_state.shared_secret("session") == first
    assert signin_state.shared_secret("other") != first


def _attempt(client: TestClient, name: str, password: str, **headers: str) -> int:
    token = csrf_of(client.get("/desk/signin").text)
    response = client.post(
        "/desk/signin",
        data={"name": name, "password": password, "csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )
    return response.status_code


def test_the_desk_refuses_sign_in_after_too_many_failures(app_factory, seeded) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    app = app_factory(signin_max_failures=3)
    with TestClient(app, base_url="https://testserver") as client:
        desk = client.app.state.desk  # type: ignore[attr-defined]
        assert desk.throttle.max_failures == 3  # from the settings
        desk.throttle = SignInThrottle(
            desk.signin_state, max_failures=3, window_s=900, lockout_s=900, clock=clock
        )
        assert [_attempt(client, "editor", "wrong password") for _ in range(3)] == [401] * 3
        token = csrf_of(client.get("/desk/signin").text)
        refused = client.post(
            "/desk/signin",
            data={"name": "editor", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert refused.status_code == 429  # even with the right password
        assert "too many sign-in attempts" in refused.text and "15 minutes" in refused.text
        assert refused.headers["Retry-After"] == "900"
        clock.now += 900
        assert _attempt(client, "editor", PASSWORD) == 303


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [("", [401, 401, 429, 429]), ("10.9.9.9, testclient", [401] * 4)],
)
def test_forwarded_addresses_count_only_from_a_named_proxy(
    trusted: str,
    expected: list[int],
    database_url: str,
    lexical_classifier,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    """TestClient connects as 'testclient'. Unless it is named a proxy, four spoofed
    X-Forwarded-For are one address (locked after 2); named, they are four clients."""
    settings = service_settings(database_url).model_copy(update={"trusted_proxies": trusted})
    app = create_app(
        settings,
        classifier=lexical_classifier,
        desk=desk_settings(tmp_path, signin_max_failures=2),
    )
    with TestClient(app, base_url="https://testserver") as client:
        answers = [
            _attempt(client, f"user{n}", "wrong", **{"X-Forwarded-For": f"198.51.100.{n}"})
            for n in range(4)
        ]
    assert answers == expected


@pytest.mark.redis
def test_redis_state_keeps_to_its_own_prefix(redis_url: str) -> None:
    import redis

    other = redis.Redis.from_url(redis_url)
    foreign = f"someone-else:{redis_test_prefix()}"
    other.set(foreign, "theirs")
    prefix = redis_test_prefix()
    state = RedisSignInState(redis_url, prefix=prefix)
    try:
        _throttle(state, Clock()).attempt("ann", "10.0.0.1")
        state.shared_secret("session")
        assert delete_redis_keys(redis_url, prefix) == 3  # account, address, secret
        assert other.get(foreign) == b"theirs"
    finally:
        other.delete(foreign)
        other.close()
        state.client.close()
