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
        ("The MoU was signed on the 9th of October 2024.", date(2024, 10, 9)),
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


TUESDAY = date(2025, 6, 10)


@pytest.mark.parametrize(
    ("sentence", "published", "expected"),
    [
        ("La convention a été signée vendredi dernier à Rabat.", TUESDAY, date(2025, 6, 6)),
        ("Les deux écoles ont paraphé ce mardi un accord-cadre.", TUESDAY, TUESDAY),
        ("Le mémorandum a été signé samedi à Fès.", TUESDAY, date(2025, 6, 7)),
        ("Signée samedi dernier, la charte entre en vigueur.", date(2025, 6, 14), date(2025, 6, 7)),
        ("Une convention a été signée hier lundi à Oujda.", TUESDAY, date(2025, 6, 9)),
        ("وقعت الجمعية والمستشفى يوم الجمعة الماضي اتفاقية شراكة.", TUESDAY, date(2025, 6, 6)),
        ("وقع الطرفان الجمعة الماضية بروتوكول تعاون.", TUESDAY, date(2025, 6, 6)),
        ("وقعت الكلية يوم السبت مذكرة تفاهم مع الوكالة.", date(2025, 6, 14), date(2025, 6, 14)),
        ("أعلنت المؤسسة اليوم الاثنين توقيع شراكة مع الشركة.", date(2025, 6, 9), date(2025, 6, 9)),
        ("وقعت المؤسسة يوم أمس الاثنين اتفاقية مع الجامعة.", TUESDAY, date(2025, 6, 9)),
        ("The two hospitals signed the agreement on Friday in Tangier.", TUESDAY, date(2025, 6, 6)),
        ("The memorandum was signed last Tuesday in Agadir.", TUESDAY, date(2025, 6, 3)),
    ],
)
def test_weekday_only_is_the_latest_such_day_before_publication(
    sentence: str, published: date, expected: date
) -> None:
    found = find_signing_date([sentence], [sentence], published)
    assert found is not None
    assert (found.value, found.precision) == (expected, "day")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("L'accord a été conclu avant-hier à Tanger.", date(2025, 6, 8)),
        ("L'école signe aujourd'hui une convention avec la région.", TUESDAY),
        ("وقعت الجامعة أمس اتفاقية مع المستشفى.", date(2025, 6, 9)),
        ("وقعت الجامعة بالأمس اتفاقية مع المستشفى.", date(2025, 6, 9)),
        ("وقعت الجامعة أول أمس اتفاقية مع المستشفى.", date(2025, 6, 8)),
        ("وقعت الوكالة اليوم اتفاقية مع الجمعية.", TUESDAY),
        ("The clinic signed a partnership yesterday.", date(2025, 6, 9)),
        ("The institute signs today an agreement with the ministry.", TUESDAY),
    ],
)
def test_relative_days_count_from_publication(sentence: str, expected: date) -> None:
    found = find_signing_date([sentence], [sentence], TUESDAY)
    assert found is not None
    assert (found.value, found.precision) == (expected, "day")


@pytest.mark.parametrize(
    "sentence",
    [
        "احتفلت الكلية باليوم العالمي للصحة ووقعت اتفاقية.",
        "وقعت الجمعية اتفاقية، وتبقى سارية حتى اليوم.",
        "La convention, signée pour la journée d'aujourd'hui, prévoit des stages.",
        "La convention sera signée vendredi prochain.",
        "وستوقع الاتفاقية يوم الخميس المقبل.",
        "The agreement will be signed next Monday.",
    ],
)
def test_no_day_from_a_phrase_that_is_not_the_signing_day(sentence: str) -> None:
    found = find_signing_date([sentence], [sentence], TUESDAY)
    assert found is not None
    assert (found.value, found.precision) == (TUESDAY, "inferred")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("وقعت الاتفاقية في ١٢ ماي ٢٠٢٥ بالرباط.", date(2025, 5, 12)),
        ("وقعت الاتفاقية بتاريخ ۱۲ یونیو ۲۰۲۴.", date(2024, 6, 12)),
        ("وقعت الاتفاقية في الـ15 من شتنبر 2024.", date(2024, 9, 15)),
        ("تم التوقيع يوم 9 من شهر نونبر 2023 بمراكش.", date(2023, 11, 9)),
        ("وقعت الاتفاقية يوم 27 يناير 2025.", date(2025, 1, 27)),
        ("وقعت الاتفاقية يوم 27 فبراير 2025.", date(2025, 2, 27)),
        ("وقعت الاتفاقية في 4 إبريل 2022.", date(2022, 4, 4)),
        ("وقعت الاتفاقية في 4 أبريل 2022.", date(2022, 4, 4)),
        ("وقعت الاتفاقية في 4 ابريل 2022.", date(2022, 4, 4)),
        ("وقعت الاتفاقية في 8 مايو 2022.", date(2022, 5, 8)),
        ("وقعت الاتفاقية في 21 يونيه 2020.", date(2020, 6, 21)),
        ("وقعت الاتفاقية في 13 يوليو 2021.", date(2021, 7, 13)),
        ("وقعت الاتفاقية في 7 أغسطس 2021.", date(2021, 8, 7)),
        ("وقعت الاتفاقية في 19 سبتمبر 2021.", date(2021, 9, 19)),
        ("وقعت الاتفاقية في 22 أكتوبر 2021.", date(2021, 10, 22)),
        ("وقعت الاتفاقية في 16 نوفمبر 2021.", date(2021, 11, 16)),
        ("وقعت الاتفاقية في 30 ديسمبر 2021.", date(2021, 12, 30)),
        ("وقعت الاتفاقية في 30 أيار 2024 في بيروت.", date(2024, 5, 30)),
        ("وقعت الاتفاقية في 11 تشرين الثاني 2024.", date(2024, 11, 11)),
        ("وقعت الاتفاقية في 20 شباط 2024.", date(2024, 2, 20)),
        ("وقعت الاتفاقية في 3 نيسان 2024.", date(2024, 4, 3)),
        ("وقعت الاتفاقية في 25 حزيران 2024.", date(2024, 6, 25)),
        ("وقعت الاتفاقية في 10 تموز 2024.", date(2024, 7, 10)),
        ("وقعت الاتفاقية في 5 آب 2024.", date(2024, 8, 5)),
        ("وقعت الاتفاقية في 17 أيلول 2024.", date(2024, 9, 17)),
        ("وقعت الاتفاقية في 6 شباط/فبراير 2024.", date(2024, 2, 6)),
        ("وقعت الاتفاقية في 2 كانون الأول (ديسمبر) 2023.", date(2023, 12, 2)),
        ("وقعت الاتفاقية في ٢٣ أكتوبر ٢٠٢٥ بالدار البيضاء.", date(2025, 10, 23)),
    ],
)
def test_arabic_month_names_and_digits(sentence: str, expected: date) -> None:
    found = find_signing_date([sentence], [sentence], None)
    assert found is not None
    assert (found.value, found.precision) == (expected, "day")


def test_arabic_day_and_month_take_the_publication_year() -> None:
    found = find_signing_date(["وقعت الاتفاقية يوم 9 غشت الجاري."], [], date(2025, 8, 20))
    indic = find_signing_date(["وقعت الاتفاقية في ١٥ دجنبر."], [], date(2025, 12, 20))
    assert found is not None and (found.value, found.precision) == (date(2025, 8, 9), "day")
    assert indic is not None and (indic.value, indic.precision) == (date(2025, 12, 15), "day")


def test_arabic_month_and_year() -> None:
    found = find_signing_date(["وقعت الاتفاقية خلال شهر يوليوز 2023."], [], None)
    assert found is not None and (found.value, found.precision) == (date(2023, 7, 1), "month")


def test_the_end_of_an_event_is_not_the_signing_day() -> None:
    sentences = [
        "Au salon, qui se tient jusqu'au 16 avril à Agadir, l'école a signé une convention.",
        "وقعت الجمعية اتفاقية على هامش المعرض المنظم حتى 16 أبريل.",
        "The agreement was signed at the fair, open until 16 April.",
    ]
    for sentence in sentences:
        found = find_signing_date([sentence], [sentence], date(2025, 4, 17))
        assert found is not None and found.precision == "inferred", sentence


def test_a_weekday_inside_the_month_the_text_gives_is_the_day() -> None:
    found = find_signing_date(["Signé lundi, en avril 2025, à Agadir."], [], date(2025, 4, 16))
    assert found is not None and (found.value, found.precision) == (date(2025, 4, 14), "day")


def test_a_weekday_outside_the_month_the_text_gives_keeps_the_month() -> None:
    found = find_signing_date(["Signé lundi, en mars 2025, à Agadir."], [], date(2025, 4, 16))
    assert found is not None and (found.value, found.precision) == (date(2025, 3, 1), "month")


def test_a_publication_month_allows_a_date_later_in_that_month() -> None:
    found = find_signing_date(["La convention a été signée le 18 juin 2025."], [], date(2025, 6, 1), "month")
    assert found is not None and (found.value, found.precision) == (date(2025, 6, 18), "day")


@pytest.mark.parametrize(
    "sentence",
    ["Le protocole a été signé mercredi à Rabat.", "وقعت الاتفاقية أمس بالرباط.", "It was signed on Friday."],
)
def test_a_weekday_against_a_publication_month_stays_inferred(sentence: str) -> None:
    found = find_signing_date([sentence], [sentence], date(2025, 6, 1), "month")
    assert found is not None and (found.value, found.precision) == (date(2025, 6, 30), "inferred")


def test_a_weekday_without_publication_gives_no_date() -> None:
    for sentence in ("وقعت الاتفاقية يوم الجمعة.", "It was signed on Friday.", "Signée samedi."):
        assert find_signing_date([sentence], [sentence], None) is None


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("وقعت الاتفاقية بين يناير وفبراير 2024.", date(2024, 2, 1)),
        ("وقعت الاتفاقية بشهر ماي 2024.", date(2024, 5, 1)),
        ("وقعت الاتفاقية لشهر مارس 2023.", date(2023, 3, 1)),
    ],
)
def test_arabic_month_with_a_prefix(sentence: str, expected: date) -> None:
    found = find_signing_date([sentence], [sentence], None)
    assert found is not None and (found.value, found.precision) == (expected, "month")


def test_a_door_is_not_august() -> None:
    found = find_signing_date(["فتح باب 2024 للترشيح ووقعت الاتفاقية."], [], date(2025, 1, 10))
    assert found is not None and found.precision == "inferred"
