"""Property-based tests of the parsing functions: arbitrary input never crashes them."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.bus.urls import InvalidUrl, canonical_url
from services.crawler.discovery import discover_links, select
from services.crawler.links import DiscoveryError
from services.import_lines import BadLine, ImportLine, read_lines
from services.parser.agreements import extract_agreements
from services.parser.article import extract_article
from services.parser.pipeline import decode, read_page

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text mixing the languages the parser reads, with markup and the names it looks for.
WORDS = st.sampled_from(
    [
        "Fondation",
        "Mohammed",
        "VI",
        "des",
        "Sciences",
        "et",
        "de",
        "la",
        "Santé",
        "FM6SS",
        "UM6SS",
        "signé",
        "convention",
        "mardi",
        "15",
        "mars",
        "2024",
        "à",
        "Rabat",
        "مؤسسة",
        "محمد",
        "السادس",
        "للعلوم",
        "والصحة",
        "اتفاقية",
        "يوم",
        "الجمعة",
        "بالرباط",
        "signed",
        "agreement",
        "with",
        "<p>",
        "</div>",
        "&amp;",
        "«",
        "»",
        "\u200f",
        "\x00",
        "M.",
        "Dr",
        "ministère",
        "AstraZeneca",
        "—",
        "(MAP)",
        "-",
        ",",
        ".",
        "\n",
    ]
)
MIXED = st.one_of(st.text(max_size=400), st.lists(WORDS, max_size=120).map(" ".join))


@FAST
@given(st.text(max_size=200))
def test_canonical_url_raises_only_invalid_url_and_is_idempotent(raw):
    for candidate in (raw, "https://" + raw, "http://example.ma/" + raw):
        try:
            once = canonical_url(candidate)
        except InvalidUrl:
            continue
        assert canonical_url(once) == once


@FAST
@given(
    st.lists(
        st.one_of(
            st.text(max_size=80), st.dictionaries(st.text(max_size=8), st.text(max_size=20)).map(json.dumps)
        ),
        max_size=10,
    )
)
def test_read_lines_explains_or_accepts_every_line(lines):
    for number, item in read_lines(lines):
        assert 1 <= number <= len(lines)
        assert isinstance(item, ImportLine | BadLine)
        if isinstance(item, BadLine):
            assert item.reason


@FAST
@given(MIXED)
def test_extract_article_never_raises(html):
    article = extract_article(html, "https://example.ma/a")
    assert isinstance(article.text, str)


@FAST
@given(MIXED, st.dates() | st.none())
def test_extract_agreements_never_raises_and_keeps_the_family(text, published):
    result = extract_agreements(text, published=published)
    for agreement in result.agreements:
        assert any(p.family for p in agreement.parties)
        if agreement.signed_on_precision == "inferred":
            assert agreement.signed_on == published


# Documents the crawler reads: fragments of feeds, sitemaps and listings, shuffled and truncated.
XML_PIECES = st.sampled_from(
    [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<rss><channel>",
        "</channel></rss>",
        "<item><title>Convention FM6SS</title><link>https://example.ma/a/1</link></item>",
        "<feed xmlns='http://www.w3.org/2005/Atom'>",
        "<entry><link href='/a/2'/><updated>2024-03-15T10:00:00Z</updated></entry>",
        "</feed>",
        "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>",
        "<url><loc>https://example.ma/a/3</loc><lastmod>2024-13-45</lastmod></url>",
        "</urlset>",
        "<sitemapindex><sitemap><loc>/s/1.xml</loc></sitemap></sitemapindex>",
        "<!DOCTYPE x [<!ENTITY a 'aaaa'>]>",
        "&a;",
        "<a href='https://example.ma/article/9'>lire</a>",
        "<a href='javascript:alert(1)'>x</a>",
        "<a href='http://[::1'>x</a>",
        "\x00",
        "\ufeff",
        "اتفاقية",
    ]
)
DOCUMENTS = st.one_of(
    st.binary(max_size=600),
    st.lists(XML_PIECES | st.text(max_size=20), max_size=40).map(lambda parts: "".join(parts).encode()),
)


@FAST
@given(DOCUMENTS, st.sampled_from(["rss", "atom", "sitemap", "news_sitemap", "listing"]))
def test_discovery_refuses_with_a_reason_or_returns_canonical_links(body, kind):
    try:
        links, nested = discover_links(kind, body, "https://example.ma/feed", pattern=r"/a(rticle)?/")
    except DiscoveryError as exc:
        assert exc.reason and str(exc)
        return
    for url in select(links, pattern=r"/a(rticle)?/", outlet="example.ma", lang="fr"):
        assert canonical_url(url.url) == url.url
    assert all(isinstance(item, str) for item in nested)


@FAST
@given(st.binary(max_size=2000), st.sampled_from(["html", "text"]))
def test_any_body_reads_as_an_article(body, content_kind):
    article = read_page(decode(body), content_kind, "https://example.ma/a")
    assert isinstance(article.text, str)
