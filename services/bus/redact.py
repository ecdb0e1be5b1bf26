"""What may be shown of a URL: every place that prints one (metrics, `fm6ss status`, logs, dead letters, the
API's error bodies) passes it through here first, so a login or a token a URL carries is never shown.

A URL keeps its scheme, host, port and path; its user and password become `***`, and each query value
`***` (the keys stay: they say what kind of URL it is). Pure: values in, values out.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
# A URL inside free text (an exception's message, a log line): up to a blank or a quote.
_URL_IN_TEXT = re.compile(r"""\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'"<>`]+""")
_QUERY_PAIR = re.compile(r"([^&;=]*)=[^&;]*")


def masked_url(url: str) -> str:
    """`url` with its userinfo and query values masked; what cannot be read as a URL is masked whole
    after its scheme (it could be anything)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        scheme = url.split("://", 1)[0] if "://" in url else ""
        return f"{scheme}://{MASK}" if scheme.isalnum() else MASK
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = _QUERY_PAIR.sub(lambda m: f"{m.group(1)}={MASK}", parts.query)
    if query and "=" not in query:  # a bare token (`?abc123`) is a value too
        query = MASK
    return urlunsplit(parts._replace(netloc=netloc, query=query, fragment=""))


def masked_text(text: str) -> str:
    """`text` with every URL in it masked (exception messages and log lines quote the URL they failed on)."""
    return _URL_IN_TEXT.sub(lambda m: masked_url(m.group(0)), text)


def masked(value: Any) -> Any:
    """A JSON-like value with every string in it masked as `masked_text` does (dead letters' payloads,
    the inputs an error body echoes)."""
    if isinstance(value, str):
        return masked_text(value)
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    return value


def origin(url: str) -> str:
    """Only where a URL points: scheme, host and port. For webhook URLs, whose path is often the secret
    itself (`/services/T0/B0/SECRET`)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    return f"{parts.scheme}://{host}{port}" if host else MASK


def url_digest(url: str, length: int = 10) -> str:
    """A short stable name for a URL that says nothing of it (the default name of a webhook)."""
    return hashlib.sha256(url.encode()).hexdigest()[:length]
