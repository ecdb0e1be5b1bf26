import itertools
from datetime import date

from services.store.ingest.joining import carried_corrections
from services.store.ingest.merging import MERGED_CORRECTIONS, Support, merge


def s(field, value, published, url, precision=None, confidence=1.0):
    return Support(
        field=field, value=value, article=(published, url), precision=precision, confidence=confidence
    )


def test_explicit_date_beats_inferred_dates_even_when_outnumbered():
    supports = [
        s("signed_on", "2025-04-14", "2025-04-14", "a", "inferred"),
        s("signed_on", "2025-04-14", "2025-04-14", "b", "inferred"),
        s("signed_on", "2025-04-11", "2025-04-15", "c", "day"),
    ]
    merged = merge(supports)
    assert merged.signed_on == date(2025, 4, 11)
    assert merged.signed_on_precision == "day"
    assert [a["value"] for a in merged.alternatives["signed_on"]] == ["2025-04-11", "2025-04-14"]


def test_more_reports_win_then_the_earliest_report():
    supports = [
        s("place", "Rabat", "2025-01-02", "x"),
        s("place", "Casablanca", "2025-01-01", "y"),
        s("place", "Rabat", "2025-01-03", "z"),
    ]
    assert merge(supports).place == "Rabat"
    tie = [s("place", "Rabat", "2025-01-02", "x"), s("place", "Casablanca", "2025-01-01", "y")]
    assert merge(tie).place == "Casablanca"


def test_merge_does_not_depend_on_order():
    supports = [
        s("kind", "convention", "2025-01-02", "a"),
        s("kind", "accord", "2025-01-01", "b"),
        s("theme", "plasma", "2025-01-02", "a"),
        s("theme", "training", "2025-01-01", "b"),
        s("event", "SIM AFRICA 2025", "2025-01-02", "a"),
    ]
    results = {repr(merge(list(p))) for p in itertools.permutations(supports)}
    assert len(results) == 1


def test_a_manual_correction_wins():
    supports = [s("place", "Rabat", "2025-01-02", "x"), s("signed_on", "2025-01-01", "", "x", "day")]
    merged = merge(supports, manual={"place": "Casablanca", "signed_on": "2025-01-03"})
    assert merged.place == "Casablanca"
    assert merged.signed_on == date(2025, 1, 3)


def test_a_merged_away_records_corrections_are_taken_or_listed():
    kept = {"place": "Rabat", MERGED_CORRECTIONS: [{"field": "kind", "value": "accord", "from": 3}]}
    carried = carried_corrections(kept, {"place": "Casablanca", "event": "GITEX Africa"}, 7)
    assert carried["place"] == "Rabat" and carried["event"] == "GITEX Africa"
    assert carried[MERGED_CORRECTIONS] == [
        {"field": "kind", "value": "accord", "from": 3},
        {"field": "place", "value": "Casablanca", "from": 7},
    ]
    merged = merge([Support("place", "Fès", ("2025-01-01", "u"))], carried)
    assert merged.place == "Rabat" and merged.event == "GITEX Africa"
    assert [a["value"] for a in merged.alternatives["place"]] == ["Casablanca"]
    assert merged.alternatives["kind"][0]["corrected_in"] == 3
