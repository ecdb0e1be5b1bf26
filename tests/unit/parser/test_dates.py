"""Signing dates: explicit, weekday, event ranges, Arabic and English months, inferred, none."""

from __future__ import annotations

from datetime import date

import pytest

from services.parser.dates import find_signing_date


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("La convention a été signée le 15 mars 2024 à Rabat.", date(2024, 3, 15)),
        ("Elle a été paraphée mardi 20 janvier 2026.", date(2026, 1, 20)),
        ("Accord conclu le 1er février 2025.", date(2025, 2, 1)),
        ("The agreement was signed on March 4, 2025.", date(2025, 3, 4)),
        ("The MoU was signed on 7 October 2024 in Rabat.", date(2024, 10, 7)),
        ("وقعت الاتفاقية يوم 12 شتنبر 2024 بالرباط.", date(2024, 9, 12)),
        ("وقعت الاتفاقية في 3 يوليوز 2023.", date(2023, 7, 3)),
        ("وقعت الاتفاقية في 5 دجنبر 2022.", date(2022, 12, 5)),
        ("تم توقيع المذكرة في 9 غشت 2021.", date(2021, 8, 9)),
        ("وقعت الاتفاقية في 14 كانون الثاني 2025.", date(2025, 1, 14)),
        ("وقعت الاتفاقية في 2 تشرين الأول 2024.", date(2024, 10, 2)),
        ("وقعت الاتفاقية في 18 آذار 2024.", date(2024, 3, 18)),
        ("La convention signée le 03/06/2025.", date(2025, 6, 3)),
    ],
)
def test_explicit_day(sentence: str, expected: date) -> None:
    found = find_signing_date([sentence], [sentence], None)
    assert found is not None
    assert (found.value, found.precision) == (expected, "day")


def test_day_month_takes_the_publication_year() -> None:
    found = find_signing_date(["Signée le 15 mars."], [], date(2024, 3, 18))
    assert found is not None and found.value == date(2024, 3, 15)


def test_day_month_after_publication_is_last_year() -> None:
    found = find_signing_date(["Signée le 28 décembre."], [], date(2025, 1, 4))
    assert found is not None and found.value == date(2024, 12, 28)


def test_day_month_takes_a_year_the_text_gives() -> None:
    found = find_signing_date(["Signée le 2 mai."], ["Le forum 2023 a réuni les acteurs."], None)
    assert found is not None and found.value == date(2023, 5, 2)


def test_weekday_is_the_last_one_on_or_before_publication() -> None:
    found = find_signing_date(["La convention a été signée vendredi."], [], date(2025, 6, 10))  # a Tuesday
    assert found is not None
    assert (found.value, found.precision) == (date(2025, 6, 6), "day")


def test_weekday_on_the_publication_day() -> None:
    found = find_signing_date(["وقعت يوم الثلاثاء اتفاقية"], [], date(2025, 6, 10))
    assert found is not None and found.value == date(2025, 6, 10)


def test_weekday_inside_an_event_range_the_text_pins() -> None:
    article = ["Organisé du 5 au 8 novembre, le Forum Santé 2024 a réuni 800 participants."]
    found = find_signing_date(["Signé jeudi en marge du Forum Santé 2024."], article, None)
    assert found is not None and found.value == date(2024, 11, 7)


def test_month_and_year_precisions() -> None:
    month = find_signing_date(["Un accord signé en avril 2023."], [], None)
    year = find_signing_date(["Une convention signée en 2019."], [], None)
    assert month is not None and (month.value, month.precision) == (date(2023, 4, 1), "month")
    assert year is not None and (year.value, year.precision) == (date(2019, 1, 1), "year")


def test_yesterday() -> None:
    found = find_signing_date(["La FM6SS a signé hier une convention."], [], date(2025, 2, 11))
    assert found is not None and found.value == date(2025, 2, 10)


def test_inferred_from_publication() -> None:
    found = find_signing_date(["La FM6SS a signé une convention."], [], date(2025, 2, 11))
    assert found is not None and (found.value, found.precision) == (date(2025, 2, 11), "inferred")


def test_nothing_to_go_on_gives_none() -> None:
    assert find_signing_date(["La FM6SS a signé une convention vendredi."], [], None) is None


def test_dates_after_publication_are_not_signing_dates() -> None:
    found = find_signing_date(["Une convention valable jusqu'au 31 décembre 2027."], [], date(2025, 2, 11))
    assert found is not None and found.precision == "inferred"


def test_a_dateline_date_is_the_report_not_the_signing() -> None:
    sentence = "Casablanca, 14 mai (MAP) - La FM6SS et Sanofi ont signé, mardi à Casablanca, un mémorandum."
    found = find_signing_date([sentence], [sentence], date(2025, 5, 14))  # a Wednesday
    assert found is not None and found.value == date(2025, 5, 13)


def test_a_weekday_elsewhere_in_the_sentence_does_not_move_the_year() -> None:
    found = find_signing_date(["Signé le 14 mai, le texte a été présenté mardi."], [], date(2025, 5, 20))
    assert found is not None and found.value == date(2025, 5, 14)
