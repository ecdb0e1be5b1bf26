"""Parser, step 5 of the data flow: an archived page in, an `ArticleParsed` (or `PageRejected`) out.

Stateless: the body comes from the archive by key, the result goes back on the bus.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from charset_normalizer import from_bytes

from services.bus.archive import Archive
from services.bus.limits import LANG_CHARS, OUTLET_CHARS, TITLE_CHARS, URL_CHARS
from services.bus.messages import ArticleParsed, PageHints, PageRejected, ParsePage
from services.bus.urls import InvalidUrl, canonical_url
from services.parser import fingerprint
from services.parser.agreements import extract_agreements
from services.parser.article import extract_article
from services.parser.language import detect_language
from services.parser.model import Article
from services.parser.prefilter import may_concern_family
from services.parser.publication import parse_published, publication

PARSER_VERSION = "4"  # 2: the bus's one folding, text hashes change; 3: unknown partners' name-core keys;
# 4: format characters and Latin look-alikes folded away, long keys end with a hash
MIN_TEXT_CHARS = 80
OFF_TOPIC = "names neither FM6SS nor any of its institutions"
# Bounds against hostile pages (the largest of the benchmark's 181 real news pages has 3,229 "<" and
# the longest article 53k characters): extraction grows with the tags, agreement extraction faster
# than linearly with the mentions, so a page of 100,000 links or a 4 MB text would hold a worker for
# minutes. Past MAX_TAGS the page is refused; past MAX_TEXT_CHARS the text is cut at a line end.
MAX_TAGS = 100_000
MAX_TEXT_CHARS = 100_000
# What the store's columns hold (characters); a page's longer value, or one with a NUL (from JSON-LD's
# "\u0000"), would fail the transaction that stores the article.
MAX_URL_CHARS, MAX_TITLE_CHARS = URL_CHARS, TITLE_CHARS
MAX_OUTLET_CHARS, MAX_LANG_CHARS = OUTLET_CHARS, LANG_CHARS


def parse_page(message: ParsePage, archive: Archive) -> ArticleParsed | PageRejected:
    page = decode(archive.get(message.archive_key))
    if message.screen and not may_concern_family(page, message.hints.title):
        return PageRejected(
            url=message.url,
            archive_key=message.archive_key,
            run_id=message.run_id,
            reason=OFF_TOPIC,
            off_topic=True,
        )
    tags = page.count("<") if message.content_kind == "html" else 0
    if tags > MAX_TAGS:
        return PageRejected(
            url=message.url,
            archive_key=message.archive_key,
            run_id=message.run_id,
            reason=f"not an article page: {tags} tags (more than {MAX_TAGS})",
        )
    article = read_page(page, message.content_kind, message.url)
    if len(article.text.strip()) < MIN_TEXT_CHARS:
        return PageRejected(
            url=message.url,
            archive_key=message.archive_key,
            run_id=message.run_id,
            reason=f"no readable article text ({len(article.text.strip())} characters)",
        )
    return parse_article(bounded(article), message)


def bounded(article: Article, limit: int = MAX_TEXT_CHARS) -> Article:
    """The article as the store can keep it: its text cut to `limit` characters (at the last line end
    before it, if any), no NUL, a title and a site name cut to their columns, a language code or None."""
    text = article.text.replace("\x00", "")
    if len(text) > limit:
        cut = text[:limit]
        end = cut.rfind("\n")
        text = cut[:end] if end > 0 else cut
    lang = article.lang if article.lang and len(article.lang) <= MAX_LANG_CHARS else None
    return replace(
        article,
        text=text,
        title=_fit(article.title, MAX_TITLE_CHARS),
        site_name=_fit(article.site_name, MAX_OUTLET_CHARS),
        lang=lang,
    )


def _fit(value: str | None, limit: int) -> str | None:
    return value.replace("\x00", "")[:limit].strip() or None if value is not None else None


_WARM_UP = (
    "<html><head><title>Convention</title></head><body><article><p>Rabat, 15 mars 2024 - La Fondation "
    "Mohammed VI des Sciences et de la Santé (FM6SS) et l'Institut Pasteur du Maroc ont signé une "
    "convention de partenariat en présence du Pr. Amina Alaoui, directrice générale.</p></article>"
    "</body></html>"
)


def warm() -> None:
    """Load what the first page would otherwise load (catalogue, automata, language model, SciPy through
    datasketch: seconds), so a worker's first task is as fast as the others. Called before forking."""
    parse_article(
        read_page(_WARM_UP, "html", "https://warm.invalid/a"),
        ParsePage(url="https://warm.invalid/a", archive_key="-"),
    )
    may_concern_family(_WARM_UP)


def parse_article(article: Article, message: ParsePage) -> ArticleParsed:
    hints = message.hints
    published, precision = publication(hints.published, article.published, message.url)
    lang = hints.lang or article.lang or detect_language(article.text)
    title = hints.title or article.title
    extraction = extract_agreements(
        article.text, title=title, published=published, published_precision=precision, lang=lang
    )
    return ArticleParsed(
        url=message.url,
        canonical_url=_canonical(article.canonical_url, message.url),
        archive_key=message.archive_key,
        content_kind=message.content_kind,
        hints=message.hints,
        outlet=hints.outlet or article.site_name or _fit(_host(message.url), MAX_OUTLET_CHARS),
        title=title,
        published=published,
        lang=lang,
        text=article.text,
        text_hash=fingerprint.text_hash(article.text),
        minhash=fingerprint.minhash_signature(article.text),
        relevant=extraction.relevant,
        agreements=extraction.agreements,
        parser_version=PARSER_VERSION,
        run_id=message.run_id,
    )


def read_page(text: str, content_kind: str, url: str) -> Article:
    if content_kind == "text":
        return Article(text=text.strip())
    article: Article = extract_article(text, url)
    return article


def decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(body[:200_000]).best()
        return body.decode(best.encoding if best else "cp1252", errors="replace")


def _canonical(found: str | None, url: str) -> str:
    for candidate in (found, url):
        if candidate:
            try:
                key = canonical_url(candidate)
            except InvalidUrl:
                continue
            if len(key) <= MAX_URL_CHARS:
                return key
    return url


def _host(url: str) -> str | None:
    return urlsplit(url).hostname


__all__ = ["PARSER_VERSION", "PageHints", "parse_article", "parse_page", "parse_published"]
