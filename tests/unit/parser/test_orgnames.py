"""Organization keys: one organization written differently gives one key, in French, English and Arabic."""

from __future__ import annotations

import pytest

from services.parser.orgnames import acronym_in, lexicon, mine, org_key
from services.parser.orgs import unknown_org


@pytest.mark.parametrize(
    "names",
    [
        # company heads, legal forms, articles, case, accents, scripts
        ("Laboratoires Zephyr", "les laboratoires ZEPHYR", "Zephyr SA", "Zéphyr", "مختبرات زيفير"),
        ("Zephyr S.A.R.L.", "Zephyr S.A.", "Zephyr GmbH", "Zephyr Ltd."),
        ("Nimbaro International FZE", "Nimbaro international", "le groupe Nimbaro", "Nimbaro Holding LLC"),
        # nationality as a head or an adjective; a descriptor of the legal kind
        ("le français Quilvo", "le groupement d'intérêt public français Quilvo", "the French Quilvo"),
        ("شركة كيلفو الفرنسية", "Quilvo"),
        # acronym in parentheses, either way round
        ("Caisse Zélandaise des Retraites (CZR)", "CZR (Caisse zélandaise des retraites)",
         "Caisse zélandaise des retraites"),
        # digits glued or apart
        ("Medora 7", "Medora7", "ميدورا 7"),
        # institutions: translated word by word, the country's adjective falls
        ("Académie du Royaume du Maroc", "أكاديمية المملكة المغربية", "أكاديمية المملكة"),
        ("Mutuelle générale de l'Éducation nationale", "التعاضدية العامة للتربية الوطنية",
         "Mutuelle Générale de l'Education Nationale (MGEN)"),
        ("Institut Zephyr", "Zephyr Institute", "معهد زيفير"),
    ],
)  # fmt: skip
def test_one_organization_one_key(names: tuple[str, ...]) -> None:
    assert len({org_key(n) for n in names}) == 1, {n: org_key(n) for n in names}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Université Zephyr", "Fondation Zephyr"),  # an institutional head tells them apart
        ("Laboratoires Zephyr", "Laboratoires Quilvo"),
        ("Entreprises du médicament", "Médicament"),  # a head stays when no proper name follows
        ("Institut Zephyr", "Zephyr"),
        ("Zephyr (filiale du groupe Quilvo)", "Quilvo"),  # a parenthesis that is no full name
        ("QuilvoNet (société de conseil)", "Société de conseil"),
    ],
)
def test_different_organizations_differ(one: str, other: str) -> None:
    assert org_key(one) != org_key(other)


def test_word_list_is_mined_from_parallel_names() -> None:
    pairs = [
        (["جامعة الزيتون"], ["Université de Zitoun"]),
        (["جامعة النخيل"], ["Université des Palmiers"]),
        (["مستشفى النخيل"], ["Hôpital des Palmiers"]),
    ]
    assert mine(pairs) == {"جامعه": "universite", "نخيل": "palmiers"}


def test_catalogue_word_list_holds_institutional_words() -> None:
    words = lexicon()
    assert words["جامعه"] == "universite"
    assert words["مملكه"] == "royaume"
    assert len(words) > 80


def test_arabic_name_of_a_catalogue_partner_gets_its_key() -> None:
    # the catalogue knows these in French and Arabic; a spelling its aliases do not list still links
    assert unknown_org("وزارة الصحة و الحماية الإجتماعية").key == unknown_org("Ministère de la Santé").key
    assert unknown_org("مختبرات سانوفي").key == "sanofi"
    assert unknown_org("مختبرات زيفير").key == unknown_org("Laboratoires Zephyr").key == "x-zfr"


def test_short_skeletons_do_not_link_to_the_catalogue() -> None:
    assert unknown_org("Kaoun").key.startswith("x-")


def test_acronym_beside_the_full_name_is_kept() -> None:
    assert acronym_in("Caisse Zélandaise des Retraites (CZR)") == "CZR"
    assert acronym_in("CZR (Caisse zélandaise des retraites)") == "CZR"
    assert acronym_in("Laboratoires Zephyr (Casablanca)") is None
    assert unknown_org("Caisse Zélandaise des Retraites (CZR)").acronym == "CZR"


def test_plural_endings_do_not_split_a_name_across_scripts():
    # French plural s / Arabic feminine plural ات, and a Latin name's final s spelled س in Arabic
    assert org_key("Office Zélandais des Hydrocarbures") == org_key("المكتب الزيلاندي للهيدروكاربورات")
    assert org_key("Laboratoires Bartendis") == org_key("مختبرات بارتنديس")
    assert org_key("Office National des Mines") == org_key("المكتب الوطني للمعادن")


@pytest.mark.parametrize(
    "variant",
    [
        "Omega Pha\u00adrma",  # soft hyphen
        "Om\u200bega Pharma",  # zero-width space
        "Ome\u200dga Pharma",  # zero-width joiner
        "\u200eOmega Pharma\u200f",  # bidi marks
        "Om\u0435ga Pharma",  # Cyrillic е
        "Omega Ph\u03b1rma",  # Greek α
        "\u041emega Pharma",  # Cyrillic О
    ],
)
def test_invisible_and_look_alike_characters_do_not_split_an_organization(variant: str) -> None:
    assert org_key(variant) == org_key("Omega Pharma")


def test_dotless_i_reads_as_i_in_a_latin_name() -> None:
    assert org_key("Bıotech Vıta") == org_key("Biotech Vita")


def test_long_names_alike_up_to_the_cut_keep_two_keys() -> None:
    start = (
        "Kristallwerk Brandschutz Strengthtechnik Hochspannungsbrückenbau Zentralschmidt "
        "Nordstromgesellschaft Westfrankfurt Kraftfahrzeugstrasse Brandenburg "
    )
    one, other = start + "Nord", start + "Sud"
    assert org_key(one) != org_key(other)
    assert len(org_key(one)) == len(org_key(other)) == 82
    assert org_key(one) == org_key(one.replace("ü", "u"))
