"""Whole-article extraction: relevance, near-misses, several agreements, recollections, languages."""

from __future__ import annotations

from datetime import date

import pytest

from services.parser.agreements import extract_agreements
from services.parser.orgs import unknown_key

PUBLISHED = date(2025, 6, 6)  # a Friday


def partner_keys(text: str, published: date | None = PUBLISHED) -> list[list[str]]:
    extraction = extract_agreements(text, published=published)
    return [[p.key for p in a.parties if not p.family] for a in extraction.agreements]


@pytest.mark.parametrize(
    "text",
    [
        # another foundation named after Mohammed VI
        "La Fondation Mohammed VI pour la Protection de l'Environnement a signé mardi à Rabat une convention "
        "de partenariat avec la société Lydec.",
        "وقعت مؤسسة محمد الخامس للتضامن اتفاقية شراكة مع وزارة الصحة والحماية الاجتماعية.",
        # UM6P and CHU Mohammed VI are not FM6SS's
        "L'Université Mohammed VI Polytechnique (UM6P) et l'OCP ont signé un accord-cadre à Benguerir.",
        "Le CHU Mohammed VI de Marrakech et l'Université Cadi Ayyad ont signé une convention le 3 juin 2025.",
        # FM6SS news that is no agreement
        "La Fondation Mohammed VI des Sciences et de la Santé organise son congrès annuel à Rabat. "
        "L'événement, organisé en partenariat avec l'OMS, réunira 500 experts.",
        "Le ministre de la Santé a inauguré mardi l'Hôpital universitaire "
        "Cheikh Khalifa de Laâyoune, en présence "
        "du président de la Fondation Mohammed VI des Sciences et de la Santé.",
        # a partner's own agreement with a third party
        "Sanofi a signé une convention avec le ministère de la Santé pour la vaccination. Sanofi collabore "
        "aussi depuis des années avec la Fondation Mohammed VI des Sciences et de la Santé.",
        "Le ministère de l'Intérieur et la CNOPS ont signé une "
        "convention en présence du directeur de la FM6SS.",
        "The Mohammed VI Foundation for Environmental Protection "
        "signed an agreement with Microsoft in Rabat.",
        # the foundation supports or attends an agreement between others
        "Le CHU Ibn Rochd et la CNSS ont signé une convention avec le soutien de la FM6SS.",
        "وقعت وزارة الصحة والحماية الاجتماعية اتفاقية مع منظمة الصحة العالمية "
        "بحضور ممثل مؤسسة محمد السادس للعلوم والصحة.",
    ],
)
def test_near_misses_are_not_relevant(text: str) -> None:
    extraction = extract_agreements(text, published=PUBLISHED)
    assert not extraction.relevant
    assert extraction.agreements == ()


def test_french_wire_item() -> None:
    text = (
        "RABAT (MAP) - La Fondation Mohammed VI des Sciences "
        "et de la Santé (FM6SS) et Novo Nordisk ont signé, "
        "mercredi à Rabat, une convention de partenariat pour la prise en charge du diabète.\n"
        "La convention a été signée par le Pr Lahcen Belyamani, président de la FM6SS, et M. Paul Martin, "
        "directeur général de Novo Nordisk Maroc, en présence de M. Karim Alaoui, wali de la région."
    )
    (agreement,) = extract_agreements(text, published=PUBLISHED).agreements
    assert [p.key for p in agreement.parties] == ["fm6ss", "novo-nordisk"]
    assert agreement.parties[0].family
    assert (agreement.kind, agreement.signed_on_precision) == ("convention", "day")
    assert agreement.signed_on == date(2025, 6, 4)
    assert agreement.place == "Rabat"
    assert "chronic-diseases" in agreement.themes
    signed = {p.name: p.signed for p in agreement.people}
    assert signed == {"Lahcen Belyamani": True, "Paul Martin": True, "Karim Alaoui": False}
    assert {p.name: p.org_key for p in agreement.people}["Paul Martin"] == "novo-nordisk"
    assert {e.field for e in agreement.evidence} >= {"party", "kind", "signed_on", "place", "theme", "person"}


def test_arabic_item() -> None:
    text = (
        "الرباط - وقعت مؤسسة محمد السادس للعلوم والصحة، يوم الثلاثاء "
        "بالرباط، اتفاقية شراكة مع الوكالة المغربية "
        "للأدوية والمنتجات الصحية، تهدف إلى تطوير البحث السريري والتكوين.\n"
        "ووقع الاتفاقية كل من السيد لحسن بلياني، الرئيس المدير "
        "العام للمؤسسة، والسيد سمير العلوي، مدير الوكالة."
    )
    (agreement,) = extract_agreements(text, published=PUBLISHED).agreements
    assert [p.key for p in agreement.parties] == ["fm6ss", "ammps"]
    assert (agreement.signed_on, agreement.place, agreement.kind) == (date(2025, 6, 3), "Rabat", "convention")
    assert {"research", "training"} <= set(agreement.themes)
    assert [p.name for p in agreement.people if p.signed] == ["لحسن بلياني", "سمير العلوي"]


def test_english_item_with_family_university() -> None:
    text = (
        "Mohammed VI University of Health Sciences inked a memorandum "
        "of understanding with Johnson & Johnson "
        "on the sidelines of GITEX Africa 2025 in Marrakech on Friday."
    )
    (agreement,) = extract_agreements(text, published=PUBLISHED).agreements
    assert [p.key for p in agreement.parties] == ["um6ss", "johnson-johnson"]
    assert (agreement.kind, agreement.place) == ("memorandum", "Marrakech")
    assert agreement.event == "GITEX Africa 2025"
    assert agreement.signed_on == date(2025, 6, 6)


def test_several_agreements_at_one_ceremony() -> None:
    text = (
        "La FM6SS a signé jeudi à Casablanca une convention avec Roche Maroc pour le dépistage du cancer. "
        "Elle a également signé un accord-cadre avec l'Université "
        "Hassan II de Casablanca portant sur la formation."
    )
    agreements = extract_agreements(text, published=PUBLISHED).agreements
    assert [[p.key for p in a.parties] for a in agreements] == [["fm6ss", "roche"], ["fm6ss", "uh2c"]]
    assert [a.kind for a in agreements] == ["convention", "convention-cadre"]
    assert {a.signed_on for a in agreements} == {date(2025, 6, 5)}


def test_plural_instruments_split_per_partner() -> None:
    text = (
        "La Fondation Mohammed VI des Sciences et de la Santé a signé, lundi à Casablanca, trois conventions "
        "de partenariat avec la CNSS, l'ANAM et la société Biopharma Atlas."
    )
    assert partner_keys(text) == [["cnss"], ["anam"], [unknown_key("Biopharma Atlas")]]


def test_one_multiparty_convention() -> None:
    text = (
        "Le ministère de la Santé et de la Protection sociale a "
        "signé une convention avec la Fondation Mohammed VI "
        "des Sciences et de la Santé, ainsi qu'avec l'Agence Marocaine du Sang et de ses Dérivés."
    )
    assert partner_keys(text) == [["ma-min-sante", "amsd"]]


def test_unknown_partner_is_keyed_by_its_name() -> None:
    text = "La FM6SS et la société DataHealth Solutions ont signé un protocole d'accord à Rabat."
    other = "Un protocole d'accord a été signé entre la FM6SS et la société DataHealth Solutions."
    assert partner_keys(text) == partner_keys(other) == [[unknown_key("DataHealth Solutions")]]


def test_pronoun_subject_inherits_the_foundation() -> None:
    text = (
        "La Fondation Mohammed VI des Sciences et de la Santé poursuit son ouverture. "
        "Elle a signé, mercredi, un mémorandum d'entente avec le groupe Akdital."
    )
    assert partner_keys(text) == [["akdital"]]


def test_recalled_signing() -> None:
    text = (
        "Dans le cadre de la convention signée en 2022 entre la "
        "Fondation Mohammed VI des Sciences et de la Santé "
        "et Novartis, une unité de dialyse a été inaugurée."
    )
    (agreement,) = extract_agreements(text, published=PUBLISHED).agreements
    assert agreement.recalled
    assert (agreement.signed_on, agreement.signed_on_precision) == (date(2022, 1, 1), "year")


def test_new_signing_is_not_recalled() -> None:
    text = "La FM6SS et Pfizer ont signé hier une convention de partenariat."
    (agreement,) = extract_agreements(text, published=PUBLISHED).agreements
    assert not agreement.recalled and agreement.signed_on == date(2025, 6, 5)


def test_no_date_at_all() -> None:
    text = "La FM6SS et Pfizer ont signé une convention de partenariat."
    (agreement,) = extract_agreements(text).agreements
    assert agreement.signed_on is None and agreement.signed_on_precision is None


def test_page_furniture_is_ignored() -> None:
    text = (
        "La FM6SS et Bayer ont signé un accord de partenariat pour la recherche clinique et la formation des "
        "médecins dans plusieurs régions du Royaume, selon un communiqué conjoint des deux institutions.\n"
        "Laisser un commentaire\nPrevious Post\nLe groupe Atlas et la société Beta ont signé une convention."
    )
    assert partner_keys(text) == [["bayer"]]


def test_title_is_read() -> None:
    text = "Les deux institutions ambitionnent de développer la recherche."
    extraction = extract_agreements(text, title="La FM6SS et Sanofi signent un accord de partenariat")
    assert [[p.key for p in a.parties] for a in extraction.agreements] == [["fm6ss", "sanofi"]]


def test_partner_named_after_the_signing_sentence() -> None:
    text = (
        "La Fondation Mohammed VI des Sciences et de la Santé a signé, mardi à Marrakech, une convention de "
        "partenariat. Ce partenariat, conclu avec la Fondation Lalla Salma, porte sur le dépistage du cancer."
    )
    (agreement,) = extract_agreements(text, published=PUBLISHED).agreements
    assert [p.key for p in agreement.parties] == ["fm6ss", "fondation-lalla-salma"]
    assert (agreement.signed_on, agreement.place) == (date(2025, 6, 3), "Marrakech")


def test_partner_named_only_in_the_headline() -> None:
    text = "La FM6SS a signé jeudi une convention avec le laboratoire pour développer la recherche clinique."
    extraction = extract_agreements(text, title="Sanofi et la FM6SS, un partenariat pour la recherche")
    assert [[p.key for p in a.parties] for a in extraction.agreements] == [["fm6ss", "sanofi"]]


def test_a_dateline_beats_a_city_inside_a_name() -> None:
    text = (
        "نواكشوط - ووقعت مؤسسة محمد السادس للعلوم والصحة مذكرة تفاهم مع جامعة الأخوين بإفران في مجال التكوين."
    )
    (agreement,) = extract_agreements(text).agreements
    assert [p.key for p in agreement.parties] == ["fm6ss", "aui"] and agreement.place == "Nouakchott"


def test_a_partys_seat_is_not_the_place() -> None:
    # "de Casablanca" names the hospital, it does not say where the convention was signed
    text = "L'Hôpital universitaire Cheikh Khalifa de Casablanca a signé une convention avec Wafa Assurance."
    (agreement,) = extract_agreements(text).agreements
    assert agreement.place is None


def test_a_foreign_ministry_is_not_morocco_s() -> None:
    text = (
        "La FM6SS et le ministère de la Santé et de l'Action sociale du Sénégal ont signé "
        "une convention à Dakar."
    )
    (agreement,) = extract_agreements(text).agreements
    assert [p.key for p in agreement.parties if not p.family] != ["ma-min-sante"]


def test_english_roles_before_names() -> None:
    text = (
        "The Mohammed VI Foundation for Science and Health and the World Health Organization signed "
        "a framework agreement. It was signed by FM6SS CEO Lahcen Belyamani "
        "and WHO representative Dr. Maryam Bigdeli."
    )
    (agreement,) = extract_agreements(text).agreements
    people = {p.name: (p.org_key, p.signed) for p in agreement.people}
    assert people == {"Lahcen Belyamani": ("fm6ss", True), "Maryam Bigdeli": ("who", True)}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("La FM6SS a signé une convention avec la société marocaine Atlas Bio à Rabat.", "Atlas Bio"),
        ("La FM6SS a signé un accord avec Capgemini.", "Capgemini"),
        ("وقعت مؤسسة محمد السادس للعلوم والصحة اتفاقية مع شركة «ميدي تك» المغربية.", "Medi Tech"),
        ("The FM6SS signed an agreement with the company Helix Genomics in Rabat.", "Helix Genomics"),
    ],
)
def test_unknown_partners(text: str, name: str) -> None:
    assert partner_keys(text) == [[unknown_key(name)]]


def test_each_agreement_keeps_its_own_signatories() -> None:
    text = (
        "La FM6SS a signé lundi à Rabat deux conventions, avec la CNSS et avec Pfizer Maroc.\n"
        "La première, conclue avec la CNSS, a été signée par M. Karim Idrissi, directeur de la CNSS, "
        "et le Pr Salma Amrani, directrice de la FM6SS.\n"
        "La seconde a été signée par Mme Laura Stein, directrice générale de Pfizer Maroc."
    )
    agreements = extract_agreements(text, published=PUBLISHED).agreements
    signed = {a.parties[1].key: sorted(p.name for p in a.people if p.signed) for a in agreements}
    assert signed == {"cnss": ["Karim Idrissi", "Salma Amrani"], "pfizer": ["Laura Stein"]}


def test_two_signings_in_one_sentence() -> None:
    text = (
        "Le ministère de la Santé a signé un accord avec la FM6SS, tandis que l'Université Cadi Ayyad "
        "et l'UM6SS ont paraphé, dans la foulée, une convention."
    )
    assert partner_keys(text) == [["ma-min-sante"], ["uca"]]


def test_a_record_of_past_signings_is_no_agreement() -> None:
    text = (
        "La FM6SS et l'OMS organisent un colloque sur la résistance aux antibiotiques. "
        "La FM6SS a rappelé à cette occasion les conventions signées depuis 2019."
    )
    assert not extract_agreements(text, published=PUBLISHED).relevant
