"""Publication dates: from a hint, the page, or the URL, with their precision."""

from __future__ import annotations

from datetime import date

import pytest

from services.bus.messages import PageHints, ParsePage
from services.parser.model import Article
from services.parser.pipeline import parse_article
from services.parser.publication import date_in_url, publication

TODAY = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        ("2025-04-15", (date(2025, 4, 15), "day")),
        ("2025-04", (date(2025, 4, 1), "month")),
        ("2025-04-15T08:30:00Z", (date(2025, 4, 15), "day")),
    ],
)
def test_a_hint_wins_with_its_precision(hint: str, expected: tuple[date, str]) -> None:
    assert publication(hint, date(2020, 1, 1), "https://a.example/2019/01/02/x", today=TODAY) == expected


def test_an_unreadable_hint_is_passed_over() -> None:
    assert publication("le 3 mai", None, "https://a.example/2025/05/03/x", today=TODAY) == (
        date(2025, 5, 3),
        "day",
    )


def test_the_page_date_comes_before_the_url() -> None:
    assert publication(None, date(2024, 3, 5), "https://a.example/2019/01/02/x", today=TODAY) == (
        date(2024, 3, 5),
        "day",
    )


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.example/2025/04/15/une-convention", (date(2025, 4, 15), "day")),
        ("https://a.example/news/voir/12345-2025-10-23-08-32-54", (date(2025, 10, 23), "day")),
        ("https://a.example/2025/04/partenariat-strategique", (date(2025, 4, 1), "month")),
        ("https://a.example/journal/2020/un-partenariat/344311.html", (None, "day")),
        ("https://a.example/article/149639165-une-convention", (None, "day")),
        ("https://2025-04-15.example/x", (None, "day")),
        ("https://a.example/2099/01/02/x", (None, "day")),
    ],
)
def test_date_in_url(url: str, expected: tuple[date | None, str]) -> None:
    assert date_in_url(url, today=TODAY) == expected


TEXT = (
    "La Fondation Mohammed VI des Sciences et de la Santé (FM6SS) et l'Institut Pasteur du Maroc ont signé, "
    "mercredi à Rabat, une convention de partenariat pour la recherche sur les vaccins."
)


def _signed(url: str, published: str | None = None) -> tuple[date | None, str | None]:
    message = ParsePage(url=url, archive_key="-", content_kind="text", hints=PageHints(published=published))
    (agreement,) = parse_article(Article(text=TEXT), message).agreements
    return agreement.signed_on, agreement.signed_on_precision


def test_a_weekday_resolves_against_the_url_day() -> None:
    assert _signed("https://a.example/2025/06/13/convention") == (date(2025, 6, 11), "day")


def test_a_weekday_against_a_month_only_publication_is_inferred() -> None:
    assert _signed("https://a.example/convention", "2025-06") == (date(2025, 6, 30), "inferred")
