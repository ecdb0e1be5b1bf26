from datetime import date

from services.store.ingest.resolution import best_match, date_verdict, match_score, party_set
from services.store.ingest.signing import Signing


def signing(
    *dates: tuple[str, str], kinds=(), themes=(), events=(), signatories=(), recalled=False
) -> Signing:
    return Signing(
        dates=frozenset((date.fromisoformat(d), p) for d, p in dates),
        kinds=frozenset(kinds),
        themes=frozenset(themes),
        events=frozenset(events),
        signatories=frozenset(signatories),
        recalled=recalled,
    )


def test_party_set_counts_the_family_once_and_ignores_order():
    assert party_set(["family", "gsk", "family", "amsd"]) == "amsd|gsk"
    assert party_set(["family"]) == "family"


def test_same_day_reports_in_two_languages_match_even_with_different_themes():
    fr = signing(("2025-04-11", "day"), kinds=["convention"], themes=["plasma", "training"])
    ar = signing(("2025-04-11", "day"), kinds=["convention"], themes=["blood-donation"])
    assert match_score(ar, fr) is not None and match_score(ar, fr) >= 1.0


def test_explicit_dates_a_week_apart_are_two_signings():
    a = signing(("2025-04-11", "day"), themes=["plasma"])
    b = signing(("2025-04-25", "day"), themes=["plasma"])
    assert date_verdict(a, b) is None
    assert match_score(a, b) is None


def test_a_later_report_dated_by_its_publication_fits_an_explicit_signing():
    signed = signing(("2024-03-15", "day"), themes=["cancer", "centres-of-excellence"])
    report = signing(("2024-03-20", "inferred"), themes=["cancer", "centres-of-excellence"])
    assert match_score(report, signed) >= 1.0


def test_a_report_a_year_later_is_not_that_signing_unless_it_only_recalls_it():
    signed = signing(("2024-03-15", "day"), themes=["cancer"])
    later = signing(("2025-06-01", "inferred"), themes=["cancer"])
    assert match_score(later, signed) is None
    recall = signing(("2025-06-01", "inferred"), themes=["cancer"], recalled=True)
    assert match_score(recall, signed) >= 1.0


def test_same_parties_on_another_subject_stay_apart():
    cancer = signing(
        ("2024-03-15", "day"),
        kinds=["accord"],
        themes=["cancer", "centres-of-excellence", "access-to-treatment", "training"],
    )
    rare = signing(
        kinds=["protocole"], themes=["rare-diseases", "genetics", "centres-of-excellence", "training"]
    )
    assert best_match(rare, {1: cancer}) is None


def test_best_match_prefers_the_closer_record_then_the_oldest():
    a = signing(("2025-01-10", "day"), themes=["x"])
    b = signing(("2025-01-11", "day"), themes=["x"], signatories=["jane-doe"])
    report = signing(("2025-01-11", "day"), themes=["x"], signatories=["jane-doe"])
    assert best_match(report, {1: a, 2: b}) == 2
    assert best_match(signing(("2025-01-10", "day"), themes=["x"]), {1: a, 2: a}) == 1


def test_a_signatory_written_in_arabic_and_in_latin_letters_is_one_signatory():
    from services.bus.messages import AgreementCandidate, OrgRef, PersonRole
    from services.store.ingest.signing import SigningRow, signing_of_candidate, signing_of_rows

    party = OrgRef(key="x-zfr", name="Laboratoires Zephyr")

    def report(name: str):
        candidate = AgreementCandidate(parties=(party,), people=(PersonRole(name=name, signed=True),))
        return signing_of_candidate(candidate, date(2025, 5, 2))

    latin, arabic = report("Karim Benjelloun"), report("كريم بنجلون")
    assert latin.signatories == arabic.signatories != frozenset()
    stored = '{"key": "karim-benjelloun", "name": "Karim Benjelloun", "signed": true}'
    row = SigningRow(1, "person", stored, None, 1, date(2025, 5, 2), False)
    assert signing_of_rows([row]).signatories == arabic.signatories
