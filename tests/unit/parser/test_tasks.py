"""The parser's batch task: articles go to the store one by one, pages with none as one event, and a page
whose parse fails leaves the batch alone (so it fails, and ends as a dead letter, by itself)."""

from __future__ import annotations

from services.bus import runtime
from services.bus.archive import FileArchive
from services.bus.messages import ArticleParsed, PagesRejected, ParsePage, ParsePages
from services.bus.routing import INGEST_ARTICLE, PARSE_PAGE, RECORD_REJECTIONS
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
    assert names == [INGEST_ARTICLE, RECORD_REJECTIONS, PARSE_PAGE]
    article, rejected, alone = (m for _, m in sent)
    assert isinstance(article, ArticleParsed) and article.relevant
    assert isinstance(rejected, PagesRejected)
    assert [(p.url, p.off_topic) for p in rejected.pages] == [
        ("https://a.example/sport-1", True),
        ("https://a.example/sport-2", True),
    ]
    assert isinstance(alone, ParsePage) and alone.url == "https://a.example/lost"
