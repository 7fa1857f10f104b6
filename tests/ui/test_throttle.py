"""Sign-in throttling: by account and by address, in one process."""

from __future__ import annotations

from fastapi.testclient import TestClient

from newsdesk.ui.throttle import SignInThrottle
from ui.desk_fixtures import PASSWORD, csrf_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _throttle(clock: Clock) -> SignInThrottle:
    return SignInThrottle(max_failures=3, window_s=60, lockout_s=300, clock=clock)


def test_an_account_is_locked_after_failures_in_the_window_then_free_again() -> None:
    clock = Clock()
    throttle = _throttle(clock)
    for n in range(2):
        throttle.failed("سارة", f"10.0.0.{n}")
    assert throttle.wait_s("سارة", "10.0.0.9") == 0
    throttle.failed(" سارة ", "10.0.0.2")  # the same account, whatever the spaces
    assert throttle.wait_s("سارة", "10.0.0.9") == 300  # from any address
    assert throttle.wait_s("ann", "10.0.0.9") == 0  # other accounts may go on
    clock.now += 299.5
    assert throttle.wait_s("سارة", None) == 1
    clock.now += 1
    assert throttle.wait_s("سارة", None) == 0


def test_failures_outside_the_window_do_not_count_and_case_does_not_matter() -> None:
    clock = Clock()
    throttle = _throttle(clock)
    throttle.failed("Ann", None)
    throttle.failed("ANN", None)
    clock.now += 61
    throttle.failed("ann", None)
    assert throttle.wait_s("ann", None) == 0
    throttle.failed("aNN", None)
    throttle.failed("ann", None)
    assert throttle.wait_s("Ann", None) == 300


def test_an_address_is_locked_whatever_the_account_and_success_does_not_reset_it() -> None:
    clock = Clock()
    throttle = _throttle(clock)
    throttle.failed("ann", "192.0.2.7")
    throttle.failed("bob", "192.0.2.7")
    throttle.succeeded("mallory")  # signing in to one's own account clears that account only
    throttle.failed("carol", "192.0.2.7")
    assert throttle.wait_s("dave", "192.0.2.7") == 300
    assert throttle.wait_s("dave", "192.0.2.8") == 0
    throttle.failed("erin", None)
    throttle.failed("erin", None)
    throttle.succeeded("erin")
    throttle.failed("erin", None)
    assert throttle.wait_s("erin", None) == 0  # a success cleared the account's count


def _attempt(client: TestClient, name: str, password: str) -> int:
    token = csrf_of(client.get("/desk/signin").text)
    response = client.post(
        "/desk/signin",
        data={"name": name, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return response.status_code


def test_the_desk_refuses_sign_in_after_too_many_failures(app_factory, seeded) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    app = app_factory(signin_max_failures=3)
    with TestClient(app, base_url="https://testserver") as client:
        desk = client.app.state.desk  # type: ignore[attr-defined]
        assert desk.throttle.max_failures == 3  # from the settings
        desk.throttle = SignInThrottle(max_failures=3, window_s=900, lockout_s=900, clock=clock)
        assert [_attempt(client, "editor", "wrong password") for _ in range(3)] == [401] * 3
        token = csrf_of(client.get("/desk/signin").text)
        refused = client.post(
            "/desk/signin",
            data={"name": "editor", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert refused.status_code == 429  # even with the right password
        assert "too many failed sign-ins" in refused.text and "15 minutes" in refused.text
        assert refused.headers["Retry-After"] == "900"
        clock.now += 900
        assert _attempt(client, "editor", PASSWORD) == 303
