"""The console's guards: the headers every /ui answer carries, and the read token as a cookie.

The pages follow the API's read token: when FM6SS_API_READ_TOKEN is set, a login form takes it (or the
operator token) and sets a cookie, HttpOnly and SameSite=Strict, holding the time it was issued and a
hash of that time keyed by the token, rather than the token itself. The server refuses it once it is
older than FM6SS_CONSOLE_SESSION_HOURS (and the browser drops it then too), so a copied cookie does not
last. It is Secure in production and whenever the request names a host other than loopback: behind a
TLS proxy on a Docker network the API sees plain HTTP (uvicorn trusts X-Forwarded-Proto only from
127.0.0.1), so the scheme alone would leave it bare. The pages run no script at all, so the policy
allows none, and styles only from the console's own stylesheet.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.store.api.tokens import bearer_token, token_matches
from services.store.console.web import render
from services.store.settings import StoreSettings, is_loopback

COOKIE = "fm6ss_console"
POLICY = (
    "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}
OPEN = ("/login", "/logout", "/static/")  # reachable without the cookie
FIELDS = ("token", "next")  # the login form's, each once
CLOCK_SKEW_S = 60  # a cookie issued this much in the future is still taken (several API processes)


class SecurityHeaders:
    """ASGI middleware: the headers above on every answer of the console, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    if name == "Cache-Control" and "/static/" in scope["path"]:
                        continue  # the stylesheet may be cached
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def cookie_value(token: str, issued: int) -> str:
    """What the cookie holds for a token: when it was issued (Unix seconds) and a hash of that keyed by
    the token, so a leaked cookie is not the API token and its age cannot be changed."""
    mac = hmac.new(token.encode(), f"fm6ss console session {issued}".encode(), hashlib.sha256)
    return f"{issued}.{mac.hexdigest()}"


def _tokens(settings: StoreSettings) -> list[str]:
    return [t for t in (settings.api_read_token, settings.api_token) if t]


def cookie_valid(value: str | None, settings: StoreSettings) -> bool:
    """The cookie of the read or operator token, issued less than FM6SS_CONSOLE_SESSION_HOURS ago;
    compared in constant time."""
    issued_text, dot, _ = (value or "").partition(".")
    if not dot or not issued_text.isascii() or not issued_text.isdigit() or len(issued_text) > 12:
        return False
    issued = int(issued_text)
    age = time.time() - issued
    if not -CLOCK_SKEW_S <= age <= settings.console_session_hours * 3600:
        return False
    return any(token_matches(value, cookie_value(t, issued)) for t in _tokens(settings))


def allowed(request: Request, settings: StoreSettings) -> bool:
    """Open when no read token is set; else the cookie of the read or operator token, or the token itself
    as a bearer (for scripts that read pages)."""
    if not settings.api_read_token:
        return True
    if cookie_valid(request.cookies.get(COOKIE), settings):
        return True
    bearer = bearer_token(request.headers.get("authorization"))
    return any(token_matches(bearer, t) for t in _tokens(settings))


def secure_cookie(request: Request, settings: StoreSettings) -> bool:
    """Secure unless this is plain HTTP to loopback outside production (`fm6ss api` on one's own machine):
    a TLS proxy on another address reaches the API over plain HTTP, with its own host as Host."""
    if settings.environment == "production" or request.url.scheme == "https":
        return True
    return not is_loopback(request.url.hostname or "")


def read_form(body: bytes) -> dict[str, str] | None:
    """The login form's fields, or None when it is not that form: not UTF-8, a field empty or without
    `=`, more fields than it has, a field it does not have or one given twice."""
    try:
        fields = parse_qs(
            body.decode("utf-8"), max_num_fields=len(FIELDS), strict_parsing=True, errors="strict"
        )
    except ValueError:  # UnicodeDecodeError included
        return None
    if any(name not in FIELDS or len(values) != 1 for name, values in fields.items()):
        return None
    return {name: values[0] for name, values in fields.items()}


def _local(target: str | None) -> str:
    """Only a path of this console: never another site, nor `//host`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_local(next), problem=None)


@router.post("/login")
async def login(request: Request) -> Response:
    settings: StoreSettings = request.app.state.store_settings
    form = read_form(await request.body())
    if form is None:
        problem = "The form was not understood: send it as this page does, the token once."
        return render(request, "login.html", status=400, next="/", problem=problem)
    token = form.get("token", "")
    target = _local(form.get("next", "/"))
    match = next((t for t in _tokens(settings) if token_matches(token, t)), None)
    if settings.api_read_token and match is None:
        return render(request, "login.html", status=401, next=target, problem="That token is not valid.")
    root = request.scope.get("root_path", "")
    response = RedirectResponse(f"{root}{target}", status_code=303)
    if match is not None:
        response.set_cookie(
            COOKIE,
            cookie_value(match, int(time.time())),
            max_age=settings.console_session_hours * 3600,
            httponly=True,
            samesite="strict",
            secure=secure_cookie(request, settings),
            path=root or "/",
        )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    root = request.scope.get("root_path", "")
    response = RedirectResponse(f"{root}/login", status_code=303)
    secure = secure_cookie(request, request.app.state.store_settings)
    response.delete_cookie(COOKIE, path=root or "/", secure=secure, httponly=True, samesite="strict")
    return response


def login_redirect(request: Request) -> Response:
    root = request.scope.get("root_path", "")
    here = request.url.path.removeprefix(root) or "/"
    if request.url.query:
        here += "?" + request.url.query
    return RedirectResponse(f"{root}/login?next={quote(here, safe='')}", status_code=303)
