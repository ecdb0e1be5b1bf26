"""Main-text extraction, step one of parsing: an HTML news page → an `Article` (text, title, date...).

Its text then goes to language detection, relevance and agreement extraction. Pure: a string in,
a value out; bad HTML gives an `Article` with empty text, never an exception.
"""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.utils import load_html

from services.parser.boilerplate import LINK_MIN_CHARS, strip_boilerplate, words
from services.parser.language import detect_language
from services.parser.model import Article

log = logging.getLogger(__name__)

MAX_HTML_CHARS = 4_000_000  # a news page is far smaller; past this we read the head of the file only
_MIN_SURE_CHARS = 400  # shorter first-pass texts get a second, slower pass
_LD_MAX_DEPTH = 8  # real JSON-LD nests lists and @graph two or three levels deep
_ARTICLE_TYPES = re.compile(r"Article|BlogPosting|Report|NewsArticle", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"<br\s*/?>|</p>|</div>|</h\d>|</li>", re.IGNORECASE)
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WIDEN_RATIO = 1.5  # how much more text a block family must hold to replace the first pass


def extract_text(html: str, url: str | None = None) -> str:
    """The main text of a news page: paragraphs separated by newlines; "" when there is none."""
    tree = _parse(html)
    if tree is None:
        return ""
    try:
        ld = _json_ld(tree)
        return _main_text(tree, url, ld, _title_candidates(tree, ld))
    except Exception:  # a pathological page must cost one article, never the worker
        log.warning("text extraction failed for %s", url, exc_info=True)
        return ""


def extract_article(html: str, url: str | None = None) -> Article:
    """Text and page metadata (title, publication date, language, site name, canonical URL)."""
    tree = _parse(html)
    if tree is None:
        return Article(text="")
    try:
        ld = _json_ld(tree)
        titles = _title_candidates(tree, ld)
        text = _main_text(tree, url, ld, titles)
        site_name = _first(_meta(tree, "og:site_name"), _ld_publisher(ld))
        return Article(
            text=text,
            title=_title(titles, site_name, url),
            published=_published(tree, ld, url),
            lang=detect_language(text) or _html_lang(tree),
            site_name=site_name,
            canonical_url=_canonical(tree, url),
        )
    except Exception:  # see extract_text
        log.warning("article extraction failed for %s", url, exc_info=True)
        return Article(text="")


# ------------------------------------------------------------------------ parsing


def _parse(html: str) -> HtmlElement | None:
    if not isinstance(html, str) or not html.strip():
        return None
    cleaned = html[:MAX_HTML_CHARS].replace("\x00", "")
    try:
        cleaned.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from a lax decoder: lxml would stop reading there
        cleaned = cleaned.encode("utf-8", "replace").decode("utf-8")
    try:
        tree: HtmlElement | None = load_html(cleaned)
    except Exception:  # lxml and the encoding guesser raise several types on garbage
        return None
    return tree


def _json_ld(tree: HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page, `@graph` and nested lists flattened."""
    found: list[dict[str, Any]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content(), strict=False)
        except (ValueError, RecursionError):  # broken or absurdly nested JSON-LD: the page is still read
            continue
        found.extend(_ld_objects(data))
    return found


def _ld_objects(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > _LD_MAX_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        yield from _ld_objects(data.get("@graph"), depth + 1)


def _ld_articles(ld: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in ld if _ARTICLE_TYPES.search(str(o.get("@type", "")))]


def _meta(tree: HtmlElement, name: str) -> str | None:
    values = tree.xpath("//meta[@property=$n or @name=$n or @itemprop=$n]/@content", n=name)
    return next((str(v).strip() for v in values if str(v).strip()), None)


def _first(*values: str | None) -> str | None:
    return next((v for v in values if v), None)


# ---------------------------------------------------------------------- main text


def _main_text(tree: HtmlElement, url: str | None, ld: list[dict[str, Any]], titles: list[str]) -> str:
    # The fast pass (no fallback extractors) is right on most pages. A thin text gets the full
    # pass, which compares against readability and jusText, then the JSON-LD articleBody (pages
    # rendered by script carry their text there only); a menu-like text gets the full pass too,
    # and keeps it only if it really cut the text down.
    text = _run_trafilatura(tree, url, fast=True)
    if len(text) < _MIN_SURE_CHARS:
        second = _run_trafilatura(tree, url, fast=False)
        text = second if len(second) > len(text) else text
        body = _ld_body(ld)
        text = body if len(body) > max(len(text), _MIN_SURE_CHARS) else text
    elif _menu_like(text):
        second = _run_trafilatura(tree, url, fast=False)
        text = second if 0 < len(second) < len(text) // 2 else text
    text = _widen(tree, text)
    return strip_boilerplate(text, [words(t) for t in titles], _link_texts(tree))


def _ld_body(ld: list[dict[str, Any]]) -> str:
    bodies = [str(o["articleBody"]) for o in _ld_articles(ld) if isinstance(o.get("articleBody"), str)]
    if not bodies:
        return ""
    body = max(bodies, key=len)
    if "<" in body:  # some sites put the HTML of the body there
        body = _TAG.sub("", _BLOCK_END.sub("\n", body))
    return "\n".join(" ".join(html_lib.unescape(line).split()) for line in body.split("\n")).strip()


def _run_trafilatura(tree: HtmlElement, url: str | None, *, fast: bool) -> str:
    text = trafilatura.extract(
        tree, url=url, fast=fast, favor_precision=not fast, include_comments=False, include_tables=True
    )
    return text or ""


def _menu_like(text: str) -> bool:
    lines = [line for line in text.split("\n") if line.strip()]
    short = sum(1 for line in lines if len(line) < 40)
    return short > 0.6 * len(lines)  # a column of short lines is a menu, not an article


def _widen(tree: HtmlElement, text: str) -> str:
    """Merge an article that the page splits over sibling blocks of one kind (ads in between).

    The first pass keeps only the first block there; when the paragraphs of the whole family hold
    the extracted text and much more, they are the article.
    """
    family = _largest_paragraph_family(tree)
    if not family:
        return text
    family_words = [words(p) for p in family]
    if sum(len(w) for w in family_words) < _WIDEN_RATIO * len(words(text)):
        return text
    joined = "\n".join(family_words)
    extracted = [w for w in (words(line) for line in text.split("\n")) if len(w) >= 60]
    if not extracted or sum(w in joined for w in extracted) < 0.8 * len(extracted):
        return text
    return "\n".join(family)


def _largest_paragraph_family(tree: HtmlElement) -> list[str]:
    """Paragraphs grouped by the tag and class of their parent and grandparent; the wordiest group."""
    families: dict[tuple[str, ...], list[str]] = {}
    weights: dict[tuple[str, ...], int] = {}
    for p in tree.iter("p"):
        parent = p.getparent()
        grand = parent.getparent() if parent is not None else None
        if parent is None or grand is None or not (parent.get("class") or grand.get("class")):
            continue
        paragraph = " ".join(p.text_content().split())
        if not paragraph or _link_share(p, paragraph) > 0.5:
            continue
        key = (str(parent.tag), parent.get("class") or "", str(grand.tag), grand.get("class") or "")
        families.setdefault(key, []).append(paragraph)
        weights[key] = weights.get(key, 0) + (len(paragraph) if len(paragraph) >= 60 else 0)
    if not weights:
        return []
    best = max(weights, key=weights.__getitem__)
    return families[best]


def _link_texts(tree: HtmlElement) -> frozenset[str]:
    texts = (words(a.text_content()) for a in tree.iter("a"))
    return frozenset(t for t in texts if len(t) >= LINK_MIN_CHARS)


def _link_share(element: HtmlElement, text: str) -> float:
    linked = sum(len(a.text_content().strip()) for a in element.iter("a"))
    return linked / max(1, len(text))


# ------------------------------------------------------------------------ metadata


def _title_candidates(tree: HtmlElement, ld: list[dict[str, Any]]) -> list[str]:
    raw = [str(o["headline"]) for o in _ld_articles(ld) if o.get("headline")]
    raw += [v for v in (_meta(tree, "og:title"), _meta(tree, "twitter:title")) if v]
    raw += [h.text_content() for h in tree.xpath("//h1")[:3]]
    raw += [str(t) for t in tree.xpath("//head/title/text()")[:1]]
    cleaned = [" ".join(r.split()) for r in raw]
    return [c for c in cleaned if c]


def _title(candidates: list[str], site_name: str | None, url: str | None) -> str | None:
    host = urlsplit(url or "").netloc.lower()
    for candidate in candidates:
        title = _strip_site_suffix(candidate, site_name, host)
        if title and title != site_name:  # some sites put their own name in og:title
            return title
    return None


def _strip_site_suffix(title: str, site_name: str | None, host: str) -> str:
    """ "Headline - Site" → "Headline", when the tail is the site name or spells the host name."""
    for sep in (" | ", " - ", " – ", " — ", " :: "):
        head, _, tail = title.rpartition(sep)
        compact = "".join(tail.lower().split())
        if head and tail and (tail == site_name or (len(compact) > 2 and compact in host)):
            return head
    return title


def _ld_publisher(ld: list[dict[str, Any]]) -> str | None:
    for obj in _ld_articles(ld):
        publisher = obj.get("publisher")
        if isinstance(publisher, list) and publisher:
            publisher = publisher[0]
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            return str(publisher["name"]).strip() or None
    return None


def _published(tree: HtmlElement, ld: list[dict[str, Any]], url: str | None) -> date | None:
    candidates = [str(o["datePublished"]) for o in _ld_articles(ld) if o.get("datePublished")]
    for name in ("article:published_time", "og:published_time", "datePublished", "pubdate", "date"):
        candidates.append(_meta(tree, name) or "")
    candidates += [str(v) for v in tree.xpath("//time/@datetime")[:3]]
    for candidate in candidates:
        day = _iso_day(candidate)
        if day:
            return day
    # htmldate reads visible dates and URL patterns; the quick mode is enough once metadata failed.
    found = find_date(tree, extensive_search=False, original_date=True, url=url)
    return _iso_day(found) if found else None


def _iso_day(value: str) -> date | None:
    match = _ISO_DAY.search(value)
    if not match:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return day if 1995 <= day.year <= date.today().year + 1 else None


def _html_lang(tree: HtmlElement) -> str | None:
    primary = re.split(r"[-_]", str(tree.get("lang") or "").strip().lower())[0]
    return primary or None


def _canonical(tree: HtmlElement, url: str | None) -> str | None:
    hrefs = tree.xpath('//link[@rel="canonical"]/@href') + tree.xpath('//meta[@property="og:url"]/@content')
    for href in hrefs:
        resolved = urljoin(url or "", str(href).strip())
        parts = urlsplit(resolved)
        # A canonical pointing at the home page is a template default, not this article's address.
        if parts.scheme in ("http", "https") and parts.netloc and parts.path.strip("/"):
            return resolved
    return None
