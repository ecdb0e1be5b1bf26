"""GDELT DOC 2.0 as a discovery source: the request sent, the answer read, and the shared limit of one
request every 5 seconds."""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import ValidationError

from services.bus.messages import SourceInput, SourceSpec
from services.crawler.errors import Retryable
from services.crawler.gdelt import read_gdelt, request_url, timespan
from services.crawler.handlers import discover
from services.crawler.links import DiscoveryError
from tests.unit.crawler.fakes import make_deps, respond

ENDPOINT = "https://gdelt.example/api/v2/doc/doc"
QUERY = '("Fondation Mohammed VI des Sciences et de la Santé" OR FM6SS) sourcecountry:MO sourcelang:french'
ANSWER = {
    "articles": [
        {
            "url": "https://news.example/societe/fm6ss-convention-123",
            "url_mobile": "",
            "title": "La FM6SS signe une convention avec une université",
            "seendate": "20261204T081500Z",
            "socialimage": "",
            "domain": "news.example",
            "language": "French",
            "sourcecountry": "Morocco",
        },
        {"url": "https://other.example/a/7", "title": "Deuxième article", "seendate": "bad"},
        {"title": "sans URL"},
    ]
}


@pytest.mark.parametrize(
    ("given", "sent"),
    [
        (None, "3months"),
        ("24h", "24h"),
        ("2weeks", "2w"),
        ("3m", "3m"),
        ("1y", "3months"),
        ("12m", "3months"),
    ],
)
def test_timespan_stays_within_the_three_month_window(given, sent):
    assert timespan(given) == sent


def test_the_request_is_an_article_list_in_json_on_the_configured_endpoint():
    source_url = (
        "https://api.gdeltproject.org/api/v2/doc/doc?"
        + httpx.QueryParams(
            {"query": QUERY, "mode": "timelinevol", "timespan": "6months", "maxrecords": "9999"}
        ).__str__()
    )
    sent = httpx.URL(request_url(source_url, ENDPOINT))
    assert str(sent).startswith(ENDPOINT + "?")
    assert dict(sent.params) == {
        "query": QUERY,
        "mode": "artlist",
        "format": "json",
        "maxrecords": "250",
        "timespan": "3months",
        "sort": "datedesc",
    }
    with pytest.raises(DiscoveryError, match="query="):
        request_url("https://api.gdeltproject.org/api/v2/doc/doc?mode=artlist", ENDPOINT)


def test_the_answer_gives_urls_titles_and_seen_dates():
    links = read_gdelt(json.dumps(ANSWER).encode())
    assert [link.url for link in links] == [a["url"] for a in ANSWER["articles"][:2]]
    assert links[0].published == "2026-12-04T08:15:00+00:00" and links[1].published is None
    assert read_gdelt(b"{}") == [] and read_gdelt(b"") == []
    with pytest.raises(DiscoveryError, match="too short"):
        read_gdelt(b"The specified phrase is too short.\n")


def test_a_gdelt_source_needs_a_query():
    with pytest.raises(ValidationError, match="query="):
        SourceInput.model_validate({"name": "g", "kind": "gdelt", "url": ENDPOINT + "?mode=artlist"})


def test_gdelt_is_asked_at_most_once_every_five_seconds():
    asked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return respond(404)
        asked.append(str(request.url))
        return respond(200, {"content-type": "application/json"}, json.dumps(ANSWER).encode())

    deps = make_deps(handler, gdelt_url=ENDPOINT, max_inline_wait_s=12)
    waits: list[float] = []
    deps.sleep = waits.append  # time does not pass: the second request can only wait
    source = SourceSpec(name="gdelt-fm6ss", kind="gdelt", url=f"{ENDPOINT}?query=FM6SS", delay_s=0)
    found = discover(source, deps)
    assert len(found.urls) == 2 and found.error is None and len(asked) == 1
    with pytest.raises(Retryable, match="host_busy"):
        discover(source, deps)
    assert len(asked) == 1 and 4.0 < waits[0] <= 5.0
