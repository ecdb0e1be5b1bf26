"""The resolution decision with its reasons: the verdicts of resolution.py, and the same choice."""

from __future__ import annotations

import itertools

from services.store.ingest.decision import decide
from services.store.ingest.resolution import PARTIAL_PARTIES_THRESHOLD, best_match, match_score
from tests.unit.store.test_resolution import signing


def decide_traced(*args, **kwargs):
    return decide(*args, **kwargs, traced=True)


APRIL_11 = signing(("2025-04-11", "day"), kinds=["convention"], themes=["plasma"], signatories=["a-b"])


def no_nested() -> dict:
    raise AssertionError("nested records are read only when no record of the same parties fits")


def test_no_record_of_these_parties_makes_a_new_one():
    d = decide_traced(APRIL_11, "cnts", {}, dict)
    assert (d.agreement_id, d.how, d.considered) == (None, "new", ())
    assert "no stored record" in d.reason


def test_the_same_signing_joins_with_the_verdicts_that_scored_it():
    record = signing(("2025-04-11", "day"), kinds=["convention"], themes=["plasma", "training"])
    d = decide_traced(APRIL_11, "cnts", {7: record}, no_nested)
    assert (d.agreement_id, d.how) == (7, "same_parties")
    [c] = d.considered
    assert c.chosen and c.reason == "joined"
    assert c.score == match_score(APRIL_11, record)
    assert c.date_score == 2.0  # both dated to the same day
    assert c.score == c.date_score + c.content_score + 0.5
    assert "same kinds: convention" in c.shared
    assert "score" in d.reason and f"{c.score:.2f}" in d.reason


def test_a_record_refused_by_its_dates_is_listed_with_why():
    later = signing(("2025-06-20", "day"), kinds=["convention"], themes=["plasma"])
    d = decide_traced(APRIL_11, "cnts", {3: later}, dict)
    assert (d.agreement_id, d.how) == (None, "new")
    [c] = d.considered
    assert (c.date_score, c.score, c.chosen) == (None, None, False)
    assert c.reason == "refused: the dates rule it out"
    assert any(x.startswith("dates: 2025-04-11 (day)") for x in c.shared)


def test_a_weak_match_is_refused_below_the_threshold():
    # No date in the record, another specific kind, no theme in common: score under 1.0.
    record = signing(kinds=["memorandum"], themes=["oncology"])
    d = decide_traced(APRIL_11, "cnts", {4: record}, dict)
    [c] = d.considered
    assert d.agreement_id is None and c.score is not None and c.score < 1.0
    assert c.reason.startswith("refused: score")


def test_the_record_fed_before_and_an_operators_link_come_first():
    near = signing(("2025-04-11", "day"), kinds=["convention"], themes=["plasma"], signatories=["a-b"])
    fair = signing(("2025-04-11", "day"), themes=["plasma"])
    assert best_match(APRIL_11, {1: near, 2: fair}) == 1
    d = decide_traced(APRIL_11, "cnts", {1: near, 2: fair}, no_nested, previous=frozenset({2}))
    assert (d.agreement_id, d.how) == (2, "previous")
    assert [c.reason for c in d.considered] == ["not chosen: another record came first", "joined"]
    d = decide_traced(APRIL_11, "cnts", {1: near, 2: fair}, no_nested, manual=9)
    assert (d.agreement_id, d.how) == (9, "manual")


def test_a_record_naming_one_party_more_needs_strong_evidence():
    strong = signing(("2025-04-11", "day"), kinds=["convention"], themes=["plasma"], signatories=["a-b"])
    weak = signing(("2025-04-30", "inferred"), themes=["plasma"])
    d = decide_traced(APRIL_11, "cnts", {}, lambda: {5: ("cnts|msps", weak), 6: ("cnts|msps", strong)})
    assert (d.agreement_id, d.how) == (6, "nested_parties")
    by_id = {c.agreement_id: c for c in d.considered}
    assert by_id[5].threshold == PARTIAL_PARTIES_THRESHOLD and not by_id[5].chosen
    assert by_id[6].chosen


def test_the_decision_is_best_match_whatever_the_records():
    pool = [
        signing(("2025-04-11", "day"), kinds=["convention"]),
        signing(("2025-04-10", "day"), themes=["plasma"], signatories=["a-b"]),
        signing(("2025-05-02", "inferred"), kinds=["memorandum"]),
        signing(("2024-04-11", "day"), kinds=["convention"], themes=["plasma"]),
        signing(themes=["plasma", "training"]),
    ]
    for size in range(len(pool) + 1):
        for chosen in itertools.combinations(range(len(pool)), size):
            records = {i + 1: pool[i] for i in chosen}
            expected = best_match(APRIL_11, records)
            assert decide(APRIL_11, "cnts", records, dict).agreement_id == expected
            assert decide_traced(APRIL_11, "cnts", records, dict).agreement_id == expected
