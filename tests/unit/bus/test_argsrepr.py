"""What worker logs and monitors show of a message: its short fields, never a whole report."""

from __future__ import annotations

from services.bus.celery_app import argsrepr
from services.bus.messages import ArticleParsed, PageRejected, PagesRejected


def test_a_report_shows_its_short_fields_and_not_its_text():
    text = "وقعت مؤسسة محمد السادس للعلوم والصحة اتفاقية شراكة مع جامعة محمد الخامس بالرباط. " * 20
    report = ArticleParsed(
        url="https://presse.example/fm6ss-convention",
        canonical_url="https://presse.example/fm6ss-convention",
        title="FM6SS : une convention avec l'Université Mohammed V",
        text=text,
        archive_key="1" * 64,
        text_hash="0" * 64,
        minhash=tuple(range(128)),
        parser_version="test",
        lang="ar",
        run_id=7,
    )
    shown = argsrepr(report.model_dump(mode="json"))
    assert "'url': 'https://presse.example/fm6ss-convention'" in shown
    assert "'run_id': 7" in shown and "'lang': 'ar'" in shown and "'minhash': '<128 items>'" in shown
    assert "اتفاقية" not in shown and len(shown) < 1000


def test_a_batch_shows_how_many_it_carries():
    pages = tuple(PageRejected(url=f"https://sport.example/{i}", reason="names nothing") for i in range(20))
    shown = argsrepr(PagesRejected(pages=pages).model_dump(mode="json"))
    assert shown == "({'schema_version': 1, 'pages': '<20 items>'},)"
