"""Store, ingest: one parsed article in, in one transaction: article dedup, then agreement resolution.

Idempotent: the same message twice changes nothing. Called by the store's Celery task and by reparse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from services.bus.messages import AgreementCandidate, ArticleParsed
from services.store.db.models import Article
from services.store.db.unit_of_work import UnitOfWork
from services.store.ingest import dedup
from services.store.ingest.attach import attach_candidate, attach_copy, partner_locks, readings_of
from services.store.ingest.refresh import refresh_agreement
from services.store.ingest.resolution import party_key, tells_another_signing
from services.store.ingest.signing import signing_of_candidate
from services.store.records.presenters import article_out

Status = Literal["new", "unchanged", "updated", "duplicate", "near_duplicate"]


@dataclass
class IngestResult:
    article_id: int
    status: Status
    relevant: bool
    agreements_created: list[int] = field(default_factory=list)
    agreements_updated: list[int] = field(default_factory=list)


def ingest_article(uow: UnitOfWork, event: ArticleParsed) -> IngestResult:
    uow.lock_all(lock_names(event))
    existing, same_text = uow.articles.with_original(event.canonical_url, event.text_hash)
    if existing is not None and _unchanged(existing, event):
        assert existing.id is not None
        return IngestResult(existing.id, "unchanged", existing.relevant)
    touched: set[int] = set()
    if existing is not None:
        assert existing.id is not None
        touched.update(uow.evidence.detach_article(existing.id))
    previous = frozenset(touched)
    original, status = _find_original(uow, event, existing, same_text)
    article = _save_article(uow, event, existing, original)
    assert article.id is not None
    created: set[int] = set()
    if original is not None:
        assert original.id is not None
        touched.update(attach_copy(uow, original.id, article, tuple(_reportable(event.agreements))))
    elif event.relevant:
        reportable = _reportable(event.agreements)
        for candidate in reportable:
            agreement_id, is_new = attach_candidate(
                uow, candidate, article, previous, len(reportable) == 1, linked=existing is not None
            )
            touched.add(agreement_id)
            if is_new:
                created.add(agreement_id)
        # A record this article created may have been joined to an older one by its next candidate.
        created = {a for a in created if a in uow.created}
    updated = [a for a in sorted(touched) if refresh_agreement(uow, a, created=a in created)]
    action = "created" if existing is None else "updated"
    uow.record_change("article", article.id, action, None, article_out(uow, article).model_dump(mode="json"))
    final: Status = status if existing is None or status != "new" else "updated"
    return IngestResult(
        article.id, final, article.relevant, sorted(created), [a for a in updated if a not in created]
    )


def lock_names(event: ArticleParsed) -> set[str]:
    """The locks storing this report takes: its page's, and the partners' of each agreement it may
    attach (taken at the start, with the page's, in one ordered request)."""
    names = {f"article:{event.canonical_url}"}
    for candidate in _reportable(event.agreements):
        names |= partner_locks(candidate)
    return names


def _unchanged(article: Article, event: ArticleParsed) -> bool:
    return article.text_hash == event.text_hash and article.parser_version == event.parser_version


def _reportable(candidates: tuple[AgreementCandidate, ...]) -> list[AgreementCandidate]:
    """Only agreements FM6SS's family is a party to are kept."""
    return [c for c in candidates if any(p.family for p in c.parties)]


def _find_original(
    uow: UnitOfWork, event: ArticleParsed, existing: Article | None, exact: Article | None
) -> tuple[Article | None, Status]:
    """Exact copy first (`exact`: an original with the same normalized-text hash), then a near copy
    through the MinHash bands."""
    if exact is not None:
        return exact, "duplicate"
    exclude = existing.id if existing is not None else None
    signature = event.minhash
    best: tuple[float, int] | None = None
    for candidate_id, packed in uow.articles.band_candidates(dedup.bands(signature), exclude):
        similarity = dedup.jaccard_estimate(signature, dedup.unpack(packed))
        if similarity >= dedup.NEAR_DUPLICATE_JACCARD and (best is None or similarity > best[0]):
            best = (similarity, candidate_id)
    if best is None:
        return None, "new"
    original = uow.articles.get(best[1])
    assert original is not None and original.id is not None
    readings = [
        (party_key(c), signing_of_candidate(c, event.published))
        for c in _reportable(event.agreements)
        if not c.recalled
    ]
    if tells_another_signing(readings, readings_of(uow, original.id)):
        return None, "new"  # one template, another signing: an article of its own
    return original, "near_duplicate"


def _save_article(
    uow: UnitOfWork, event: ArticleParsed, existing: Article | None, original: Article | None
) -> Article:
    article = existing or Article(
        url=event.url,
        canonical_url=event.canonical_url,
        text="",
        text_hash="",
        archive_key="",
        parser_version="",
    )
    article.url = event.url
    article.outlet = event.outlet
    article.title = event.title
    article.published = event.published
    article.lang = event.lang
    article.text = event.text
    article.text_hash = event.text_hash
    article.minhash = dedup.pack(event.minhash) if event.minhash else None
    article.archive_key = event.archive_key
    article.content_kind = event.content_kind
    article.hints = event.hints.model_dump(exclude_none=True)
    article.parser_version = event.parser_version
    article.duplicate_of = original.id if original is not None else None
    article.relevant = original.relevant if original is not None else event.relevant
    uow.articles.save(article)
    assert article.id is not None
    bands = dedup.bands(event.minhash) if original is None else []
    uow.articles.replace_bands(article.id, bands, new=existing is None)
    return article


def record_parsed(uow: UnitOfWork, event: ArticleParsed, result: IngestResult) -> None:
    """Close the page's cycle and count what the article gave."""
    uow.pages.finish([event.url])
    uow.count(event.run_id, f"articles_{result.status}")
    if result.status in ("new", "updated") and not result.relevant:
        uow.count(event.run_id, "articles_irrelevant")
    uow.count(event.run_id, "agreements_new", len(result.agreements_created))
    uow.count(event.run_id, "agreements_updated", len(result.agreements_updated))
