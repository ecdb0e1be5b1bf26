"""Open-world partners: organizations no catalogue knows, named as a party to a family entity's signing."""

from __future__ import annotations

from datetime import date

import pytest

from services.bus.messages import OrgRef
from services.parser.agreements import extract_agreements
from services.parser.kinds import is_signing

PUBLISHED = date(2025, 3, 7)


def partners(text: str) -> list[OrgRef]:
    extraction = extract_agreements(text, published=PUBLISHED)
    assert extraction.relevant, text
    assert len(extraction.agreements) == 1
    return [p for p in extraction.agreements[0].parties if not p.family]


@pytest.mark.parametrize(
    ("text", "name", "kind", "country"),
    [
        # a nationality adjective standing for the organization
        (
            "La Fondation Mohammed VI des Sciences et de la Santé a établi un partenariat avec l'allemand "
            "Helixa Diagnostics pour développer le dépistage génomique.",
            "Helixa Diagnostics",
            None,
            "DE",
        ),
        # a type noun and several descriptors before the name
        (
            "La FM6SS a noué un partenariat avec le groupe pharmaceutique marocain Medinova afin de "
            "produire localement des biosimilaires.",
            "Medinova",
            "company",
            "MA",
        ),
        (
            "La Fondation Mohammed VI des Sciences et de la Santé et le Groupement d'Intérêt Public belge "
            "SanteNet ont annoncé mardi la signature d'un accord sur les dossiers médicaux.",
            "SanteNet",
            "agency",
            "BE",
        ),
        (
            "La FM6SS, en partenariat avec le groupe espagnol d'intérêt général Ibersalud, a annoncé la "
            "signature d'un accord de télémédecine.",
            "Ibersalud",
            "company",
            "ES",
        ),
        # "annoncent un accord": the announcement of an instrument reports its signing
        (
            "La FM6SS et le consortium néerlandais MedBridge annoncent un accord stratégique pour la "
            "formation des infirmiers.",
            "MedBridge",
            "company",
            "NL",
        ),
        # mutual insurers and federations, with an acronym
        (
            "La FM6SS a conclu une convention avec la Mutuelle Générale des Cheminots (MGC) pour la prise "
            "en charge de ses adhérents.",
            "Mutuelle Générale des Cheminots",
            "mutual insurer",
            None,
        ),
        (
            "La FM6SS a paraphé une convention-cadre avec la Fédération des Cliniques Privées de l'Oriental.",
            "Fédération des Cliniques Privées de l'Oriental",
            "federation",
            None,
        ),
        # the partner as the subject, before the family
        (
            "Le groupe pharmaceutique marocain Medinova a signé une convention avec la FM6SS pour la "
            "production de vaccins.",
            "Medinova",
            "company",
            "MA",
        ),
        (
            "Le laboratoire suisse Genvia et la Fondation Mohammed VI des Sciences et de la Santé ont signé "
            "un protocole d'accord.",
            "Genvia",
            "company",
            "CH",
        ),
        # English
        (
            "FM6SS signed a framework agreement with the Moroccan Federation of Biotech Companies.",
            "Federation of Biotech Companies",
            "federation",
            "MA",
        ),
        (
            "The Mohammed VI Foundation of Sciences and Health signed a memorandum of understanding with the "
            "UK-based NovaGen Labs on Tuesday.",
            "NovaGen Labs",
            None,
            "GB",
        ),
        (
            "FM6SS has inked an agreement with the French insurer Assurvie to cover its students.",
            "Assurvie",
            "company",
            "FR",
        ),
    ],
)
def test_latin_open_world_partner(text: str, name: str, kind: str | None, country: str | None) -> None:
    [partner] = partners(text)
    assert (partner.name, partner.kind, partner.country) == (name, kind, country)
    assert partner.key.startswith("x-")


def test_acronym_in_parentheses_is_kept() -> None:
    text = (
        "La FM6SS a conclu une convention avec la Mutuelle Générale des Cheminots (MGC) pour la prise en "
        "charge de ses adhérents."
    )
    assert partners(text)[0].acronym == "MGC"


@pytest.mark.parametrize(
    ("text", "name", "kind", "country"),
    [
        # the partner before the family, "أعلنت ... عن توقيع", "و" attached
        (
            "أعلنت الجمعية المغربية لطب الأطفال ومؤسسة محمد السادس للعلوم والصحة عن توقيع اتفاقية شراكة.",
            "الجمعية المغربية لطب الأطفال",
            "association",
            "MA",
        ),
        # "و" standing apart
        (
            "وقّعت جمعية أصدقاء مرضى الكلي و مؤسسة محمد السادس للعلوم والصحة، أمس الخميس، اتفاقية إطار.",
            "جمعية أصدقاء مرضى الكلي",
            "association",
            None,
        ),
        # the subject of the verb, the family after "مع", a date between them
        (
            "وقّعت التعاضدية الوطنية لموظفي البريد، يوم الثلاثاء 4 مارس 2025، اتفاقية شراكة مع مؤسسة محمد "
            "السادس للعلوم والصحة.",
            "التعاضدية الوطنية لموظفي البريد",
            "mutual insurer",
            None,
        ),
        # after the family: a Latin name in quotes is the name; the nationality gives the country
        (
            "أعلنت مؤسسة محمد السادس للعلوم والصحة والشركة الألمانية “Helixa”، اليوم بالرباط، توقيع مذكرة "
            "تفاهم.",
            "Helixa",
            "company",
            "DE",
        ),
        # after the family and its seat, a comma, then "و" and the partner
        (
            "وقعت مؤسسة محمد السادس للعلوم والصحة بالدار البيضاء، والفيدرالية الوطنية للصحة، اتفاقية شراكة.",
            "الفيدرالية الوطنية للصحة",
            "federation",
            None,
        ),
        # a Latin name after "مع"
        (
            "وقعت مؤسسة محمد السادس للعلوم والصحة اتفاقية إطار مع “Genvia” السويسرية.",
            "Genvia",
            None,
            "CH",
        ),
        # a headline's order: the subject, then the verb, the family after "مع"
        (
            "الفيدرالية المغربية لصناعة الأدوية توقع اتفاقية شراكة مع مؤسسة محمد السادس للعلوم والصحة",
            "الفيدرالية المغربية لصناعة الأدوية",
            "federation",
            "MA",
        ),
        # "عقدت شراكة مع" a federation of companies
        (
            "عقدت مؤسسة محمد السادس للعلوم والصحة شراكة مع الاتحاد العام لمقاولات الصحة لتطوير التكوين.",
            "الاتحاد العام لمقاولات الصحة",
            "federation",
            None,
        ),
    ],
)
def test_arabic_open_world_partner(text: str, name: str, kind: str | None, country: str | None) -> None:
    [partner] = partners(text)
    assert (partner.name, partner.kind, partner.country) == (name, kind, country)


@pytest.mark.parametrize(
    "text",
    [
        # a namesake foundation signs with an unknown company
        "La Fondation Mohammed VI de promotion des œuvres sociales de l'éducation-formation a signé une "
        "convention avec le groupe français Axium.",
        # FM6SS only attends
        "Le groupe français Axium et l'Université Hassan II ont signé une convention en présence du "
        "président de la FM6SS.",
        # Arabic: no family entity among the parties
        "وقعت موريتانيا والجمعية الوطنية للصحة اتفاقية شراكة.",
        # Arabic: an announcement that is no signing
        "أعلنت مؤسسة محمد السادس للعلوم والصحة عن افتتاح مركز جديد للتكوين.",
        # English: the foundation is only mentioned
        "The UK-based NovaGen Labs signed an agreement with the University of Leeds, a partner of FM6SS.",
    ],
)
def test_no_family_party_no_agreement(text: str) -> None:
    assert not extract_agreements(text, published=PUBLISHED).relevant


@pytest.mark.parametrize(
    ("sentence", "signing"),
    [
        ("La FM6SS a établi un partenariat avec le groupe Medinova.", True),
        ("Le groupe et la fondation annoncent un accord.", True),
        ("The foundation and NovaGen announced a partnership.", True),
        ("عقدت المؤسسة شراكة مع الاتحاد.", True),
        ("Le partenariat concerne les établissements hospitaliers.", False),
    ],
)
def test_signing_predicates(sentence: str, signing: bool) -> None:
    assert is_signing(sentence) is signing


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            "Karim Idrissi, directeur délégué de la Fondation Mohammed VI des Sciences et de la Santé, et "
            "Sofia Marchetti, présidente de Lumen Health et vice-présidente de Helixa Group, lors de la "
            "signature du partenariat à Marrakech.",
            "Lumen Health",
        ),
        (
            "Omar Tazi, president of FM6SS, and Jane Doe, managing director of NovaGen Labs, during the "
            "signing of the agreement in Rabat.",
            "NovaGen Labs",
        ),
    ],
)
def test_partner_named_through_its_signer(text: str, name: str) -> None:
    assert [p.name for p in partners(text)] == [name]


def test_a_guest_affiliation_is_no_party() -> None:
    text = (
        "Karim Idrissi, directeur délégué de la FM6SS, et Sofia Marchetti, présidente de Lumen Health, lors "
        "de la signature du partenariat, en présence de Ali Bennani, président de Atlas Capital."
    )
    assert [p.name for p in partners(text)] == ["Lumen Health"]


SIGNED_AT_THE_SEAT = (
    "Le mémorandum d'entente a été signé mercredi au siège de la FM6SS à Rabat. "
    "Les deux partenaires mettront en commun leurs moyens de recherche clinique. "
    "Les chercheurs de la Fondation Mohammed VI des Sciences et de la Santé et des laboratoires Novartis "
    "conduiront trois études sur l'asthme."
)


def test_signing_sentence_without_parties_takes_the_coordinated_pair() -> None:
    assert [p.name for p in partners(SIGNED_AT_THE_SEAT)] == ["Novartis"]


@pytest.mark.parametrize(
    "text",
    [
        # no "les deux partenaires": nothing says who signed
        SIGNED_AT_THE_SEAT.replace("Les deux partenaires mettront", "On mettra"),
        # the family is not coordinated with the organization
        SIGNED_AT_THE_SEAT.replace(
            "de la Fondation Mohammed VI des Sciences et de la Santé et des laboratoires Novartis",
            "de Novartis, formés à la FM6SS,",
        ),
    ],
)
def test_signing_sentence_without_parties_needs_two_coordinated_partners(text: str) -> None:
    assert not extract_agreements(text, published=PUBLISHED).relevant
