"""WARC archives as an input: the HTML pages of a web archive that could concern the family.

A month of Common Crawl's CC-NEWS is a few thousand files of about 1 GB, each some 50,000 HTTP
responses of which a handful name the family. Each file is read as a stream (never whole in memory) by
warcio, from any file object, a network stream included (it never seeks). FastWARC reads records about
three times faster, but the import spends over nine tenths of its time in the family prefilter, so both
import at the same rate (bench/warc.py, bench/RESULTS.md); and FastWARC 2.0 aborted with a Rust panic
on a stream that cannot seek. A response is kept when it is an HTML 200 whose host is one the operator
listed (every page of those outlets is kept, as an import keeps every line) or whose page passes the
family prefilter (the parser's own first look, so a page dropped here is one the parser would drop).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from pydantic import TypeAdapter, ValidationError
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from services.bus.limits import WebUrl
from services.parser.pipeline import decode
from services.parser.prefilter import may_concern_family

HTML_TYPES = ("text/html", "application/xhtml+xml")
# A larger page is no article (the crawler refuses pages over 5 MiB too); its rest is not read.
MAX_PAGE_BYTES = 5 * 1024 * 1024
_URL: TypeAdapter[str] = TypeAdapter(WebUrl)


class NotWarc(ValueError):
    """The stream is not a WARC file, or one cut short: says where it stopped making sense."""


@dataclass(frozen=True)
class WarcPage:
    url: str
    body: bytes
    fetched_at: datetime | None
    host_listed: bool  # kept for its host: the parser keeps it even if it names nothing of the family


def host_set(hosts: Iterable[str]) -> frozenset[str]:
    """Hosts as the operator wrote them (`www.` and a scheme allowed), lower-cased and bare."""
    out = set()
    for host in hosts:
        bare = host.strip().lower().split("://", 1)[-1].split("/", 1)[0].removeprefix("www.")
        if bare:
            out.add(bare)
    return frozenset(out)


def listed(host: str, hosts: frozenset[str]) -> bool:
    """The host or one of its parent domains is listed: `hespress.com` covers `fr.hespress.com`."""
    parts = host.lower().removeprefix("www.").split(".")
    return any(".".join(parts[i:]) in hosts for i in range(len(parts) - 1))


def html_pages(
    stream: BinaryIO, hosts: frozenset[str], counts: Counter[str], skip: int = 0
) -> Iterator[WarcPage]:
    """The pages to parse, read as the stream goes; `counts` says what became of every response. The
    first `skip` responses are passed over unread (an earlier task handled them). `counts["responses"]`
    is the number of responses handled when a page is given (so, once it is dealt with, where to resume)."""
    seen = 0
    try:
        for number, record in enumerate(ArchiveIterator(stream, arc2warc=False), 1):
            if record.format != "warc":
                raise NotWarc(f"not a WARC file: record {number} reads as {record.format.upper()}")
            if record.rec_type != "response":
                continue
            seen += 1
            if seen <= skip:
                continue
            counts["responses"] = seen
            page = _page(record, hosts, counts)
            if page is not None:
                counts["kept_for_host" if page.host_listed else "kept_by_prefilter"] += 1
                yield page
    except ArchiveLoadFailed as exc:
        raise NotWarc(f"not a WARC file: {exc.msg}"[:300]) from None


def _page(record: Any, hosts: frozenset[str], counts: Counter[str]) -> WarcPage | None:
    http = record.http_headers
    if http is None or http.get_statuscode() != "200":
        counts["skipped_status"] += 1
        return None
    if not (http.get_header("Content-Type") or "").lower().startswith(HTML_TYPES):
        counts["skipped_not_html"] += 1
        return None
    try:
        url = _URL.validate_python(record.rec_headers.get_header("WARC-Target-URI") or "")
    except ValidationError:
        counts["skipped_bad_url"] += 1
        return None
    try:  # chunked transfer and gzip/deflate/br content undone, as a browser would see the page
        body = record.content_stream().read(MAX_PAGE_BYTES + 1)
    except Exception:  # a body its own headers misdescribe (bad gzip, say): that record only
        counts["skipped_unreadable"] += 1
        return None
    if len(body) > MAX_PAGE_BYTES:
        counts["skipped_too_large"] += 1
        return None
    if getattr(record.raw_stream, "limit", 0) > 0:  # bytes its header announced that never came
        raise NotWarc(f"the file ends inside the record of {url}: cut short (a download that broke off?)")
    host = url.split("://", 1)[1].split("/", 1)[0].split("@")[-1].split(":", 1)[0]
    when = _date(record.rec_headers.get_header("WARC-Date"))
    if listed(host, hosts):
        return WarcPage(url, body, when, host_listed=True)
    if may_concern_family(decode(body)):
        return WarcPage(url, body, when, host_listed=False)
    counts["skipped_off_topic"] += 1
    return None


def _date(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
