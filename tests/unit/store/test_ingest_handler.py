"""The ingest handler's shell against fakes: the locks it asks for, a redelivered report that changes
nothing, and what closing a report's page counts. Resolution itself runs on a real database in
tests/integration/test_ingest.py."""

from __future__ import annotations

from services.bus.messages import AgreementCandidate, ArticleParsed, OrgRef
from services.store.db.models import Article
from services.store.ingest.handler import IngestResult, ingest_article, lock_names, record_parsed
from tests.unit.store.fakes import FakeUnitOfWork

URL = "https://presse.example/convention"
FOUNDATION = OrgRef(key="fm6ss", name="Fondation Mohammed VI des Sciences et de la Santé", family=True)
UNIVERSITY = OrgRef(key="um6ss", name="Université Mohammed VI des Sciences et de la Santé", family=True)
LAB = OrgRef(key="labo-atlas", name="Laboratoires Atlas")
AGENCY = OrgRef(key="agence-sang", name="Agence marocaine du sang")


def report(*agreements: AgreementCandidate, text_hash: str = "h1", version: str = "1") -> ArticleParsed:
    return ArticleParsed(
        url=URL,
        canonical_url=URL,
        archive_key="a" * 64,
        text="La fondation a signé une convention.",
        text_hash=text_hash,
        relevant=bool(agreements),
        agreements=agreements,
        parser_version=version,
    )


class StoredArticles:
    """Only the lookup ingest makes first: the article under a URL, and an original with its text."""

    def __init__(self, *articles: Article) -> None:
        self.by_url = {a.canonical_url: a for a in articles}

    def with_original(self, canonical_url: str, text_hash: str) -> tuple[Article | None, None]:
        return self.by_url.get(canonical_url), None


class LockingUnitOfWork(FakeUnitOfWork):
    def __init__(self, *articles: Article) -> None:
        super().__init__()
        self.locks: list[set[str]] = []
        self.changes: list[tuple[str, int, str]] = []
        self.articles = StoredArticles(*articles)

    def lock_all(self, names: set[str]) -> None:
        self.locks.append(set(names))

    def record_change(self, entity: str, entity_id: int, action: str, *_: object) -> None:
        self.changes.append((entity, entity_id, action))


def test_a_report_locks_its_page_and_its_partners_but_not_the_family():
    """The family is a party of every agreement kept: its lock would make every report wait."""
    both = AgreementCandidate(parties=(FOUNDATION, UNIVERSITY, LAB, AGENCY))
    family_only = AgreementCandidate(parties=(FOUNDATION, UNIVERSITY))
    outside = AgreementCandidate(parties=(LAB, AGENCY))  # no family party: not kept, not locked
    assert lock_names(report(both, outside)) == {
        f"article:{URL}",
        "partner:agence-sang",
        "partner:labo-atlas",
    }
    assert lock_names(report(family_only)) == {f"article:{URL}", "partner:family"}


def test_a_redelivered_report_changes_nothing():
    stored = Article(
        id=7, url=URL, canonical_url=URL, text="", text_hash="h1", archive_key="", parser_version="1"
    )
    uow = LockingUnitOfWork(stored)
    result = ingest_article(uow, report(text_hash="h1", version="1"))
    assert (result.article_id, result.status, result.relevant) == (7, "unchanged", False)
    assert uow.locks == [{f"article:{URL}"}] and uow.changes == []


def test_closing_a_report_counts_what_it_gave():
    uow = FakeUnitOfWork()
    run = uow.runs.start("cli", {}, force=False)
    result = IngestResult(article_id=1, status="new", relevant=False)
    record_parsed(uow, report().model_copy(update={"run_id": run.id}), result)
    result = IngestResult(3, "updated", True, agreements_created=[4], agreements_updated=[5, 6])
    record_parsed(uow, report().model_copy(update={"run_id": run.id}), result)
    assert uow.runs.counts(run.id) == {
        "agreements_new": 1,
        "agreements_updated": 2,
        "articles_irrelevant": 1,
        "articles_new": 1,
        "articles_updated": 1,
    }
    assert uow.pages.finished == [URL, URL]
