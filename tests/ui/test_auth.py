"""Sign-in, sessions, CSRF and roles."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from newsdesk.store import Store
from newsdesk.store import users as user_repository
from newsdesk.store.errors import StoreError
from newsdesk.ui.sessions import Session, SessionSigner
from ui.desk_fixtures import PASSWORD, csrf_of, sign_in, use_cookie


def test_passwords_are_stretched_and_salted() -> None:
    first = user_repository.hash_password("s3cret-pass")
    second = user_repository.hash_password("s3cret-pass")
    assert first != second and first.startswith("scrypt$16384$8$1$")
    assert user_repository.verify_password("s3cret-pass", first)
    assert not user_repository.verify_password("s3cret-pasS", first)
    assert not user_repository.verify_password("s3cret-pass", "garbage")


def test_short_password_and_duplicate_name_are_refused(database_url: str) -> None:
    store = Store(database_url)
    with store.write() as conn, pytest.raises(StoreError, match="at least 8"):
        user_repository.create_user(conn, "ann", "short", user_repository.KeyRole.EDITOR)
    with store.write() as conn, pytest.raises(StoreError, match="exists already"):
        user_repository.create_user(conn, "editor", PASSWORD, user_repository.KeyRole.EDITOR)


def test_wrong_password_is_refused(client: TestClient) -> None:
    page = client.get("/desk/signin")
    response = client.post(
        "/desk/signin",
        data={"name": "editor", "password": "wrong password", "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 401
    assert "wrong name or password" in response.text
    assert client.get("/desk/queue", follow_redirects=False).status_code == 303


def test_signin_without_csrf_is_refused(client: TestClient) -> None:
    client.get("/desk/signin")
    response = client.post("/desk/signin", data={"name": "editor", "password": PASSWORD})
    assert response.status_code == 403
    assert "CSRF" in response.text


def test_signin_rotates_the_session_and_signout_ends_it(client: TestClient) -> None:
    before = csrf_of(client.get("/desk/signin").text)
    token = sign_in(client)
    assert token != before  # a new session nonce: no fixation
    assert client.get("/desk/queue").status_code == 200
    out = client.post("/desk/signout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/desk/queue", follow_redirects=False).status_code == 303


def test_signout_ends_a_copied_session_cookie_too(client: TestClient) -> None:
    token = sign_in(client)
    copied = client.cookies.get("newsdesk_session")
    assert copied
    use_cookie(client, copied)
    assert client.get("/desk/queue", follow_redirects=False).status_code == 200  # it works
    client.post("/desk/signout", data={"csrf_token": token}, follow_redirects=False)
    use_cookie(client, copied)
    assert client.get("/desk/queue", follow_redirects=False).status_code == 303
    sign_in(client)  # signing in again works and gives a session that is valid
    assert client.get("/desk/queue").status_code == 200


def test_tampered_or_foreign_cookie_is_ignored(client: TestClient) -> None:
    sign_in(client)
    forged = SessionSigner("another secret", max_age_s=3600).dumps(
        Session.anonymous().signed_in("admin", 0)
    )
    use_cookie(client, forged)
    assert client.get("/desk/queue", follow_redirects=False).status_code == 303
    # the same session signed with the desk's own secret does get in
    genuine = SessionSigner("test-secret", max_age_s=3600).dumps(
        Session.anonymous().signed_in("admin", 0)
    )
    use_cookie(client, genuine)
    assert client.get("/desk/queue", follow_redirects=False).status_code == 200


def test_password_change_ends_sessions(client: TestClient, database_url: str) -> None:
    sign_in(client)
    with Store(database_url).write() as conn:
        user_repository.set_password(conn, "editor", "a brand new password")
    assert client.get("/desk/queue", follow_redirects=False).status_code == 303


def test_session_signer_expiry_and_csrf_binding() -> None:
    signer = SessionSigner("k", max_age_s=60)
    session = Session.anonymous().signed_in("ann", 2)
    loaded = signer.loads(signer.dumps(session))
    assert loaded == session
    assert signer.check_csrf(session, signer.csrf_token(session))
    assert not signer.check_csrf(Session.anonymous(), signer.csrf_token(session))
    assert not signer.check_csrf(session, None)
    old = Session(nonce="n", issued=0, user="ann")
    assert signer.loads(signer.dumps(old)) is None


def test_open_redirect_after_signin_is_refused(client: TestClient) -> None:
    page = client.get("/desk/signin")
    response = client.post(
        "/desk/signin",
        data={
            "name": "editor",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/desk/queue"


def test_every_state_changing_route_refuses_a_request_without_the_token(
    editor: tuple[TestClient, str], seeded: Store
) -> None:
    import re

    from fastapi.routing import APIRoute

    from newsdesk.ui.mount import ROUTERS

    client, token = editor
    routes = [
        "/desk/articles/1/decision",
        "/desk/models/retrain",
        "/desk/models/rollback",
        "/desk/models/anything/activate",
        "/desk/models/anything/compare",
        "/desk/signout",
    ]
    # every state-changing route the app has (a new one cannot be left out of this test)
    changing = {
        re.sub(r"\{seq\}", "1", re.sub(r"\{version\}", "anything", route.path))
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        and (route.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
        and route.path != "/desk/signin"  # signing in is checked on its own (signed out)
    }
    assert changing == set(routes)
    for path in routes:
        for headers in ({}, {"X-CSRF-Token": token[::-1]}):
            response = client.post(path, data={"action": "confirm"}, headers=headers)
            assert response.status_code == 403, path
    from newsdesk.store import registry
    from newsdesk.store.review import reviewed_count

    with seeded.read() as conn:
        assert reviewed_count(conn) == 0 and registry.latest_job(conn) is None
    assert client.get("/desk/queue", follow_redirects=False).status_code == 200  # still signed in


def test_non_ascii_cookie_or_token_is_refused_not_a_server_error(client: TestClient) -> None:
    signer = SessionSigner("k", max_age_s=60)
    assert signer.loads("e30.sigé") is None
    assert signer.loads("é.sig") is None
    assert not signer.check_csrf(Session.anonymous(), "jeton-é")
    assert not signer.check_csrf(Session.anonymous(), "رمز")
    page = client.get("/desk/signin")
    response = client.post(
        "/desk/signin",
        data={"name": "editor", "password": PASSWORD, "csrf_token": "رمز" + csrf_of(page.text)},
    )
    assert response.status_code == 403
    response = client.get(
        "/desk/signin", headers={"Cookie": "newsdesk_session=abc.d\u00e9f".encode("latin-1")}
    )
    assert response.status_code == 200  # a fresh anonymous session


def test_a_reader_is_refused_every_editor_action(client: TestClient, seeded: Store) -> None:
    from fastapi.routing import APIRoute

    from newsdesk.store import registry
    from newsdesk.store.review import reviewed_count
    from newsdesk.ui.mount import ROUTERS

    token = sign_in(client, "reader")
    changing = [
        route.path.replace("{seq}", "1").replace("{version}", "anything")
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        and (route.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
        and route.path not in ("/desk/signin", "/desk/signout")  # anyone signs in and out
    ]
    assert len(changing) == 5
    for path in changing:
        data = {"csrf_token": token, "action": "correct", "section": "Sports"}
        response = client.post(path, data=data)
        assert response.status_code == 403 and "needs the &#39;editor&#39; role" in response.text, (
            path
        )
    with seeded.read() as conn:
        assert reviewed_count(conn) == 0 and registry.latest_job(conn) is None
