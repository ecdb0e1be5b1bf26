"""URL canonicalization shared by the crawler (before fetching) and the parser (rel=canonical, og:url).

The first level of dedup: one page behind several URLs gets one key.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

_TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|yclid|igshid|_ga|_gl|ref|ref_src|"
    r"cmpid|xtor|at_medium|at_campaign|share|amp)$",
    re.IGNORECASE,
)
_AMP_PATH = re.compile(r"(/amp/?$|/amp(?=/)|\.amp(?=\.html?$)|\.amp$)", re.IGNORECASE)


class InvalidUrl(ValueError):
    """Not a URL the crawler can fetch; `reason` says why without repeating the URL (it may carry a login)."""

    def __init__(self, reason: str, url: str) -> None:
        super().__init__(f"{reason}: {url!r}")
        self.reason = reason


@lru_cache(maxsize=8192)  # pure, and each step of a page's journey asks it of the same URL again
def canonical_url(url: str) -> str:
    """Lower-case host without "www.", no fragment, no tracking parameters, no AMP variant, sorted query."""
    url = url.strip()
    try:
        url = safe_url_string(url)  # as a browser reads it: backslashes are slashes, unsafe bytes escaped
        parts = urlsplit(url)
        port = parts.port  # raises on a port that is not a number in range
    except ValueError as exc:  # e.g. "Invalid IPv6 URL"
        raise InvalidUrl(f"not a valid URL ({exc})", url) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidUrl("not an http(s) URL", url)
    host = parts.hostname.lower().removeprefix("www.").removeprefix("amp.")
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)]
    )
    path = _AMP_PATH.sub("", parts.path) or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    rebuilt = urlunsplit(("https" if parts.scheme == "https" else "http", host, path, query, ""))
    return canonicalize_url(rebuilt, keep_fragments=False)
