"""The OpenAPI description and its documentation pages: an example for every body, each valid against its
schema; `/docs` and `/redoc` served with their assets by the app itself, nothing from another host."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from services.bus.settings import Settings
from services.store.api.main import create_api
from services.store.db.engine import make_engine
from services.store.settings import StoreSettings

TOKEN = "operator-token-for-tests-0123"


@pytest.fixture(params=[None, "reader-token-for-tests-01234"], ids=["public", "read-token"])
def client(request: pytest.FixtureRequest, sqlite_url: str, env) -> TestClient:
    store = StoreSettings(api_token=TOKEN, api_read_token=request.param)
    return TestClient(create_api(Settings(), make_engine(sqlite_url), store))


def _examples(spec: dict[str, Any]) -> list[tuple[str, Any, dict[str, Any]]]:
    """(where, example, schema) of every body the description names; a body without example fails."""
    found = []
    for path, operations in [*spec["paths"].items(), *spec.get("webhooks", {}).items()]:
        for method, operation in operations.items():
            bodies = [(f"response {s}", r) for s, r in operation.get("responses", {}).items()]
            if "requestBody" in operation:
                bodies.append(("request", operation["requestBody"]))
            for what, body in bodies:
                for media_type, media in body.get("content", {}).items():
                    where = f"{method.upper()} {path} {what} {media_type}"
                    assert "example" in media, f"no example for {where}"
                    found.append((where, media["example"], media["schema"]))
    return found


def test_every_operation_has_examples_valid_against_their_schemas(client):
    spec = client.get("/openapi.json").json()
    examples = _examples(spec)
    operations = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert len(operations) >= 20 and len(examples) > 3 * len(operations)
    for where, example, schema in examples:
        # The schema's $refs point into the description: it is validated as part of it.
        validator = jsonschema_rs.validator_for({**schema, "components": spec["components"]})
        errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(example)]
        assert not errors, (where, errors[:3])


def test_reads_describe_their_etag_and_every_operation_its_422(client):
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert "422" in operation["responses"], (method, path)
            if method == "get":
                assert "304" in operation["responses"] and "ETag" in operation["responses"]["200"]["headers"]
                assert any(p["name"] == "If-None-Match" for p in operation["parameters"]), path
    moved = spec["paths"]["/agreements/{agreement_id}"]["get"]["responses"]["308"]
    assert "Location" in moved["headers"] and moved["content"]["application/json"]["example"]["merged_into"]


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("href", "src", "spec-url") and value]


def _referenced(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.urls + re.findall(r"""\burl:\s*['"]([^'"]+)['"]""", html)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_documentation_pages_need_no_other_host(client, page):
    answer = client.get(page)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    urls = _referenced(answer.text)
    assert any(u.endswith(".js") for u in urls) and "/openapi.json" in urls, urls
    outside = [u for u in urls if urlsplit(u).netloc or u.startswith("//")]
    assert outside == [], outside
    assert not re.search(r"https?://(?!testserver)", answer.text), "an absolute URL to another host"
    for url in urls:
        fetched = client.get(url)
        assert fetched.status_code == 200 and fetched.content, url
