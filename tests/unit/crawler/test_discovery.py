import gzip
import time

import pytest

from services.crawler.discovery import discover, discover_links, select
from services.crawler.links import DiscoveryError, Link
from services.crawler.sitemaps import parse_xml, read_sitemap

BASE = "https://news.example/feed/"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel>
<title>News</title><link>https://news.example/</link>
<item><title>  Convention   FM6SS - ONEE </title><link>https://www.news.example/a/1?utm_source=rss#top</link>
<pubDate>Fri, 11 Apr 2025 10:30:00 +0100</pubDate></item>
<item><title>Relative</title><link>/a/2</link></item>
<item><title>Proxy</title><link>https://feedproxy.example/x</link>
<feedburner:origLink>https://news.example/a/3</feedburner:origLink></item>
<item><title>Duplicate</title><link>https://news.example/a/1</link></item>
<item><title>No link</title></item>
<item><title>Bad</title><link>ftp://news.example/file</link></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>أخبار</title>
<entry><title>اتفاقية شراكة</title><link href="https://news.example/ar/1"/>
<updated>2025-04-11T09:00:00Z</updated><id>1</id></entry>
</feed>""".encode()


def test_rss_entries_become_canonical_urls_with_hints():
    found = discover("rss", RSS, BASE, outlet="News", lang="fr")
    urls = [u.url for u in found.urls]
    assert urls == ["https://news.example/a/1", "https://news.example/a/2", "https://news.example/a/3"]
    first = found.urls[0]
    assert first.found_as == "https://www.news.example/a/1?utm_source=rss#top"
    assert first.hints.title == "Convention FM6SS - ONEE"
    assert first.hints.published == "2025-04-11T09:30:00+00:00"
    assert first.hints.outlet == "News" and first.hints.lang == "fr"
    assert found.nested == ()


def test_atom_feed():
    (only,) = discover("atom", ATOM, BASE).urls
    assert only.url == "https://news.example/ar/1"
    assert only.hints.title == "اتفاقية شراكة"
    assert only.hints.published == "2025-04-11T09:00:00+00:00"


def test_broken_feed_is_an_error_not_a_crash():
    with pytest.raises(DiscoveryError) as caught:
        discover("rss", b"<html><body>Not a feed at all <p></body>", BASE)
    assert caught.value.reason == "bad_feed"
    truncated = RSS[: RSS.index(b"<item><title>Relative")]
    assert [u.url for u in discover("rss", truncated, BASE).urls] == ["https://news.example/a/1"]


SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example/sitemap-2023.xml</loc><lastmod>2023-12-31</lastmod></sitemap>
<sitemap><loc>https://news.example/sitemap-2025.xml.gz</loc><lastmod>2025-04-11</lastmod></sitemap>
<sitemap><loc>/sitemap-undated.xml</loc></sitemap>
</sitemapindex>"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example/2025/04/fm6ss-convention</loc>
<news:news><news:publication><news:name>News</news:name><news:language>fr</news:language></news:publication>
<news:publication_date>2025-04-11T10:00:00+01:00</news:publication_date>
<news:title>La FM6SS signe une convention</news:title></news:news></url>
<url><loc>https://news.example/2025/04/autre</loc><lastmod>2025-04-10</lastmod></url>
</urlset>"""


def test_sitemap_index_lists_nested_sitemaps_newest_first():
    found = discover("sitemap", SITEMAP_INDEX, "https://news.example/sitemap.xml")
    assert found.urls == ()
    assert found.nested == (
        "https://news.example/sitemap-2025.xml.gz",
        "https://news.example/sitemap-2023.xml",
        "https://news.example/sitemap-undated.xml",
    )


def test_gzipped_news_sitemap_carries_title_and_date():
    found = discover("news_sitemap", gzip.compress(NEWS_SITEMAP), "https://news.example/s.xml.gz")
    first, second = found.urls
    assert first.url == "https://news.example/2025/04/fm6ss-convention"
    assert first.hints.title == "La FM6SS signe une convention"
    assert first.hints.published == "2025-04-11T10:00:00+01:00"
    assert second.hints.title is None and second.hints.published is None


def test_gzip_bomb_in_a_sitemap_is_stopped():
    bomb = gzip.compress(b"<urlset>" + b" " * (8 * 1024 * 1024))
    with pytest.raises(DiscoveryError) as caught:
        discover_links("sitemap", bomb, BASE, max_bytes=1024 * 1024)
    assert caught.value.reason == "too_large"


def test_not_a_sitemap():
    with pytest.raises(DiscoveryError) as caught:
        read_sitemap(b"<html><body>x</body></html>", BASE)
    assert caught.value.reason == "bad_sitemap"


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://news.example/&xxe;</loc></url></urlset>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<urlset><url><loc>https://news.example/&lol9;</loc></url></urlset>"""


@pytest.mark.parametrize("kind", ["rss", "sitemap", "news_sitemap"])
@pytest.mark.parametrize("body", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_entity_declarations_are_refused(kind, body):
    with pytest.raises(DiscoveryError) as caught:
        discover(kind, body, BASE)
    assert caught.value.reason == "unsafe_xml"


def test_the_xml_parser_itself_neither_reads_files_nor_expands_entities():
    # The second lock, without the first: lxml configured safely.
    root = parse_xml(XXE)
    assert "root:" not in "".join(root.itertext())
    started = time.perf_counter()
    root = parse_xml(LAUGHS)
    assert len("".join(root.itertext())) < 1000
    assert time.perf_counter() - started < 1.0


LISTING = b"""<html><head><base href="https://news.example/fr/"></head><body>
<nav><a href="/fr/contact">Contact</a><a href="#top">Top</a><a href="javascript:void(0)">x</a></nav>
<a href="actualites/2025/convention-fm6ss"> Convention <b>FM6SS</b></a>
<a href="https://news.example/fr/actualites/2025/convention-fm6ss?utm_medium=x">again</a>
<a href="https://elsewhere.example/fr/actualites/2025/x">other site</a>
<a href="mailto:contact@news.example">mail</a>
</body></html>"""


def test_listing_keeps_links_matching_the_pattern():
    found = discover(
        "listing",
        LISTING,
        "https://news.example/fr/actualites",
        link_pattern=r"^https://news\.example/fr/actualites/",
    )
    assert [u.url for u in found.urls] == ["https://news.example/fr/actualites/2025/convention-fm6ss"]
    assert found.urls[0].hints.title == "Convention FM6SS"


def test_listing_without_pattern_keeps_same_host_links():
    found = discover("listing", LISTING, "https://news.example/fr/")
    assert "https://elsewhere.example/fr/actualites/2025/x" not in [u.url for u in found.urls]
    assert "https://news.example/fr/contact" in [u.url for u in found.urls]


def test_select_skips_invalid_urls_dedups_and_caps():
    links = [
        Link("not a url"),
        Link("http://[broken/"),
        *(Link(f"https://news.example/a/{i}") for i in range(10)),
    ]
    links.append(Link("https://news.example/a/0?utm_campaign=z"))
    seen = {"https://news.example/a/1"}
    chosen = select(links, cap=5, seen=seen)
    assert [u.url for u in chosen] == [f"https://news.example/a/{i}" for i in (0, 2, 3, 4, 5)]
    assert "https://news.example/a/5" in seen
