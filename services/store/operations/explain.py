"""Store, operations: `fm6ss explain` and `GET /articles/{id}/explain` — one article's path through the
parser and resolution, shown without storing anything.

The parser's result and relevance trace come in (the caller parsed the page); the resolution decision is
ingest's own (`attach.resolve`), asked inside the caller's transaction, which is rolled back.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from services.bus.explanation import RelevanceTrace
from services.bus.messages import AgreementCandidate, ArticleParsed, PageHints, PageRejected, ParsePage
from services.store.db.models import Article
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest.attach import resolve
from services.store.ingest.decision import Decision
from services.store.ingest.handler import _find_original as find_original
from services.store.ingest.resolution import party_key


class Party(BaseModel):
    key: str
    name: str
    acronym: str | None = None
    kind: str | None = None
    country: str | None = None
    family: bool = False


class Person(BaseModel):
    name: str
    role: str | None = None
    org_key: str | None = None
    signed: bool = False


class FieldSource(BaseModel):
    """A field's value and the sentence it came from."""

    field: str
    value: str
    sentence: str
    confidence: float


class ConsideredRecord(BaseModel):
    """A stored record the report was weighed against: resolution.py's verdicts, and why it was refused."""

    agreement_id: int
    party_set: str
    threshold: float
    date_score: float | None = None  # None: the dates rule the match out
    content_score: float | None = None
    score: float | None = None  # dates + content + 0.5
    chosen: bool
    reason: str
    compared: list[str] = []


class Resolution(BaseModel):
    agreement_id: int | None = None  # None: a new record
    how: str  # manual, previous, same_parties, nested_parties, new; or copy / not_a_party
    reason: str
    considered: list[ConsideredRecord] = []


class Candidate(BaseModel):
    """One signing the article reports, as the parser read it, and where resolution puts it."""

    party_set: str
    parties: list[Party]
    kind: str | None = None
    signed_on: date | None = None
    signed_on_precision: str | None = None  # day, month, year; no date: resolution uses the publication's
    place: str | None = None
    event: str | None = None
    themes: list[str] = []
    signatories: list[Person] = []
    people: list[Person] = []  # named, but not as signers
    recalled: bool = False
    sources: list[FieldSource] = []
    resolution: Resolution


class Stored(BaseModel):
    article_id: int
    relevant: bool
    duplicate_of: int | None = None
    feeds: list[int] = []  # the records it supports now


class ArticleExplanation(BaseModel):
    url: str
    title: str | None = None
    published: date | None = None
    lang: str | None = None
    rejected: str | None = None  # the parser's reason when the page could not be read
    relevance: RelevanceTrace
    stored: Stored | None = None
    candidates: list[Candidate] = []
    notes: list[str] = []


def command_of(article: Article) -> ParsePage:
    """How a stored article is parsed again: from its archived body, with the hints it came with."""
    return ParsePage(
        url=article.url,
        archive_key=article.archive_key,
        content_kind="text" if article.content_kind == "text" else "html",
        hints=PageHints.stored(article.hints or {}),
        screen=False,
    )


def explain(
    uow: UnitOfWork,
    parsed: ArticleParsed | PageRejected,
    trace: RelevanceTrace,
    article: Article | None = None,
) -> ArticleExplanation:
    """The explanation of one parsed page. `article`: the stored article it is (found by URL otherwise).
    Writes inside the caller's transaction (the article's reports are detached to be weighed again, as a
    re-parse would); the caller rolls it back."""
    if isinstance(parsed, PageRejected):
        return ArticleExplanation(url=parsed.url, rejected=parsed.reason, relevance=trace)
    stored, exact = uow.articles.with_original(parsed.canonical_url, parsed.text_hash)
    article = article or stored
    copy_of, _ = find_original(uow, parsed, article, exact)  # ingest's own look for an exact or near copy
    out = ArticleExplanation(
        url=parsed.url, title=parsed.title, published=parsed.published, lang=parsed.lang, relevance=trace
    )
    previous: frozenset[int] = frozenset()
    if article is not None and article.id is not None:
        feeds = uow.evidence.agreements_of(article.id)
        out.stored = Stored(
            article_id=article.id, relevant=article.relevant, duplicate_of=article.duplicate_of, feeds=feeds
        )
        previous = frozenset(uow.evidence.detach_article(article.id))
    reportable = [c for c in parsed.agreements if any(p.family for p in c.parties)]
    if len(parsed.agreements) > 1:
        out.notes.append("each candidate is weighed against the store as it is, not after the others")
    for c in parsed.agreements:
        if copy_of is not None:
            how = Resolution(
                agreement_id=None,
                how="copy",
                reason=f"a copy of article {copy_of.id}: it supports that article's records, creates none",
            )
        elif c not in reportable:
            how = Resolution(how="not_a_party", reason="no FM6SS entity is a party: not kept")
        else:
            article_id = article.id if article is not None and article.id is not None else 0
            decision = resolve(
                uow,
                c,
                article_id,
                parsed.published,
                previous,
                len(reportable) == 1,
                linked=article is not None,
                traced=True,
            )
            how = _resolution(decision)
        out.candidates.append(_candidate(c, how))
    return out


def _resolution(d: Decision) -> Resolution:
    considered = [
        ConsideredRecord(
            agreement_id=c.agreement_id,
            party_set=c.party_set,
            threshold=c.threshold,
            date_score=c.date_score,
            content_score=c.content_score,
            score=c.score,
            chosen=c.chosen,
            reason=c.reason,
            compared=list(c.shared),
        )
        for c in d.considered
    ]
    return Resolution(agreement_id=d.agreement_id, how=d.how, reason=d.reason, considered=considered)


def _candidate(c: AgreementCandidate, resolution: Resolution) -> Candidate:
    people = [Person(**p.model_dump()) for p in c.people]
    return Candidate(
        party_set=party_key(c),
        parties=[Party(**p.model_dump(exclude={"aliases"})) for p in c.parties],
        kind=c.kind,
        signed_on=c.signed_on,
        signed_on_precision=(c.signed_on_precision or "day") if c.signed_on else None,
        place=c.place,
        event=c.event,
        themes=list(c.themes),
        signatories=[p for p in people if p.signed],
        people=[p for p in people if not p.signed],
        recalled=c.recalled,
        sources=[FieldSource(**e.model_dump()) for e in c.evidence],
        resolution=resolution,
    )
