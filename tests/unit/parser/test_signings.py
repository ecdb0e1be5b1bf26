"""One article, its signings: hub-and-spoke conventions, ceremony places, verbless instruments, signers."""

from __future__ import annotations

from datetime import date

import pytest

from services.parser.agreements import extract_agreements

PUBLISHED = date(2025, 6, 6)  # a Friday


def signings(text: str) -> list[list[str]]:
    """Each candidate's partners (the non-family parties) by key."""
    extraction = extract_agreements(text, published=PUBLISHED)
    return [[p.key for p in a.parties if not p.family] for a in extraction.agreements]


def place_of(text: str) -> str | None:
    agreements = extract_agreements(text, published=PUBLISHED).agreements
    assert len(agreements) == 1
    return agreements[0].place


# --- several signings: the hub signed with each, the family entity only with the hub ---------------


@pytest.mark.parametrize(
    "text",
    [
        "Deux conventions de formation ont été signées entre le ministère de la Santé et l'Université "
        "Cadi Ayyad de Marrakech et l'Université Mohammed VI des Sciences de la Santé de Casablanca.",
        "Des conventions de formation ont été signées par le ministère de la Santé avec l'Université Cadi "
        "Ayyad, et avec l'Université Mohammed VI des Sciences de la Santé.",
        "Two training agreements were signed between the Ministry of Health and Cadi Ayyad University and "
        "the Mohammed VI University of Health Sciences.",
        "وقعت وزارة الصحة اتفاقيات للتكوين مع جامعة القاضي عياض وجامعة محمد السادس للعلوم الصحية.",
    ],
)
def test_a_family_spoke_signs_with_the_hub_only(text: str) -> None:
    found = signings(text)
    assert len(found) == 1 and len(found[0]) == 1
    assert "min" in found[0][0]  # the ministry (its English name is not in the catalogue), not the university


def test_the_family_as_hub_signs_one_agreement_per_partner() -> None:
    text = (
        "La Fondation Mohammed VI des Sciences et de la Santé a signé deux conventions, avec le CNRST et "
        "avec AstraZeneca, le 3 juin 2025 à Rabat."
    )
    assert sorted(map(tuple, signings(text))) == [("astrazeneca",), ("cnrst",)]


# --- places -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "city"),
    [
        (
            "La FM6SS et AstraZeneca ont signé un protocole d'accord. La cérémonie de signature s'est "
            "déroulée au siège de la Fondation à Rabat.",
            "Rabat",
        ),
        (
            "La FM6SS et AstraZeneca ont signé un protocole d'accord, lors d'une cérémonie organisée à "
            "Marrakech.",
            "Marrakech",
        ),
        (
            "FM6SS and AstraZeneca signed a memorandum of understanding. The signing was held in Tangier "
            "on Tuesday.",
            "Tanger",
        ),
        (
            "وقعت مؤسسة محمد السادس للعلوم والصحة ومختبرات فارما 5 مذكرة تفاهم. وجرت مراسم التوقيع "
            "بمقر المؤسسة بالدار البيضاء.",
            "Casablanca",
        ),
        (
            "وقعت مختبرات فارما 5 وجامعة محمد السادس للعلوم الصحية بالبيضاء، أمس، اتفاقية شراكة.",
            "Casablanca",
        ),
        (
            "وقعت مؤسسة محمد السادس للعلوم والصحة ومختبرات فارما 5 مذكرة تفاهم، وذلك بمراكش.",
            "Marrakech",
        ),
        # the signing took place at a party's premises: its seat is where
        (
            "La FM6SS et l'Université Cadi Ayyad de Marrakech ont signé une convention au siège de "
            "l'université.",
            "Marrakech",
        ),
    ],
)
def test_the_ceremony_place(text: str, city: str) -> None:
    assert place_of(text) == city


@pytest.mark.parametrize(
    "text",
    [
        # a city in a party's name is its seat, not where it signed
        "Une convention a été signée entre l'Université Mohammed VI des Sciences de la Santé de "
        "Casablanca et l'Université Cadi Ayyad de Marrakech.",
        # "البيضاء" alone is also the word for "white"
        "وقعت مؤسسة محمد السادس للعلوم والصحة ومختبرات فارما 5 مذكرة تفاهم حول الورقة البيضاء للصحة.",
    ],
)
def test_no_place_from_a_seat_or_a_common_word(text: str) -> None:
    assert place_of(text) is None


# --- signatories: only people the text says signed ------------------------------------------------


def signers(text: str) -> tuple[set[str], set[str]]:
    """(who signed, who is named but did not sign) in the article's one candidate."""
    (agreement,) = extract_agreements(text, published=PUBLISHED).agreements
    return {p.name for p in agreement.people if p.signed}, {p.name for p in agreement.people if not p.signed}


@pytest.mark.parametrize(
    ("text", "signed", "not_signed"),
    [
        (
            "La FM6SS et l'Université Cadi Ayyad ont conclu une convention-cadre. Elle a été paraphée par "
            "M. Karim Alaoui, président de l'Université Cadi Ayyad, et le Pr Nadia Bennis, directrice de la "
            "FM6SS, en présence du wali de la région, M. Youssef Tazi.",
            {"Karim Alaoui", "Nadia Bennis"},
            {"Youssef Tazi"},
        ),
        (
            "Samir Idrissi, président de l'Université Cadi Ayyad, et Leila Amrani, directrice générale de la "
            "FM6SS, ont signé la convention lundi. « C'est une étape », a déclaré Omar Fassi, ministre de la "
            "Santé.",
            {"Samir Idrissi", "Leila Amrani"},
            {"Omar Fassi"},
        ),
        (
            "FM6SS and AstraZeneca signed a memorandum of understanding on Monday. It was signed by John "
            "Carter, CEO of AstraZeneca Morocco, and Dr. Nadia Bennis, director of FM6SS. Health Minister "
            "Amine Tahraoui attended the ceremony.",
            {"John Carter", "Nadia Bennis"},
            {"Amine Tahraoui"},
        ),
        (
            "وقعت جامعة القاضي عياض ومؤسسة محمد السادس للعلوم والصحة اتفاقية إطار. ووقعها كل من سمير "
            "الإدريسي، رئيس جامعة القاضي عياض، وليلى العمراني، المديرة العامة لمؤسسة محمد السادس "
            "للعلوم والصحة.",
            {"سمير الإدريسي", "ليلى العمراني"},
            set(),
        ),
        (
            "وقعت جامعة القاضي عياض ومؤسسة محمد السادس للعلوم والصحة اتفاقية شراكة. وقد تم التوقيع على "
            "الاتفاقية من طرف كريم العلوي، رئيس جامعة القاضي عياض، ونادية بنّيس، مديرة المؤسسة.",
            {"كريم العلوي", "نادية بنيس"},
            set(),
        ),
        (
            "وقعت جامعة القاضي عياض ومؤسسة محمد السادس للعلوم والصحة اتفاقية شراكة. ووقع الاتفاقية عن "
            "الجانب الجامعي كريم العلوي، رئيس جامعة القاضي عياض، وعن المؤسسة نادية بنيس، مديرة المؤسسة.",
            {"كريم العلوي", "نادية بنيس"},
            set(),
        ),
        (
            # who presided did not sign; the names still go to `people` with their roles
            "وقعت جامعة القاضي عياض ومؤسسة محمد السادس للعلوم والصحة اتفاقية شراكة. وجرت مراسم توقيع "
            "الاتفاقية تحت رئاسة كريم العلوي، وزير الصحة، ونادية بنيس، مديرة المؤسسة.",
            set(),
            {"كريم العلوي", "نادية بنيس"},
        ),
    ],
)
def test_only_those_the_text_says_signed_are_signatories(
    text: str, signed: set[str], not_signed: set[str]
) -> None:
    assert signers(text) == (signed, not_signed)


def test_an_arabic_signer_keeps_role_and_organization() -> None:
    text = (
        "وقعت جامعة القاضي عياض ومؤسسة محمد السادس للعلوم والصحة اتفاقية شراكة، وقعها كل من سمير الإدريسي، "
        "رئيس جامعة القاضي عياض، وليلى العمراني، المديرة العامة لمؤسسة محمد السادس للعلوم والصحة."
    )
    (agreement,) = extract_agreements(text, published=PUBLISHED).agreements
    roles = {p.name: (p.role, p.org_key) for p in agreement.people}
    assert roles["سمير الإدريسي"] == ("رئيس جامعة القاضي عياض", "uca")
    assert roles["ليلى العمراني"][1] == "fm6ss"


# --- several signings: each candidate keeps its own kind and signers -------------------------------


def by_partner(text: str) -> dict[str, tuple[str | None, set[str]]]:
    agreements = extract_agreements(text, published=PUBLISHED).agreements
    return {
        next(p.key for p in a.parties if not p.family): (a.kind, {p.name for p in a.people if p.signed})
        for a in agreements
    }


def test_the_accord_and_the_convention_each_keep_their_signers() -> None:
    text = (
        "Le CNRST a signé lundi à Rabat un accord de coopération avec la Fondation Mohammed VI des "
        "Sciences et de la Santé, tandis qu'AstraZeneca et l'Université Mohammed VI des Sciences de la "
        "Santé ont, dans la foulée, paraphé une convention de recherche. L'accord entre le centre et la "
        "fondation a été signé par son directeur, M. Karim Alaoui, et le Pr Nadia Bennis. La convention "
        "de recherche, signée par M. John Carter et le Pr Samir Idrissi, porte sur les maladies rares."
    )
    assert by_partner(text) == {
        "cnrst": ("accord", {"Karim Alaoui", "Nadia Bennis"}),
        "astrazeneca": ("convention", {"John Carter", "Samir Idrissi"}),
    }


def test_the_first_and_the_second_agreement_in_arabic() -> None:
    text = (
        "شهدت مدينة الرباط، يوم الاثنين 2 يونيو 2025، توقيع اتفاقيتين بين مؤسسة محمد السادس للعلوم والصحة "
        "وكل من المركز الوطني للبحث العلمي والتقني وشركة أسترازينيكا. وتتعلق الاتفاقية الأولى، وهي اتفاقية "
        "إطار وقعها المدير السيد كريم العلوي والبروفيسورة نادية بنيس، بالبحث في جامعة محمد السادس "
        "للعلوم الصحية. أما الاتفاقية الثانية، وهي اتفاقية شراكة، فتهم الأمراض النادرة، ووقعها السيد "
        "سمير الإدريسي."
    )
    found = by_partner(text)
    assert found["cnrst"] == ("convention-cadre", {"كريم العلوي", "نادية بنيس"})
    assert found["astrazeneca"] == ("convention", {"سمير الإدريسي"})


def test_two_memoranda_in_english_keep_their_own_signers() -> None:
    text = (
        "The Mohammed VI Foundation for Science and Health signed two agreements in Rabat on Monday, "
        "with CNRST and with AstraZeneca. The first, a memorandum of understanding with CNRST, was signed "
        "by its director Karim Alaoui. The second, a framework agreement with AstraZeneca, was signed by "
        "John Carter, CEO of AstraZeneca Morocco."
    )
    found = by_partner(text)
    assert found["cnrst"] == ("memorandum", {"Karim Alaoui"})
    assert found["astrazeneca"] == ("convention-cadre", {"John Carter"})


# --- instruments reported without a signing verb, and signings only planned ---------------------------


@pytest.mark.parametrize(
    "text",
    [
        "La convention conclue entre la Fondation Mohammed VI des Sciences et de la Santé et AstraZeneca "
        "porte sur les maladies rares.",
        "اتفاقية شراكة بين مؤسسة محمد السادس للعلوم والصحة وشركة أسترازينيكا لدعم البحث في الأمراض النادرة.",
        "A partnership agreement between the Mohammed VI Foundation for Science and Health and AstraZeneca "
        "covers rare diseases.",
    ],
)
def test_an_instrument_between_the_parties_reports_a_signing(text: str) -> None:
    assert signings(text) == [["astrazeneca"]]


@pytest.mark.parametrize(
    "text",
    [
        "Le Pr Karim Alaoui, directeur de la Fondation, a salué le projet. John Carter, directeur général "
        "chez AstraZeneca, a ajouté : « chez AstraZeneca, nous croyons aux alliances. Ce protocole d'accord "
        "avec la Fondation Mohammed VI des Sciences et de la Santé ouvre une nouvelle étape. »",
        "John Carter, CEO of AstraZeneca, said: “At AstraZeneca we believe in alliances. This memorandum "
        "with the Mohammed VI Foundation for Science and Health opens a new chapter.”",
    ],
)
def test_a_quoted_instrument_speaks_for_the_speakers_organization(text: str) -> None:
    assert signings(text) == [["astrazeneca"]]


@pytest.mark.parametrize(
    "text",
    [
        "La Fondation Mohammed VI des Sciences et de la Santé et AstraZeneca envisagent de signer une "
        "convention sur les maladies rares.",
        "La Fondation Mohammed VI des Sciences et de la Santé et AstraZeneca vont signer un protocole "
        "d'accord la semaine prochaine.",
        "Un projet de convention entre la Fondation Mohammed VI des Sciences et de la Santé et AstraZeneca "
        "a été examiné.",
        "The Mohammed VI Foundation for Science and Health and AstraZeneca will sign an agreement next "
        "month.",
        "سيتم توقيع اتفاقية شراكة بين مؤسسة محمد السادس للعلوم والصحة وشركة أسترازينيكا الشهر المقبل.",
    ],
)
def test_a_planned_signing_is_not_reported(text: str) -> None:
    assert signings(text) == []


@pytest.mark.parametrize(
    "text",
    [
        # a means to come, not a report: "through an agreement with the ministry"
        "وقعت مؤسسة محمد السادس للعلوم والصحة وشركة أسترازينيكا اتفاقية شراكة. وستعمل الشركة على توفير السكن "
        "من خلال اتفاقية مع وزارة التربية الوطنية.",
        "La Fondation Mohammed VI des Sciences et de la Santé et AstraZeneca ont signé une convention. "
        "AstraZeneca financera les bourses par une convention avec le ministère de l'Éducation nationale.",
    ],
)
def test_an_instrument_with_a_third_party_is_not_another_signing(text: str) -> None:
    assert signings(text) == [["astrazeneca"]]


@pytest.mark.parametrize(
    "text",
    [
        "La Fondation Mohammed VI des Sciences et de la Santé a signé le 3 juin 2025 à Rabat une convention "
        "avec le CNRST. Par ailleurs, la Fondation a également signé le 28 mai 2025 à Marrakech un protocole "
        "d'accord avec AstraZeneca.",
        "وقعت مؤسسة محمد السادس للعلوم والصحة يوم 3 يونيو 2025 بالرباط اتفاقية مع المركز الوطني للبحث العلمي "
        "والتقني. كما وقعت المؤسسة يوم 28 ماي 2025 بمراكش مذكرة تفاهم مع شركة أسترازينيكا.",
        "The Mohammed VI Foundation for Science and Health signed an agreement with CNRST in Rabat on "
        "June 3, 2025. The foundation also signed a memorandum of understanding with AstraZeneca in "
        "Marrakesh on May 28, 2025.",
    ],
)
def test_each_signing_keeps_its_own_date_and_place(text: str) -> None:
    agreements = extract_agreements(text, published=PUBLISHED).agreements
    found = {a.parties[1].key: (a.signed_on, a.place) for a in agreements}
    assert found == {
        "cnrst": (date(2025, 6, 3), "Rabat"),
        "astrazeneca": (date(2025, 5, 28), "Marrakech"),
    }
