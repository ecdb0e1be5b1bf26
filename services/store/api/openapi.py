"""Store, API: the OpenAPI description as FastAPI builds it from the routes, completed with what routes
do not say: an example of every body (the webhooks' too), the ETag and 304 of every read, and the 422
every operation gives for a query parameter it does not take."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from services.store.api.examples import REQUESTS, RESPONSES, problem

_REF = "#/components/schemas/"
_IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "the ETag of a copy you hold: 304 and no body while it is still the answer",
    "example": 'W/"9c1f0e6a55d2b7c4e3a8f1d0b6e5c4a3"',
}
_ETAG = {"description": "a weak tag of this body", "schema": {"type": "string"}}
_LOCATION = {"description": "the URL of the record it went into", "schema": {"type": "string"}}
_NOT_MODIFIED = {"description": "the body is the one `If-None-Match` names", "headers": {"ETag": _ETAG}}
_INVALID = {
    "description": "Validation Error",
    "content": {"application/json": {"schema": {"$ref": f"{_REF}HTTPValidationError"}}},
}


def described(api: FastAPI) -> Callable[[], dict[str, Any]]:
    """What to put in place of `api.openapi`: FastAPI's description, completed once."""

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            complete(FastAPI.openapi(api))
        assert api.openapi_schema is not None
        return api.openapi_schema

    return openapi


def complete(spec: dict[str, Any]) -> None:
    for operations in spec.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.setdefault("422", _INVALID)
            if method == "get":
                operation.setdefault("parameters", []).append(_IF_NONE_MATCH)
                responses.setdefault("304", _NOT_MODIFIED)
                responses.get("200", {}).setdefault("headers", {})["ETag"] = _ETAG
            if "308" in responses:
                responses["308"].setdefault("headers", {})["Location"] = _LOCATION
    for section in ("paths", "webhooks"):  # a webhook is what the relay sends: its bodies' examples
        for operations in spec.get(section, {}).values():
            for operation in operations.values():
                _exemplify_bodies(operation)


def _exemplify_bodies(operation: dict[str, Any]) -> None:
    for status, response in operation.get("responses", {}).items():
        for media in response.get("content", {}).values():
            _exemplify(media, RESPONSES, int(status))
    for media in operation.get("requestBody", {}).get("content", {}).values():
        _exemplify(media, REQUESTS, None)


def _exemplify(media: dict[str, Any], examples: dict[str, Any], status: int | None) -> None:
    if "example" in media or "examples" in media:
        return
    schema = media.get("schema", {})
    many = schema.get("type") == "array"
    name = str((schema.get("items", {}) if many else schema).get("$ref", "")).removeprefix(_REF)
    if name == "Problem" and status is not None:
        media["example"] = problem(status)
    elif name in examples:
        media["example"] = [examples[name]] if many else examples[name]
