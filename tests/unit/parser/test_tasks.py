"""The parser's batch task: articles go to the store as one event, pages with none as another, and a page
whose parse fails leaves the batch alone (so it fails, and ends as a dead letter, by itself)."""

from __future__ import annotations

from services.bus import runtime
from services.bus.archive import FileArchive
from services.bus.messages import ArticlesParsed, PagesRejected, ParsePage, ParsePages
from services.bus.routing import INGEST_ARTICLES, PARSE_PAGE, RECORD_REJECTIONS
from services.bus.settings import Settings
from services.parser import tasks

AGREEMENT = (
    "<html><body><article><h1>Convention</h1><p>La Fondation Mohammed VI des Sciences et de la Santé et "
    "l'Institut Pasteur du Maroc ont signé, mardi 12 mars 2024 à Rabat, une convention de partenariat "
    "pour développer la recherche sur les maladies infectieuses.</p></article></body></html>"
)
SPORT = (
    "<html><body><article><p>" + "Le Raja bat le Wydad trois buts à un dans le derby. " * 5 + "</p></article>"
)


def test_a_batch_splits_by_outcome(env, monkeypatch):
    runtime.configure(Settings())
    archive = FileArchive(runtime.settings().archive_dir)
    sent: list[tuple[str, object]] = []
    monkeypatch.setattr(tasks, "publish", lambda app, name, message, **kw: sent.append((name, message)))
    pages = (
        ParsePage(url="https://a.example/sport-1", archive_key=archive.put(SPORT.encode())),
        ParsePage(url="https://a.example/lost", archive_key="0" * 64 + ".html"),
        ParsePage(url="https://a.example/convention", archive_key=archive.put(AGREEMENT.encode())),
        ParsePage(
            url="https://a.example/sport-2", archive_key=archive.put(SPORT.replace("trois", "deux").encode())
        ),
    )
    tasks.parse_pages_task.apply(args=(ParsePages(pages=pages).model_dump(mode="json"),))
    names = [name for name, _ in sent]
    assert names == [INGEST_ARTICLES, RECORD_REJECTIONS, PARSE_PAGE]
    articles, rejected, alone = (m for _, m in sent)
    assert isinstance(articles, ArticlesParsed)
    assert [(a.url, a.relevant) for a in articles.articles] == [("https://a.example/convention", True)]
    assert isinstance(rejected, PagesRejected)
    assert [(p.url, p.off_topic) for p in rejected.pages] == [
        ("https://a.example/sport-1", True),
        ("https://a.example/sport-2", True),
    ]
    assert isinstance(alone, ParsePage) and alone.url == "https://a.example/lost"


def test_at_the_soft_time_limit_the_slow_page_goes_alone_and_the_rest_as_a_batch(env, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from services.bus.routing import PARSE_PAGES

    runtime.configure(Settings())
    archive = FileArchive(runtime.settings().archive_dir)
    sent: list[tuple[str, object]] = []
    monkeypatch.setattr(tasks, "publish", lambda app, name, message, **kw: sent.append((name, message)))

    def parse(message, archive):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(tasks, "parse_page", parse)
    pages = tuple(
        ParsePage(url=f"https://a.example/{i}", archive_key=archive.put(SPORT.encode())) for i in range(3)
    )
    tasks.parse_pages_task.apply(args=(ParsePages(pages=pages).model_dump(mode="json"),))
    (alone_name, alone), (again_name, again) = sent
    assert alone_name == PARSE_PAGE and alone.url == "https://a.example/0"
    assert again_name == PARSE_PAGES and [p.url for p in again.pages] == [
        "https://a.example/1",
        "https://a.example/2",
    ]


def test_a_warc_goes_to_the_parser_in_batches_and_resumes_after_its_time_limit(env, monkeypatch, tmp_path):
    from celery.exceptions import SoftTimeLimitExceeded

    from services.bus.messages import ImportWarc
    from services.bus.routing import IMPORT_WARC, PARSE_PAGES
    from tests.fixtures.warc_pages import LISTED_HOST, OFF_TOPIC_LISTED, SIGNINGS, write_warc

    env.setenv("FM6SS_BATCH_SIZE", "2")
    runtime.configure(Settings())
    sent: list[tuple[str, object]] = []
    monkeypatch.setattr(tasks, "publish", lambda app, name, message, **kw: sent.append((name, message)))
    command = ImportWarc(location=str(write_warc(tmp_path / "a.warc.gz")), hosts=(LISTED_HOST,))
    wanted = [SIGNINGS[0].url, SIGNINGS[1].url, SIGNINGS[2].url, OFF_TOPIC_LISTED.url]

    counts = tasks.import_warc_task.apply(args=(command.model_dump(mode="json"),)).get()
    assert counts["responses"] == 9 and counts["batches"] == 2
    batches = [m for name, m in sent if name == PARSE_PAGES]
    assert [[p.url for p in b.pages] for b in batches] == [wanted[:2], wanted[2:]]  # type: ignore[attr-defined]
    assert [p.screen for b in batches for p in b.pages] == [False, True, True, False]  # type: ignore[attr-defined]

    sent.clear()
    real = tasks._parse_command
    calls = iter(range(100))

    def slow(page, archive):  # the third page kept (the 4th response) is where the time runs out
        if next(calls) == 2:
            raise SoftTimeLimitExceeded()
        return real(page, archive)

    monkeypatch.setattr(tasks, "_parse_command", slow)
    counts = tasks.import_warc_task.apply(args=(command.model_dump(mode="json"),)).get()
    assert counts["resumed_at"] == 3
    (first, rest) = sent
    assert first[0] == PARSE_PAGES and [p.url for p in first[1].pages] == wanted[:2]  # type: ignore[attr-defined]
    assert rest == (IMPORT_WARC, command.model_copy(update={"skip": 3}))
    sent.clear()
    tasks.import_warc_task.apply(args=(rest[1].model_dump(mode="json"),)).get()
    assert [[p.url for p in m.pages] for _, m in sent] == [wanted[2:]]  # type: ignore[attr-defined]


def test_a_page_the_archive_cannot_give_now_leaves_the_batch_to_retry_after_a_backoff(env, monkeypatch):
    from services.bus.archive import ArchiveUnavailable, MemoryArchive

    class Flaky(MemoryArchive):
        def get(self, key: str) -> bytes:
            if key == down:
                raise ArchiveUnavailable("cannot read ab/cd/x.gz from s3://b at http://127.0.0.1:9")
            return super().get(key)

    runtime.configure(Settings(broker_url="redis://127.0.0.1:9/0"))  # deployed: never sent, see publish
    archive = Flaky()
    down = archive.put(AGREEMENT.encode())
    monkeypatch.setattr(tasks, "process_archive", lambda settings: archive)
    sent: list[tuple[str, object, object]] = []
    monkeypatch.setattr(
        tasks, "publish", lambda app, name, message, **kw: sent.append((name, message, kw.get("countdown")))
    )
    pages = (
        ParsePage(url="https://a.example/sport-1", archive_key=archive.put(SPORT.encode())),
        ParsePage(url="https://a.example/convention", archive_key=down),
    )
    tasks.parse_pages_task.apply(args=(ParsePages(pages=pages).model_dump(mode="json"),))
    assert [name for name, _, _ in sent] == [RECORD_REJECTIONS, PARSE_PAGE]
    _, later, countdown = sent[1]
    assert isinstance(later, ParsePage) and later.url == "https://a.example/convention"
    assert (
        isinstance(countdown, float)
        and tasks.ARCHIVE_RETRY_BASE_S / 2 <= countdown <= tasks.ARCHIVE_RETRY_BASE_S
    )
