"""Crawled pages that name nothing of the family are dropped before extraction, recorded, and re-parsed
later; imported lines are always read in full (embedded mode, real SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from services.bus import runtime
from services.bus.archive import FileArchive
from services.bus.celery_app import publish
from services.bus.messages import ParsePage
from services.bus.routing import PARSE_PAGE
from services.bus.settings import Settings
from services.store.db.engine import migrate, transaction
from services.store.db.models import Article, Rejection
from services.store.db.unit_of_work import UnitOfWork
from services.store.operations.reparse import count_articles, reparse_commands
from tests.conftest import engine

SPORT = (
    "<html><body><header><a href='/'>Le Quotidien</a></header><article><h1>Le derby au Raja</h1>"
    + "<p>Le Raja s'est imposé trois buts à un face au Wydad dans un stade plein, dimanche soir.</p>" * 6
    + "</article></body></html>"
)
ROYAL = SPORT.replace("Le derby au Raja", "Message royal").replace(
    "Le Raja s'est imposé", "Sa Majesté le Roi Mohammed VI a félicité l'équipe qui s'est imposée"
)


@pytest.fixture
def crawl(env, db_url, tmp_path):
    env.setenv("FM6SS_DATABASE_URL", db_url)
    settings = Settings()
    app = runtime.configure(settings)
    migrate(settings.sqlalchemy_url)
    archive = FileArchive(settings.archive_dir)

    def parse(url: str, html: str, screen: bool = True) -> None:
        key = archive.put(html.encode())
        publish(app, PARSE_PAGE, ParsePage(url=url, archive_key=key, screen=screen))

    return parse


def rows(db_url: str, model):
    with transaction(engine(db_url)) as session:
        return list(session.exec(select(model)))


def test_an_off_topic_page_is_recorded_once_with_its_reason_and_no_article(crawl, db_url):
    crawl("https://quotidien.example.ma/sport/derby", SPORT)
    crawl("https://quotidien.example.ma/sport/derby", SPORT)
    crawl("https://quotidien.example.ma/royal/message", ROYAL)
    assert rows(db_url, Article) == []
    reasons = sorted((r.url, r.reason) for r in rows(db_url, Rejection))
    assert reasons == [
        (
            "https://quotidien.example.ma/royal/message",
            "off_topic: names neither FM6SS nor any of its institutions",
        ),
        (
            "https://quotidien.example.ma/sport/derby",
            "off_topic: names neither FM6SS nor any of its institutions",
        ),
    ]


def test_an_unscreened_page_becomes_an_irrelevant_article(crawl, db_url):
    crawl("https://quotidien.example.ma/sport/derby", SPORT, screen=False)
    (article,) = rows(db_url, Article)
    assert article.relevant is False and rows(db_url, Rejection) == []


def test_reparse_sends_off_topic_pages_again_screened_and_articles_unscreened(crawl, db_url):
    crawl("https://quotidien.example.ma/sport/derby", SPORT)
    crawl("https://quotidien.example.ma/sport/autre", SPORT.replace("trois", "deux"), screen=False)
    eng = engine(db_url)
    commands = list(reparse_commands(eng))
    assert count_articles(eng) == len(commands) == 2
    assert {(c.url, c.screen) for c in commands} == {
        ("https://quotidien.example.ma/sport/autre", False),
        ("https://quotidien.example.ma/sport/derby", True),
    }
    with transaction(eng) as session:
        uow = UnitOfWork(session)
        assert len(uow.pages.off_topic_since(None, 0, 10)) == 1
    for command in commands:  # the same parser decides the same: nothing new, nothing twice
        publish(runtime.app(), PARSE_PAGE, command)
    assert len(rows(db_url, Article)) == 1 and len(rows(db_url, Rejection)) == 1
