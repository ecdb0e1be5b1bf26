"""Step 2 for listing and search pages: HTML bytes in, the <a href> links matching a pattern out."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from services.crawler.links import Link, absolute, clean_text


def read_listing(body: bytes, base_url: str, pattern: re.Pattern[str] | None) -> list[Link]:
    """Links resolved against the page (and its <base href>); without a pattern, same-host links."""
    if not body.strip():
        return []
    parser = lxml.html.HTMLParser(no_network=True, huge_tree=False, remove_comments=True)
    try:
        doc = lxml.html.document_fromstring(body, parser=parser)
    except (etree.ParserError, ValueError):
        return []
    base = base_url
    for href in doc.xpath("//base/@href")[:1]:
        base = absolute(base_url, str(href)) or base_url
    host = urlsplit(base_url).hostname
    links = []
    for anchor in doc.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
            continue
        url = absolute(base, href)
        if url is None:
            continue
        if pattern is not None and not pattern.search(url):
            continue
        if pattern is None and urlsplit(url).hostname != host:
            continue
        links.append(Link(url=url, title=clean_text(anchor.text_content())))
    return links
