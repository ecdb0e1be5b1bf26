"""Places (inline, datelines, Arabic, English) and instrument kinds."""

from __future__ import annotations

import pytest

from services.parser.kinds import find_kind, is_signing
from services.parser.places import find_place


@pytest.mark.parametrize(
    ("sentence", "first_line", "expected"),
    [
        ("La convention a été signée à Rabat.", "", "Rabat"),
        ("Signée vendredi à Casablanca, la convention...", "", "Casablanca"),
        ("وقعت المؤسسة بالرباط اتفاقية شراكة", "", "Rabat"),
        ("وقعت المؤسسة بمدينة الداخلة اتفاقية", "", "Dakhla"),
        ("وقعت المؤسسة في مراكش اتفاقية", "", "Marrakech"),
        ("The agreement was signed in Rabat.", "", "Rabat"),
        ("La convention a été signée mardi.", "RABAT (MAP) - La Fondation a signé", "Rabat"),
        ("La convention a été signée mardi.", "Casablanca — Le ministère a signé", "Casablanca"),
        ("La convention a été signée mardi.", "الدار البيضاء - وقعت", "Casablanca"),
    ],
)
def test_place(sentence: str, first_line: str, expected: str) -> None:
    found = find_place([sentence], first_line or sentence)
    assert found is not None and found.value == expected


def test_no_place_from_an_ordinary_first_line() -> None:
    assert find_place(["La convention a été signée."], "La Fondation basée à Cambridge.") is None


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Les deux parties ont signé un protocole d'accord.", "protocole"),
        ("Signature d'une convention-cadre de partenariat.", "convention-cadre"),
        ("Un accord-cadre a été signé.", "convention-cadre"),
        ("Ils ont signé un mémorandum d'entente.", "memorandum"),
        ("Une convention de partenariat a été signée.", "convention"),
        ("Un accord de partenariat a été conclu.", "accord"),
        ("Les deux institutions ont scellé un partenariat.", "partenariat"),
        ("وقعت المؤسسة مذكرة تفاهم", "memorandum"),
        ("وقعت المؤسسة اتفاقية إطار", "convention-cadre"),
        ("وقعت المؤسسة اتفاقية شراكة", "convention"),
        ("وقعت المؤسسة بروتوكول اتفاق", "protocole"),
        ("They signed a memorandum of understanding.", "memorandum"),
        ("They signed a framework agreement.", "convention-cadre"),
        ("They signed an agreement.", "accord"),
    ],
)
def test_kind(sentence: str, expected: str) -> None:
    found = find_kind([sentence])
    assert found is not None and found.value == expected
    assert is_signing(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Le congrès est organisé en partenariat avec la Fondation.",
        "Le partenariat entre les deux institutions remonte à 2019.",
        "La Fondation a inauguré un nouveau centre.",
    ],
)
def test_not_a_signing(sentence: str) -> None:
    assert not is_signing(sentence)
