"""Step 2 for sitemap and news-sitemap sources: XML bytes in, article links and nested sitemaps out.

lxml runs with entity resolution, DTD loading, network access and huge trees all off.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from services.crawler.links import DiscoveryError, Link, absolute, clean_text, refuse_entity_declarations


@dataclass(frozen=True)
class Sitemap:
    links: tuple[Link, ...] = ()
    nested: tuple[str, ...] = ()  # a sitemap index's children, newest first
    nested_lastmod: tuple[str | None, ...] = ()  # each child's <lastmod> as written, in the same order


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        recover=True,
    )


def parse_xml(body: bytes) -> etree._Element:
    """The document's root, parsed safely; refuses what is not XML."""
    try:
        root = etree.fromstring(body, parser=safe_parser())
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError("bad_xml", str(exc)[:200]) from None
    if root is None:
        raise DiscoveryError("bad_xml", "empty document")
    return root


def read_sitemap(body: bytes, base_url: str) -> Sitemap:
    refuse_entity_declarations(body)
    root = parse_xml(body)
    name = _local(root)
    if name == "sitemapindex":
        children = _nested(root, base_url)
        return Sitemap(nested=tuple(children), nested_lastmod=tuple(children.values()))
    if name != "urlset":
        raise DiscoveryError("bad_sitemap", f"root element is <{name}>, not <urlset> or <sitemapindex>")
    return Sitemap(links=tuple(link for url in root if (link := _page(url, base_url)) is not None))


def _nested(root: etree._Element, base_url: str) -> dict[str, str | None]:
    """Each child sitemap and its <lastmod>, newest first."""
    found = []
    for child in root:
        loc = _child_text(child, "loc")
        url = absolute(base_url, loc) if _local(child) == "sitemap" and loc else None
        if url is not None:
            found.append((_child_text(child, "lastmod") or "", url))
    # ISO dates sort as text; the newest sitemaps are read first when only some can be.
    found.sort(key=lambda pair: pair[0], reverse=True)
    out: dict[str, str | None] = {}
    for lastmod, url in found:
        out.setdefault(url, lastmod or None)
    return out


def _page(element: etree._Element, base_url: str) -> Link | None:
    if _local(element) != "url":
        return None
    loc = _child_text(element, "loc")
    url = absolute(base_url, loc) if loc else None
    if url is None:
        return None
    news = next((c for c in element if _local(c) == "news"), None)
    title = published = None
    if news is not None:
        title = clean_text(_child_text(news, "title"))
        published = _child_text(news, "publication_date")
    return Link(url=url, title=title, published=published, modified=_child_text(element, "lastmod"))


def _child_text(element: etree._Element, name: str) -> str | None:
    for child in element:
        if _local(child) == name:
            text = "".join(child.itertext()).strip()
            return text or None
    return None


def _local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""
