"""The console's login and error answers through the whole API app (FastAPI's TestClient over a real
SQLite store): when the cookie is Secure, how long it lasts, what a bad form gets, and the security
headers on every error page."""

from __future__ import annotations

import time
from http.cookies import SimpleCookie
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from services.bus.settings import Settings
from services.store.api.main import create_api
from services.store.console import security
from services.store.console.app import mount_console
from services.store.settings import StoreSettings
from tests.conftest import engine

READ = "console-read-token-for-tests-1"
OPERATOR = "console-operator-token-tests-1"


def console(url: str, **store: Any) -> FastAPI:
    settings = StoreSettings(api_read_token=READ, api_token=OPERATOR, **store)
    return mount_console(create_api(Settings(), engine(url), settings))


@pytest.fixture
def app(env, sqlite_url: str) -> FastAPI:
    return console(sqlite_url)


def client(app: FastAPI, base: str) -> TestClient:
    # Client errors are answers here: the server's own exceptions are what the tests look at.
    return TestClient(app, base_url=base, raise_server_exceptions=False, follow_redirects=False)


def login(http: TestClient, token: str = READ, body: str | None = None) -> Any:
    content = body if body is not None else f"token={token}&next=/sources"
    return http.post(
        "/ui/login", content=content, headers={"content-type": "application/x-www-form-urlencoded"}
    )


def set_cookie(answer: Any) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    jar.load(answer.headers["set-cookie"])
    return jar


def test_on_loopback_outside_production_the_cookie_is_not_secure_and_expires(app):
    answer = login(client(app, "http://127.0.0.1:8000"))
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/sources"
    morsel = set_cookie(answer)[security.COOKIE]
    assert not morsel["secure"]
    assert morsel["httponly"] and morsel["samesite"] == "strict"
    assert int(morsel["max-age"]) == 12 * 3600
    assert READ not in morsel.value


@pytest.mark.parametrize("host", ["http://fm6ss.example.org", "http://api:8000", "http://192.0.2.7"])
def test_behind_a_proxy_the_cookie_is_secure_whatever_the_scheme_seen(app, host):
    """Uvicorn trusts X-Forwarded-Proto from 127.0.0.1 only: a proxy on a Docker bridge reaches the API
    over plain HTTP, with the public host (or the service's name) as Host."""
    answer = login(client(app, host))
    assert answer.status_code == 303
    assert set_cookie(answer)[security.COOKIE]["secure"]


def test_in_production_the_cookie_is_secure_even_on_loopback(env, sqlite_url):
    app = console(sqlite_url, environment="production", console_session_hours=2)
    morsel = set_cookie(login(client(app, "http://127.0.0.1:8000")))[security.COOKIE]
    assert morsel["secure"] and int(morsel["max-age"]) == 2 * 3600


def test_the_server_refuses_a_cookie_past_its_age(app):
    http = client(app, "http://127.0.0.1:8000")
    value = set_cookie(login(http))[security.COOKIE].value
    http.cookies.set(security.COOKIE, value)
    assert http.get("/ui/sources").status_code == 200

    # The same token's cookie, issued 13 hours ago (the default age is 12): the login page again.
    http.cookies.set(security.COOKIE, security.cookie_value(READ, int(time.time()) - 13 * 3600))
    again = http.get("/ui/sources")
    assert again.status_code == 303 and again.headers["location"].startswith("/ui/login?next=")
    # Nor one dated in the future, nor one whose date was changed, nor the old undated form.
    issued = int(time.time())
    signature = security.cookie_value(READ, issued).rsplit(".", 1)[1]
    for forged in (
        security.cookie_value(READ, issued + 3600),
        f"{issued + 3600}.{signature}",
        security.cookie_value("another-token-of-16-chars", issued),
        signature,
        "",
        "x.y.z",
    ):
        http.cookies.set(security.COOKIE, forged)
        assert http.get("/ui/sources").status_code == 303, forged
    # The operator token's cookie works as the read token's.
    http.cookies.set(security.COOKIE, set_cookie(login(http, OPERATOR))[security.COOKIE].value)
    assert http.get("/ui/sources").status_code == 200


def test_logout_clears_the_cookie_as_it_was_set(app):
    http = client(app, "https://fm6ss.example.org")
    assert set_cookie(login(http))[security.COOKIE]["secure"]
    out = http.post("/ui/logout")
    assert out.status_code == 303 and out.headers["location"] == "/ui/login"
    morsel = set_cookie(out)[security.COOKIE]
    assert morsel.value == "" and int(morsel["max-age"]) == 0 and morsel["secure"]
    assert http.get("/ui/sources").status_code == 303


@pytest.mark.parametrize(
    "body",
    [
        "token=a&next=/&x=1&y=2&z=3",  # more fields than the form has
        "&".join(f"f{i}=v" for i in range(500)),
        "token=a&&next=/",  # an empty field
        "token",  # a field without a value
        f"token={READ}&token=another",  # the token twice
        "token=%FF%FE&next=/",  # not UTF-8
    ],
)
def test_a_malformed_login_form_is_the_login_page_again_with_400(app, body):
    answer = login(client(app, "http://127.0.0.1:8000"), body=body)
    assert answer.status_code == 400, answer.text[:300]
    assert "set-cookie" not in answer.headers
    assert "not understood" in answer.text and 'name="token"' in answer.text
    assert answer.headers["content-security-policy"] == security.POLICY
    assert answer.headers["cache-control"] == "no-store"


def test_an_unexpected_error_page_carries_the_security_headers(env, sqlite_url):
    app = console(sqlite_url)
    (ui,) = [r.app for r in app.routes if isinstance(r, Mount) and r.path == "/ui"]
    broken = APIRouter()

    @broken.get("/broken")
    def _broken() -> None:
        raise RuntimeError("a fault inside a page")

    ui.include_router(broken)
    answer = client(app, "http://127.0.0.1:8000").get("/ui/broken")
    assert answer.status_code == 500
    assert "a fault inside a page" not in answer.text
    assert "<main" in answer.text
    for name, value in security.HEADERS.items():
        assert answer.headers[name.lower()] == value, name
