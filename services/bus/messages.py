"""Messages that travel between services: commands are imperative, events past tense.

Every message is a frozen pydantic model with a schema version; tasks receive them as JSON dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.bus.limits import (
    URL_CHARS,
    Count,
    FetchableUrl,
    Lang,
    LinkPattern,
    Outlet,
    Published,
    SourceName,
    Title,
    WebUrl,
    no_nul,
)

SCHEMA_VERSION = 1

Precision = Literal["day", "month", "year", "inferred"]
# The instruments the parser tells apart (services/parser/kinds.py), most specific first.
Kind = Literal["protocole", "memorandum", "convention-cadre", "accord", "convention", "partenariat"]
KINDS: tuple[str, ...] = get_args(Kind)


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    schema_version: int = SCHEMA_VERSION


class PageHints(BaseModel):
    """What is known about a page before parsing it: from an import line or a feed entry. Each value
    fits its article column: a hint wins over what the page says, so it is stored as given."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    title: Title | None = None
    published: Published | None = None  # "YYYY-MM-DD", "YYYY-MM" or an ISO datetime
    outlet: Outlet | None = None
    lang: Lang | None = None

    @classmethod
    def stored(cls, values: Mapping[str, Any]) -> PageHints:
        """Hints read back from the store: one kept before these checks existed that does not pass them
        is left out (the page's own value is used), rather than failing the page."""
        kept = {}
        for name in cls.model_fields:
            if values.get(name) is not None:
                try:
                    cls.model_validate({name: values[name]})
                except ValidationError:
                    continue
                kept[name] = values[name]
        return cls.model_validate(kept)


class ParsePage(Message):
    """Command to the parser: read the archived body at `archive_key` as the page at `url`."""

    url: WebUrl
    archive_key: str
    content_kind: Literal["html", "text"] = "html"
    hints: PageHints = PageHints()
    fetched_at: datetime | None = None
    run_id: int | None = None
    # Drop a page that names nothing of the family before extraction (crawled pages). Imports and
    # the re-parse of stored articles keep every page: each must give its article record.
    screen: bool = True


# FM6SS's own key in the organization catalogue: the parser tells the foundation from its other
# entities by it.
FOUNDATION_KEY = "fm6ss"
# How an agreement's party key writes FM6SS's family (the foundation and every entity with
# `OrgRef.family`) as one party. Stored in `agreement.party_set`: changing it needs a migration.
FAMILY_PARTY = "family"
# Length of an article's MinHash signature (`ArticleParsed.minhash`): the parser computes this many
# permutations, the store cuts exactly this many into its LSH bands.
MINHASH_PERMUTATIONS = 64


class OrgRef(BaseModel):
    """An organization as the parser normalized it; `key` is stable across spellings and languages."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    key: str
    name: str
    acronym: str | None = None
    aliases: tuple[str, ...] = ()
    kind: str | None = None
    country: str | None = None
    family: bool = False  # one of FM6SS's own entities


class PersonRole(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    role: str | None = None
    org_key: str | None = None
    signed: bool = False


class Evidence(BaseModel):
    """Where a field value came from: the sentence and how sure the parser is."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    field: str
    value: str
    sentence: str
    confidence: float = Field(ge=0.0, le=1.0)


class AgreementCandidate(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    parties: tuple[OrgRef, ...]
    kind: str | None = None
    signed_on: date | None = None
    signed_on_precision: Precision | None = None
    place: str | None = None
    event: str | None = None
    themes: tuple[str, ...] = ()
    people: tuple[PersonRole, ...] = ()
    recalled: bool = False  # the article only recalls an earlier signing
    evidence: tuple[Evidence, ...] = ()


class ArticleParsed(Message):
    """Event from the parser to the store: one article, its fingerprints and its agreements."""

    url: WebUrl
    canonical_url: Annotated[str, Field(max_length=URL_CHARS), AfterValidator(no_nul)]
    archive_key: str
    content_kind: Literal["html", "text"] = "html"
    hints: PageHints = PageHints()  # as given with the page; kept so a re-parse reads it the same way
    outlet: Outlet | None = None
    title: Title | None = None
    published: date | None = None
    lang: Lang | None = None
    text: Annotated[str, AfterValidator(no_nul)]
    text_hash: str
    minhash: tuple[int, ...] = ()
    relevant: bool = False
    agreements: tuple[AgreementCandidate, ...] = ()
    parser_version: str
    run_id: int | None = None


class ScheduleSources(Message):
    """Command to the store (from beat): start a run over the sources whose interval has passed."""


class SweepStalled(Message):
    """Command to the store (from beat): re-issue pages recorded as queued or parsing for too long."""


class RelayChanges(Message):
    """Command to the store: push new change-feed rows to the Redis stream and the webhooks."""


class TaskFailed(Message):
    """Event to the store: a task failed for good (tries spent); kept as a dead letter to retry by hand."""

    task: str
    payload: dict[str, Any]
    error: str
    retries: int = 0


class PageRejected(Message):
    """Event: a page could not be read (empty, binary, undecodable), or names nothing of the family
    (`off_topic`, decided before extraction); recorded once with its reason."""

    url: str
    archive_key: str | None = None
    reason: str
    off_topic: bool = False
    run_id: int | None = None


# -- crawling -------------------------------------------------------------------------------------------
SourceKind = Literal["rss", "atom", "sitemap", "news_sitemap", "listing", "gdelt"]


class SourceSpec(BaseModel):
    """One configured source: where to discover article URLs and how politely to fetch them."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)
    kind: SourceKind
    url: str
    interval_minutes: int = Field(default=60, ge=1)
    enabled: bool = True
    link_pattern: str | None = None  # listing pages: a regex the article links must match
    outlet: str | None = None
    lang: str | None = None
    delay_s: float | None = Field(default=None, ge=0)  # overrides the per-host delay
    max_concurrency: int | None = Field(default=None, ge=1)


class SourceInput(SourceSpec):
    """A source as an operator gives it (`fm6ss sources add`, `PUT /sources/{name}`, the sources file):
    each value within what the store holds, a URL the crawler can fetch, a link pattern that compiles."""

    name: SourceName
    url: FetchableUrl
    interval_minutes: Count = 60
    link_pattern: LinkPattern | None = None
    outlet: Outlet | None = None
    lang: Lang | None = None
    max_concurrency: Count | None = None

    @model_validator(mode="after")
    def _listing_has_pattern(self) -> SourceInput:
        if self.kind == "listing" and not self.link_pattern:
            raise ValueError("a listing source needs a link_pattern for its article links")
        if self.kind == "gdelt" and "query=" not in self.url.split("?", 1)[-1]:
            raise ValueError("a gdelt source's URL needs a query= (the GDELT DOC API search)")
        return self


class DiscoverSource(Message):
    """Command to the crawler: read this source and report the article URLs it lists."""

    source: SourceSpec
    run_id: int | None = None
    since: date | None = None  # a backfill: walk the source's history back to this day


class DiscoveredUrl(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    url: str  # canonical
    found_as: str  # as the source wrote it
    hints: PageHints = PageHints()


class Unresolved(BaseModel):
    """A news-search item whose publisher's URL could not be found: recorded once with its reason, never
    fetched (the aggregator's page is not the article)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    url: str  # the item's link, as the aggregator wrote it
    reason: str


class UrlsDiscovered(Message):
    """Event from the crawler to the store: the URLs a source lists now (or why it could not be read)."""

    source: str
    run_id: int | None = None
    urls: tuple[DiscoveredUrl, ...] = ()
    error: str | None = None
    unresolved: tuple[Unresolved, ...] = ()
    set_aside: int = 0  # news-search items left now: title off the family, or the aggregator throttling


class FetchPage(Message):
    """Command from the store to the crawler: fetch this URL, conditionally when validators are known."""

    url: str
    source: str | None = None
    run_id: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    hints: PageHints = PageHints()


class PageFetched(Message):
    """Event from the crawler to the store: the body is in the archive, or the page did not change."""

    url: str
    final_url: str
    status: int
    archive_key: str | None = None  # None on 304 Not Modified
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    source: str | None = None
    run_id: int | None = None
    hints: PageHints = PageHints()


class FetchFailed(Message):
    """Event from the crawler to the store: the fetch failed for good (or ran out of retries)."""

    url: str
    reason: str  # a short code: http_404, robots_disallowed, too_large, not_html, timeout, ssrf_blocked...
    detail: str = ""
    status: int | None = None
    transient: bool = False
    source: str | None = None
    run_id: int | None = None


# -- batches: many small pages in one task, so that the bus costs a fraction of a task a page ---------------
BATCH_MAX = 100


class FetchPages(Message):
    """Command from the store to the crawler: fetch these pages, all of one host, one after the other."""

    pages: tuple[FetchPage, ...] = Field(min_length=1, max_length=BATCH_MAX)


class PagesFetched(Message):
    """Event from the crawler to the store: what came of the pages of one `FetchPages`."""

    fetched: tuple[PageFetched, ...] = ()
    failed: tuple[FetchFailed, ...] = ()


class ParsePages(Message):
    """Command from the store to the parser: parse these archived pages."""

    pages: tuple[ParsePage, ...] = Field(min_length=1, max_length=BATCH_MAX)


class ArticlesParsed(Message):
    """Event from the parser to the store: the articles of one `ParsePages`, each stored in a transaction
    of its own."""

    articles: tuple[ArticleParsed, ...] = Field(min_length=1, max_length=BATCH_MAX)


class PagesRejected(Message):
    """Event from the parser to the store: the pages of one `ParsePages` that gave no article."""

    pages: tuple[PageRejected, ...] = Field(min_length=1, max_length=BATCH_MAX)


# -- archives -------------------------------------------------------------------------------------------


# A WARC of CC-NEWS (1 GB) takes minutes (bench/RESULTS.md: about 6 at 3 MB/s), past the 300 s every
# other task gets; after its soft limit, the file's rest goes back on the queue as a task of its own. The
# hard limit must stay under the broker's visibility timeout (3,600 s by default), or a file still being
# read would be handed to a second worker meanwhile: `fm6ss import --warc` refuses to send otherwise.
WARC_SOFT_LIMIT_S = 3000
WARC_LIMIT_S = 3300


class ImportWarc(Message):
    """Command to the parser: read one WARC file (a path every worker sees, or an http(s) URL) and send
    its HTML pages that concern the family, or come from `hosts`, down the parse path. `skip` responses
    were handled already by an earlier task on this file (one cut short by its time limit)."""

    location: Annotated[str, Field(min_length=1, max_length=URL_CHARS), AfterValidator(no_nul)]
    hosts: tuple[str, ...] = ()
    skip: int = Field(default=0, ge=0)
