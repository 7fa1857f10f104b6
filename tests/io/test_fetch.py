from __future__ import annotations

import ipaddress
import socket
import time

import pytest
from fixture_server import FixtureServer, Route

from newsdesk.errors import FetchError
from newsdesk.io.fetch import Fetcher, Validators


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests only ever reach loopback: were a refusal to break, the connection attempt to a
    private or link-local address fails here instead of leaving the machine."""
    connect = socket.socket.connect

    def loopback_connect(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and not ipaddress.ip_address(host).is_loopback:
            raise AssertionError(f"a test tried to connect to {host}")
        connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", loopback_connect)


def fast_fetcher(*servers: FixtureServer, **kwargs: object) -> Fetcher:
    """A fetcher allowed to reach ``servers`` (loopback, so private) and nothing else private."""
    # generous limits: the shared test machine can be slow; timeout tests set their own
    options: dict = {"timeout": 10.0, "total_timeout": 30.0, "backoff": 0.01, "host_delay": 0.0}
    options.update(kwargs, allow_private=[server.origin for server in servers])
    return Fetcher(**options)


def test_fetch_sends_user_agent_and_returns_body() -> None:
    with FixtureServer({"/a": Route("<p>hello</p>")}) as server, fast_fetcher(server) as fetcher:
        result = fetcher.fetch(server.url("/a"))
    assert result.status == 200 and result.text == "<p>hello</p>"
    assert server.hits[0][1]["User-Agent"].startswith("newsdesk/")


def test_server_error_is_retried_then_reported() -> None:
    server = FixtureServer({"/err": Route("boom", status=500)})
    with (
        server,
        fast_fetcher(server, retries=2) as fetcher,
        pytest.raises(FetchError, match="HTTP 500"),
    ):
        fetcher.fetch(server.url("/err"))
    assert len(server.hits) == 3


def test_transient_503_is_retried_until_it_succeeds() -> None:
    server = FixtureServer({"/flaky": Route("ok", fail_times=2)})
    with server, fast_fetcher(server, retries=2) as fetcher:
        assert fetcher.fetch(server.url("/flaky")).text == "ok"
    assert len(server.hits) == 3


def test_not_found_is_not_retried() -> None:
    server = FixtureServer({})
    with server, fast_fetcher(server) as fetcher, pytest.raises(FetchError, match="HTTP 404"):
        fetcher.fetch(server.url("/missing"))
    assert len(server.hits) == 1


def test_slow_server_times_out() -> None:
    server = FixtureServer({"/ok": Route("x"), "/slow": Route("late", delay=10.0)})
    with server, fast_fetcher(server, timeout=0.5, retries=1) as fetcher:
        fetcher.fetch(server.url("/ok"))  # warm up the client
        began = time.monotonic()
        with pytest.raises(FetchError, match=r"timed out.*after 2 attempts"):
            fetcher.fetch(server.url("/slow"))
    assert time.monotonic() - began < 8  # two attempts, each cut long before the answer


def test_redirect_loop_is_stopped() -> None:
    routes = {
        "/loop-a": Route(status=302, headers={"Location": "/loop-b"}),
        "/loop-b": Route(status=302, headers={"Location": "/loop-a"}),
    }
    server = FixtureServer(routes)
    loop = pytest.raises(FetchError, match="redirect loop")
    with server, fast_fetcher(server, max_redirects=4) as fetcher, loop:
        fetcher.fetch(server.url("/loop-a"))
    assert len(server.hits) == 5


def test_redirect_is_followed_to_the_final_url() -> None:
    routes = {"/old": Route(status=301, headers={"Location": "/new"}), "/new": Route("moved")}
    with FixtureServer(routes) as server, fast_fetcher(server) as fetcher:
        result = fetcher.fetch(server.url("/old"))
    assert result.final_url == server.url("/new") and result.text == "moved"


def test_etag_makes_the_second_fetch_conditional() -> None:
    server = FixtureServer({"/feed": Route("<rss/>", etag='"v1"')})
    with server, fast_fetcher(server) as fetcher:
        first = fetcher.fetch(server.url("/feed"))
        second = fetcher.fetch(server.url("/feed"))
    assert not first.not_modified and first.validators.etag == '"v1"'
    assert second.not_modified and second.content == b""
    assert server.hits[1][1]["If-None-Match"] == '"v1"'


def test_last_modified_is_sent_back() -> None:
    stamp = "Thu, 28 Nov 2024 09:30:00 GMT"
    server = FixtureServer({"/p": Route("x", headers={"Last-Modified": stamp})})
    with server, fast_fetcher(server) as fetcher:
        fetcher.fetch(server.url("/p"))
        fetcher.fetch(server.url("/p"))
    assert server.hits[1][1]["If-Modified-Since"] == stamp


def test_validators_are_not_sent_on_to_another_host() -> None:
    stamp = "Thu, 28 Nov 2024 09:30:00 GMT"
    there = FixtureServer({"/feed": Route("<rss/>", etag='"v1"')})
    with there:
        here = FixtureServer(
            {
                "/feed": Route(
                    status=301, headers={"Location": there.url("/feed"), "Last-Modified": stamp}
                ),
                "/same": Route(status=302, headers={"Location": "/feed-2"}),
                "/feed-2": Route("<rss/>"),
            }
        )
        with here, fast_fetcher(here, there) as fetcher:
            fetcher.validators[here.url("/feed")] = Validators('"v1"', stamp)
            fetcher.validators[here.url("/same")] = Validators('"v2"', stamp)
            moved = fetcher.fetch(here.url("/feed"))
            fetcher.fetch(here.url("/same"))
    assert not moved.not_modified and moved.text == "<rss/>"  # not a 304 for the other host's tag
    ((_, sent),) = there.hits
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent
    # a redirect on the same host keeps them: they are that site's own
    assert here.hits[-1][0] == "/feed-2" and here.hits[-1][1]["If-None-Match"] == '"v2"'


def test_one_request_at_a_time_per_host() -> None:
    routes = {f"/p{i}": Route("x", delay=0.1) for i in range(6)}
    with FixtureServer(routes) as server, fast_fetcher(server) as fetcher:
        results = list(fetcher.fetch_many([server.url(p) for p in routes], workers=6))
    assert len(results) == 6 and server.max_concurrent == 1


def test_host_delay_spaces_requests() -> None:
    routes = {"/a": Route("x"), "/b": Route("y")}
    with FixtureServer(routes) as server, fast_fetcher(server, host_delay=0.3) as fetcher:
        began = time.monotonic()
        list(fetcher.fetch_many([server.url("/a"), server.url("/b")], workers=2))
    assert time.monotonic() - began >= 0.3


def test_fetch_many_reports_failures_and_goes_on() -> None:
    routes = {"/ok": Route("fine"), "/bad": Route(status=500)}
    with FixtureServer(routes) as server, fast_fetcher(server, retries=0) as fetcher:
        results = dict(fetcher.fetch_many([server.url("/bad"), server.url("/ok")]))
    assert isinstance(results[server.url("/bad")], FetchError)
    assert results[server.url("/ok")].text == "fine"  # type: ignore[union-attr]


def test_relative_url_is_refused() -> None:
    with fast_fetcher() as fetcher, pytest.raises(FetchError, match="absolute"):
        fetcher.fetch("/just/a/path")


# --- a deadline for the whole fetch -------------------------------------------------------------


def test_headers_trickled_a_byte_at_a_time_are_cut_off_at_the_deadline() -> None:
    # each byte comes well within the per-read timeout; only a total deadline stops this
    server = FixtureServer({"/loris": Route(trickle=0.2)})
    with server, fast_fetcher(server, timeout=2.0, total_timeout=1.5, retries=2) as fetcher:
        began = time.monotonic()
        with pytest.raises(FetchError, match=r"loris: took longer than 1\.5s in total$"):
            fetcher.fetch(server.url("/loris"))
        took = time.monotonic() - began
    assert 1.5 <= took < 5  # cut at the deadline (headers at a byte each 0.2 s take 180 s)
    assert len(server.hits) == 1  # as slow again if retried: not retried


# --- addresses that are not public --------------------------------------------------------------


def test_a_loopback_url_is_refused_unless_allowed() -> None:
    server = FixtureServer({"/a": Route("x")})
    refusal = pytest.raises(FetchError, match="is not a public address")
    with server, fast_fetcher() as fetcher, refusal as refused:
        fetcher.fetch(server.url("/a"))
    assert f"--allow-private {server.origin})" in str(refused.value)
    assert server.hits == []  # refused before connecting


def test_redirect_to_another_loopback_port_is_refused_once() -> None:
    inside = FixtureServer({"/secret": Route("internal")})
    with inside:
        outside = FixtureServer(
            {"/go": Route(status=302, headers={"Location": inside.url("/secret")})}
        )
        refusal = pytest.raises(FetchError, match=f"refused: {inside.origin} is not a public")
        with outside, fast_fetcher(outside, retries=2) as fetcher, refusal:
            fetcher.fetch(outside.url("/go"))
    assert inside.hits == [] and len(outside.hits) == 1


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",  # link-local: cloud metadata
        "http://10.1.2.3:8080/admin",
        "http://192.168.0.1/",
        "http://100.64.0.1/",  # shared address space
        "http://[::1]:9/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
    ],
)
def test_redirect_to_a_private_range_is_refused_without_connecting(location: str) -> None:
    server = FixtureServer({"/go": Route(status=301, headers={"Location": location})})
    refusal = pytest.raises(FetchError, match=r"refused: .* is not a public address")
    with server, fast_fetcher(server, timeout=1.0) as fetcher, refusal:
        fetcher.fetch(server.url("/go"))
    assert len(server.hits) == 1


def test_redirect_to_a_file_url_is_refused_once_not_retried() -> None:
    server = FixtureServer({"/go": Route(status=302, headers={"Location": "file:///etc/passwd"})})
    refusal = pytest.raises(FetchError, match="refused: a redirect to 'file:///etc/passwd'")
    with server, fast_fetcher(server, retries=2) as fetcher, refusal:
        fetcher.fetch(server.url("/go"))
    assert len(server.hits) == 1


def test_an_allowed_network_lets_the_redirect_through() -> None:
    inside = FixtureServer({"/secret": Route("internal")})
    with inside:
        outside = FixtureServer(
            {"/go": Route(status=302, headers={"Location": inside.url("/secret")})}
        )
        options = {"host_delay": 0.0, "allow_private": ["127.0.0.0/8"]}
        with outside, Fetcher(**options) as fetcher:  # type: ignore[arg-type]
            assert fetcher.fetch(outside.url("/go")).text == "internal"


def test_a_name_is_checked_by_the_address_it_resolves_to() -> None:
    server = FixtureServer({"/a": Route("by name")})
    with server, fast_fetcher(server) as fetcher:
        # "localhost" is not on the list, but the loopback address it resolves to is
        assert fetcher.fetch(f"http://localhost:{server.origin.split(':')[1]}/a").text == "by name"
    with fast_fetcher() as fetcher, pytest.raises(FetchError, match=r"localhost:9 \(.*\) is not"):
        fetcher.fetch("http://localhost:9/")
