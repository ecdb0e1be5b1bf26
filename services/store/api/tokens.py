"""Who may call what: the operator token for operators' endpoints, and the read token for reads when
FM6SS_API_READ_TOKEN is set. Tokens are compared in constant time.

The checks run twice on purpose: as dependencies (so the OpenAPI description names each operation's
scheme), and in `TokenFirst`, before FastAPI reads the request, so an operator endpoint answers 401 or
403 without its token whatever the body, instead of a 422 about a body it had no business reading.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from starlette.datastructures import Headers
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from services.store.settings import StoreSettings

OPERATOR_SCHEME = "OperatorToken"
READ_SCHEME = "ReadToken"

_operator_bearer = HTTPBearer(auto_error=False, scheme_name=OPERATOR_SCHEME, description="FM6SS_API_TOKEN")
_read_bearer = HTTPBearer(
    auto_error=False, scheme_name=READ_SCHEME, description="FM6SS_API_READ_TOKEN, or the operator token"
)


def token_matches(given: str | None, expected: str | None) -> bool:
    """Constant time: both sides are hashed first, so neither the content nor the length of the
    expected token shows in how long the comparison takes."""
    if not given or not expected:
        return False
    return hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(expected.encode()).digest()
    )


def bearer_token(authorization: str | None) -> str | None:
    scheme, credentials = get_authorization_scheme_param(authorization)
    return credentials if scheme.lower() == "bearer" and credentials else None


def _unauthorized(what: str) -> HTTPException:
    return HTTPException(
        status_code=401, detail=f"missing or wrong {what}", headers={"WWW-Authenticate": "Bearer"}
    )


def operator_problem(settings: StoreSettings, given: str | None) -> HTTPException | None:
    """Operators' endpoints need FM6SS_API_TOKEN; without a configured token they are off (403)."""
    if not settings.api_token:
        return HTTPException(status_code=403, detail="operator endpoints are disabled: set FM6SS_API_TOKEN")
    return None if token_matches(given, settings.api_token) else _unauthorized("operator token")


def reader_problem(settings: StoreSettings, given: str | None) -> HTTPException | None:
    """Reads are public unless FM6SS_API_READ_TOKEN is set; then it, or the operator token, is needed."""
    if not settings.api_read_token:
        return None
    if token_matches(given, settings.api_read_token) or token_matches(given, settings.api_token):
        return None
    return _unauthorized("read token")


def require_operator(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(_operator_bearer)]
) -> None:
    problem = operator_problem(
        request.app.state.store_settings, bearer_token(request.headers.get("authorization"))
    )
    if problem is not None:
        raise problem


def require_reader(
    request: Request, _: Annotated[HTTPAuthorizationCredentials | None, Depends(_read_bearer)]
) -> None:
    problem = reader_problem(
        request.app.state.store_settings, bearer_token(request.headers.get("authorization"))
    )
    if problem is not None:
        raise problem


Operator = Depends(require_operator)
Reader = Depends(require_reader)

_CHECKS = {OPERATOR_SCHEME: operator_problem, READ_SCHEME: reader_problem}


@dataclass(frozen=True)
class Guarded:
    method: str
    path: re.Pattern[str]
    scheme: str


def guarded_operations(spec: dict[str, Any]) -> list[Guarded]:
    """Every operation of the OpenAPI description that names one of the token schemes."""
    out = []
    for template, operations in spec.get("paths", {}).items():
        pattern = compile_path(template)[0]
        for method, operation in operations.items():
            schemes = {name for requirement in operation.get("security", []) for name in requirement}
            for scheme in sorted(schemes & set(_CHECKS)):
                out.append(Guarded(method.upper(), pattern, scheme))
    return out


class TokenFirst:
    """ASGI middleware: the token check of a guarded operation, before anything reads the request."""

    def __init__(self, app: ASGIApp, guarded: list[Guarded], settings: StoreSettings) -> None:
        self.app, self.guarded, self.settings = app, guarded, settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self.problem(scope)
            if problem is not None:
                response = JSONResponse(
                    {"detail": problem.detail}, status_code=problem.status_code, headers=problem.headers
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def problem(self, scope: Scope) -> HTTPException | None:
        # The path as the router matches it: decoded, without the root path. (Request.url would drop a
        # decoded newline, and then match no operation.)
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        for guarded in self.guarded:
            if guarded.method == scope["method"] and guarded.path.match(path):
                given = bearer_token(Headers(scope=scope).get("authorization"))
                return _CHECKS[guarded.scheme](self.settings, given)
        return None
