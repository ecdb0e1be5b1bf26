import gzip

import httpx
import pytest

from services.crawler.errors import FetchError, Retryable

from .fakes import make_fetcher, respond

HTML = {"content-type": "text/html; charset=utf-8"}


def site(routes, seen=None):
    """A MockTransport handler answering from {url: (status, headers, body)}; records the requests."""

    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        status, headers, body = routes.get(str(request.url), (404, {}, b""))
        return respond(status, headers, body)

    return handle


def test_page_with_identity_headers_and_validators():
    seen: list[httpx.Request] = []
    routes = {
        "https://news.example/a": (
            200,
            {**HTML, "etag": '"v1"', "last-modified": "Fri, 11 Apr 2025"},
            b"<p>x</p>",
        )
    }
    response = make_fetcher(site(routes, seen)).get("https://news.example/a", kind="page")
    assert (response.status, response.body, response.etag) == (200, b"<p>x</p>", '"v1"')
    assert response.final_url == response.url == "https://news.example/a"
    agent = seen[0].headers["user-agent"]
    assert agent.startswith("FM6SS-Watch/") and "https://fm6ss.test/bot" in agent


def test_conditional_get_and_304():
    seen: list[httpx.Request] = []
    routes = {"https://news.example/a": (304, {"etag": '"v1"'}, b"")}
    response = make_fetcher(site(routes, seen)).get(
        "https://news.example/a", kind="page", etag='"v1"', last_modified="Fri, 11 Apr 2025 10:00:00 GMT"
    )
    assert response.status == 304 and response.body is None
    assert seen[0].headers["if-none-match"] == '"v1"'
    assert seen[0].headers["if-modified-since"] == "Fri, 11 Apr 2025 10:00:00 GMT"


def test_redirects_are_followed_and_capped():
    routes = {f"https://news.example/{i}": (301, {"location": f"/{i + 1}"}, b"") for i in range(10)}
    routes["https://news.example/3"] = (200, HTML, b"ok")
    response = make_fetcher(site(routes)).get("https://news.example/0", kind="page")
    assert response.final_url == "https://news.example/3" and response.url == "https://news.example/0"
    with pytest.raises(FetchError) as caught:
        make_fetcher(site(routes), max_redirects=2).get("https://news.example/0", kind="page")
    assert caught.value.reason == "too_many_redirects"


def test_redirect_loop():
    routes = {
        "https://news.example/a": (302, {"location": "https://news.example/b"}, b""),
        "https://news.example/b": (307, {"location": "/a"}, b""),
    }
    with pytest.raises(FetchError) as caught:
        make_fetcher(site(routes)).get("https://news.example/a", kind="page")
    assert caught.value.reason == "redirect_loop"


def test_a_redirect_to_something_that_is_not_a_url_is_refused_with_its_reason():
    routes = {"https://news.example/a": (302, {"location": "http://[::1/x"}, b"")}
    with pytest.raises(FetchError) as caught:
        make_fetcher(site(routes)).get("https://news.example/a", kind="page")
    assert caught.value.reason == "bad_redirect" and "location" in str(caught.value)


@pytest.mark.parametrize("location", ["javascript:alert(1)", "data:text/html,x", "mailto:a@news.example"])
def test_a_redirect_to_a_url_without_a_host_is_refused_as_a_bad_redirect(location):
    # httpx reads the Location of every 3xx, even unfollowed; these fail there, not on the page's own URL
    seen: list[httpx.Request] = []
    routes = {"https://news.example/a": (302, {"location": location}, b"")}
    with pytest.raises(FetchError) as caught:
        make_fetcher(site(routes, seen)).get("https://news.example/a", kind="page")
    assert caught.value.reason == "bad_redirect" and "Location not followed" in str(caught.value)
    assert [str(r.url) for r in seen] == ["https://news.example/a"]


def test_credentials_never_follow_a_redirect_to_another_host():
    seen: list[httpx.Request] = []
    routes = {
        "https://news.example/a": (302, {"location": "/b", "set-cookie": "sid=1; Path=/"}, b""),
        "https://news.example/b": (302, {"location": "https://other.example/c"}, b""),
        "https://other.example/c": (200, HTML, b"ok"),
    }
    secret = {"Authorization": "Bearer s3cret", "Cookie": "session=abc"}
    make_fetcher(site(routes, seen)).get("https://news.example/a", kind="page", headers=secret)
    _, same_host, other_host = seen
    assert same_host.headers["authorization"] == "Bearer s3cret"
    assert "sid=1" not in same_host.headers.get("cookie", "")  # no cookie jar
    assert "authorization" not in other_host.headers and "cookie" not in other_host.headers


def test_userinfo_is_dropped_on_a_cross_host_redirect():
    seen: list[httpx.Request] = []
    routes = {
        "https://news.example/a": (302, {"location": "https://user:pw@other.example/c"}, b""),
        "https://other.example/c": (200, HTML, b"ok"),
    }
    make_fetcher(site(routes, seen)).get("https://news.example/a", kind="page")
    assert "authorization" not in seen[1].headers and "user" not in str(seen[1].url)


def test_the_guard_checks_every_hop():
    seen: list[httpx.Request] = []
    routes = {"https://news.example/a": (302, {"location": "http://169.254.169.254/latest/meta-data/"}, b"")}
    with pytest.raises(FetchError) as caught:
        make_fetcher(site(routes, seen)).get("https://news.example/a", kind="page")
    assert caught.value.reason == "ssrf_blocked"
    assert [str(r.url) for r in seen] == ["https://news.example/a"]
    with pytest.raises(FetchError):
        make_fetcher(site(routes)).get("http://localhost:8000/", kind="page")
    local = {"http://localhost:8000/": (200, HTML, b"fixture")}
    assert make_fetcher(site(local), allow_hosts="localhost").get("http://localhost:8000/", kind="page").body


def test_on_redirect_vets_new_hops_only():
    vetted: list[str] = []
    routes = {
        "https://news.example/a": (301, {"location": "https://other.example/b"}, b""),
        "https://other.example/b": (200, HTML, b"ok"),
    }
    make_fetcher(site(routes)).get("https://news.example/a", kind="page", on_redirect=vetted.append)
    assert vetted == ["https://other.example/b"]


def test_size_cap_counts_decoded_bytes():
    bomb = gzip.compress(b"<p>" + b"a" * (4 * 1024 * 1024))
    routes = {"https://news.example/a": (200, {**HTML, "content-encoding": "gzip"}, bomb)}
    assert len(bomb) < 64 * 1024
    with pytest.raises(FetchError) as caught:
        make_fetcher(site(routes), max_page_bytes=1024 * 1024).get("https://news.example/a", kind="page")
    assert caught.value.reason == "too_large"
    fine = make_fetcher(site(routes), max_page_bytes=8 * 1024 * 1024).get(
        "https://news.example/a", kind="page"
    )
    assert fine.body is not None and len(fine.body) == 3 + 4 * 1024 * 1024


@pytest.mark.parametrize("content_type", ["application/pdf", "image/jpeg", "application/json"])
def test_pages_must_be_html(content_type):
    routes = {"https://news.example/a": (200, {"content-type": content_type}, b"%PDF")}
    with pytest.raises(FetchError) as caught:
        make_fetcher(site(routes)).get("https://news.example/a", kind="page")
    assert caught.value.reason == "not_html"


def test_feeds_accept_xml_and_gzip_but_not_images():
    for content_type in ("application/rss+xml", "text/xml; charset=utf-8", "application/x-gzip"):
        routes = {"https://news.example/f": (200, {"content-type": content_type}, b"<rss/>")}
        assert make_fetcher(site(routes)).get("https://news.example/f", kind="feed").body == b"<rss/>"
    routes = {"https://news.example/f": (200, {"content-type": "image/png"}, b"")}
    with pytest.raises(FetchError) as caught:
        make_fetcher(site(routes)).get("https://news.example/f", kind="feed")
    assert caught.value.reason == "unexpected_content_type"


def test_transient_statuses_are_retryable_with_retry_after():
    routes = {
        "https://news.example/429": (429, {"retry-after": "120"}, b""),
        "https://news.example/503": (503, {}, b""),
        "https://news.example/404": (404, {}, b""),
        "https://news.example/410": (410, {}, b""),
    }
    fetcher = make_fetcher(site(routes))
    with pytest.raises(Retryable) as caught:
        fetcher.get("https://news.example/429", kind="page")
    assert (caught.value.reason, caught.value.delay_s, caught.value.status) == ("http_429", 120.0, 429)
    with pytest.raises(Retryable) as caught:
        fetcher.get("https://news.example/503", kind="page")
    assert caught.value.delay_s is None
    for code in (404, 410):
        with pytest.raises(FetchError) as permanent:
            fetcher.get(f"https://news.example/{code}", kind="page")
        assert permanent.value.reason == f"http_{code}" and permanent.value.status == code


@pytest.mark.parametrize(
    ("error", "reason"),
    [(httpx.ReadTimeout("slow"), "timeout"), (httpx.ConnectError("refused"), "connection_error")],
)
def test_network_errors_are_retryable(error, reason):
    def handle(request):
        raise error

    with pytest.raises(Retryable) as caught:
        make_fetcher(handle).get("https://news.example/a", kind="page")
    assert caught.value.reason == reason
