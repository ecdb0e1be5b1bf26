from datetime import date

from services.store.ingest.resolution import best_match, date_verdict, joinable, match_score, party_set
from services.store.ingest.signing import Signing, joined_all


def signing(
    *dates: tuple[str, str], kinds=(), themes=(), events=(), signatories=(), recalled=False, reports=()
) -> Signing:
    """One report's summary (its `themes`), or a record's summed over `reports` (each report's themes)."""
    sets = [frozenset(t) for t in reports] or ([frozenset(themes)] if themes else [])
    return Signing(
        dates=frozenset((date.fromisoformat(d), p) for d, p in dates),
        kinds=frozenset(kinds),
        themes=frozenset(themes).union(*sets),
        theme_sets=frozenset(sets),
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


def test_a_short_report_is_compared_with_each_report_of_a_record_not_with_their_union():
    # A record built from many reports sums a dozen themes; a short report of the same signing names
    # four, all of which one earlier report also named.
    record = signing(
        ("2025-07-23", "day"),
        kinds=["protocole"],
        reports=[
            ["rare-diseases", "diagnostics", "training", "research"],
            ["oncology", "genomics", "innovation", "public-health", "hospital-care"],
            ["blood-plasma", "access-to-care", "artificial-intelligence", "centres-of-excellence"],
        ],
    )
    report = signing(kinds=["memorandum"], themes=["rare-diseases", "diagnostics", "training", "research"])
    score = match_score(report, record)
    assert score is not None and score >= 2.0


def test_a_memorandum_and_a_protocol_of_one_ceremony_are_one_instrument():
    protocol = signing(("2025-05-09", "day"), kinds=["protocole"], themes=["oncology", "training"])
    mou = signing(("2025-05-09", "day"), kinds=["memorandum"], themes=["oncology", "training"])
    convention = signing(("2025-05-09", "day"), kinds=["convention"], themes=["oncology", "training"])
    assert match_score(mou, protocol) == (match_score(protocol, protocol) or 0)
    assert (match_score(convention, protocol) or 0) < (match_score(mou, protocol) or 0)


def test_an_event_named_with_its_edition_or_in_arabic_is_the_same_event():
    fr = signing(("2025-04-15", "inferred"), kinds=["convention"], events=["gitex africa 2025"])
    ar = signing(("2025-04-16", "inferred"), kinds=["convention"], events=["معرض جيتكس افريقيا"])
    plain = signing(("2025-04-16", "inferred"), kinds=["convention"])
    assert (match_score(ar, fr) or 0) == (match_score(plain, fr) or 0) + 1.0


def test_a_report_bridges_gaps_between_two_records_never_a_contradiction():
    screening = signing(("2025-05-09", "day"), kinds=["memorandum"], themes=["oncology", "screening"])
    rare = signing(("2025-05-10", "inferred"), kinds=["protocole"], themes=["rare-diseases", "genomics"])
    subjects = ["oncology", "screening", "rare-diseases", "genomics"]
    both = signing(("2025-05-09", "day"), kinds=["memorandum"], themes=subjects)
    assert (match_score(screening, rare) or 0) < 1.0  # alone, too little in common to tell
    assert joinable([screening, both], rare)
    # A framework convention and a protocol reported a fortnight later are two instruments: a vague
    # report of "an agreement" that fits each of them does not make them one.
    cancer = signing(("2025-01-20", "day"), kinds=["convention-cadre"], themes=["oncology", "screening"])
    later = signing(("2025-02-01", "inferred"), kinds=["protocole"], themes=["rare-diseases", "oncology"])
    vague = signing(kinds=["accord"], themes=["oncology", "screening", "rare-diseases"])
    assert (match_score(joined_all([cancer, vague]), later) or 0) >= 1.0
    assert not joinable([cancer, vague], later)


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


def test_two_days_dated_to_the_day_are_two_signings_whatever_the_order():
    """Reports dated a day apart never join: with a tolerance of a day, 10, 11 and 12 April would join or
    not by the order they arrive in (10 with 11, then 12 with the record's 11; or 12 alone after 10), and
    so would the number of records."""
    tenth, eleventh = signing(("2025-04-10", "day"), themes=["plasma"]), signing(("2025-04-11", "day"))
    assert match_score(tenth, eleventh) is None
    assert match_score(eleventh, tenth) is None
