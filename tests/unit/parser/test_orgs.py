"""Organization matching: variants, misspellings, Arabic, acronyms, and FM6SS's namesakes."""

from __future__ import annotations

import pytest

from services.parser.matcher import find_mentions
from services.parser.orgs import catalog, unknown_key


def keys(text: str) -> list[str]:
    return [m.org.key for m in find_mentions(text)]


@pytest.mark.parametrize(
    "name",
    [
        "Fondation Mohammed VI des Sciences et de la Santé",
        "Fondation Mohammed VI pour les sciences et la santé",
        "Fondation Mohammed VI pour la Science et la Santé",
        "Fondation Mohammed VI des Sciences de la Santé",
        "Fondation Mohamed VI des Sciences et de la Santé",
        "FM6SS",
        "FMSS",
        "Mohammed VI Foundation for Science and Health",
        "مؤسسة محمد السادس للعلوم والصحة",
        "مؤسسة محمد السادس للعلوم و الصحة",
    ],
)
def test_fm6ss_spellings(name: str) -> None:
    assert keys(f"Hier, {name} a signé.") == ["fm6ss"]


@pytest.mark.parametrize(
    "name",
    [
        "Fondation Mohammed VI pour la Sciense et la Santé",
        "Fondation Mohammed VI des Siences et de la Santé",
        "Fondation Mohammed VI pour la science et de la santé",
    ],
)
def test_fm6ss_misspellings_are_fuzzy_matches(name: str) -> None:
    mentions = find_mentions(f"La {name} a signé.")
    assert [(m.org.key, m.how) for m in mentions] == [("fm6ss", "fuzzy")]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Fondation Mohammed VI pour la Protection de l'Environnement", "fm6pe"),
        ("Fondation Mohammed V pour la Solidarité", "fm5-solidarite"),
        (
            "Fondation Mohammed VI de Promotion des Œuvres Sociales de l'Éducation-Formation",
            "fm6-oeuvres-sociales-education",
        ),
        ("Fondation Mohammed VI des Oulémas Africains", "fm6-oulemas-africains"),
        ("Fondation Mohammed VI pour la Réinsertion des Détenus", "fm6-reinsertion-detenus"),
        ("Université Mohammed VI Polytechnique", "um6p"),
        ("CHU Mohammed VI de Marrakech", "chu-m6-marrakech"),
        ("CHU Mohammed VI d'Oujda", "chu-m6-oujda"),
        ("مؤسسة محمد الخامس للتضامن", "fm5-solidarite"),
    ],
)
def test_namesakes_are_not_fm6ss(text: str, key: str) -> None:
    found = find_mentions(f"Selon {text}, rien.")
    assert [m.org.key for m in found] == [key]
    assert not found[0].org.family


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("l'Université Mohammed VI des Sciences de la Santé", "um6ss"),
        ("جامعة محمد السادس لعلوم الصحة", "um6ss"),
        ("le Centre Mohammed VI pour la Recherche et l'Innovation", "cm6ri"),
        ("l'Hôpital universitaire Cheikh Khalifa", "hucky"),
        ("l'Hôpital Universitaire International Mohammed VI", "huim6"),
        ("l'African Academy of Health Sciences", "aahs"),
    ],
)
def test_family_entities(text: str, key: str) -> None:
    found = find_mentions(f"Avec {text}.")
    assert [m.org.key for m in found] == [key] and found[0].org.family


@pytest.mark.parametrize("name", ["GlaxoSmithKline Maroc", "GSK Maroc", "GlaxoSmithKline", "GSK"])
def test_gsk_spellings(name: str) -> None:
    assert keys(f"Un accord avec {name}.") == ["gsk-maroc"]


def test_arabic_clitics_and_ministries() -> None:
    text = "ووزارة الصحة والحماية الاجتماعية وبالوكالة المغربية للدم ومشتقاته"
    assert keys(text) == ["ma-min-sante", "amsd"]


def test_short_acronyms_need_capitals() -> None:
    assert keys("Selon l'OMS, la santé.") == ["who"]
    assert keys("nous avons des oms et des msd") == []


def test_bare_foundation_name_needs_fm6ss_in_the_article() -> None:
    assert keys("Accord entre la Fondation Mohammed VI et Sothema.") == ["sothema"]
    assert keys("La Fondation Mohammed VI et Sothema. La FM6SS...") == ["fm6ss", "sothema", "fm6ss"]


def test_unknown_keys_are_deterministic() -> None:
    assert unknown_key("la Société BioTech Atlas Maroc") == unknown_key("Société Biotech  Atlas")
    assert unknown_key("Groupe Atlas Santé") == unknown_key("Atlas Santé") == "x-sante-tl"


def test_catalog_is_versioned_and_covers_the_family() -> None:
    data = catalog()
    assert data.version >= 1
    family = {o.key for o in data.orgs.values() if o.family}
    assert {"fm6ss", "um6ss", "cm6ri", "aahs", "hucky", "huim6", "cm6b"} <= family
