"""Store, the crawl's configuration: the sources, as stored and as the API and the CLI show them."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from services.bus.messages import SourceSpec
from services.store.db.models import Source


def spec_of(source: Source) -> SourceSpec:
    return SourceSpec(
        name=source.name,
        kind=source.kind,
        url=source.url,
        interval_minutes=source.interval_minutes,
        enabled=source.enabled,
        link_pattern=source.link_pattern,
        outlet=source.outlet,
        lang=source.lang,
        delay_s=source.delay_s,
        max_concurrency=source.max_concurrency,
    )


def public_spec(source: Source) -> SourceSpec:
    """A source as anyone reading the API sees it: the user and password a URL may carry (a paid feed's
    login) replaced by `***`. Operators' own answers and the CLI show the URL as stored."""
    spec = spec_of(source)
    parts = urlsplit(spec.url)
    if "@" not in parts.netloc:
        return spec
    host = parts.netloc.rsplit("@", 1)[1]
    return spec.model_copy(update={"url": urlunsplit(parts._replace(netloc=f"***@{host}"))})
