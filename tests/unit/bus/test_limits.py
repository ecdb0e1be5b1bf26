"""The limits every way in shares (services/bus/limits.py), and the failure text people read."""

from datetime import date

import pytest
from pydantic import ValidationError

from services.bus.failures import reason_of, without_statements
from services.bus.limits import published_date, signed_on_date
from services.bus.messages import KINDS, PageHints, SourceInput
from services.parser.kinds import KIND_CUES

STATEMENT = (
    "(psycopg.errors.StringDataRightTruncation) value too long for type character varying(200)\n"
    "[SQL: UPDATE agreement SET place=%(place)s::VARCHAR WHERE agreement.id = %(agreement_id)s::INTEGER]\n"
    "[parameters: {'place': 'Casablanca, Casablanca', 'agreement_id': 1}]\n"
    "(Background on this error at: https://sqlalche.me/e/21/9h9h)"
)


def test_the_kinds_a_correction_takes_are_the_parsers():
    assert tuple(kind for kind, _ in KIND_CUES) == KINDS


def test_dates_are_real_days():
    assert published_date("2025-02-28") == date(2025, 2, 28)
    assert published_date("2025-04") == date(2025, 4, 1)
    assert published_date("2025-04-11T09:30:00+01:00") == date(2025, 4, 11)
    assert published_date("2025-04-11T09:30:00Z") == date(2025, 4, 11)
    for bad in ("2025-13-01", "2025-02-30", "hier", "11/04/2025", "20250411", ""):
        assert published_date(bad) is None, bad
    assert signed_on_date("2025") == date(2025, 1, 1) and signed_on_date("2025-04") == date(2025, 4, 1)
    for bad in ("2025-13", "2025-4", "25-04-11", "2025-04-31"):
        with pytest.raises(ValueError):
            signed_on_date(bad)


def test_hints_read_back_from_the_store_leave_out_what_no_longer_passes():
    kept = PageHints.stored(
        {"title": "ت" * 1500, "published": "2025-13-01", "outlet": "Hespress", "lang": "ar", "x": 1}
    )
    assert kept == PageHints(outlet="Hespress", lang="ar")
    with pytest.raises(ValidationError):
        PageHints(published="2025-13-01")


def test_a_source_as_an_operator_gives_it():
    good = {"name": "lematin", "kind": "rss", "url": "https://lematin.ma/rss"}
    assert SourceInput.model_validate(good).url == good["url"]
    for change in (
        {"url": "notaurl"},
        {"url": "https://lematin.ma/\nrss"},
        {"url": "https://lematin.ma/" + "ص" * 400},  # 2,419 characters once percent-encoded
        {"kind": "listing"},
        {"kind": "listing", "link_pattern": "(unclosed"},
        {"name": "a" * 67},
        {"lang": "français-ma"},
        {"interval_minutes": 2**31},
    ):
        with pytest.raises(ValidationError):
            SourceInput.model_validate({**good, **change})


def test_failures_are_told_without_statement_or_values():
    class DataError(Exception):
        def __init__(self) -> None:
            super().__init__(STATEMENT)
            self.orig = ValueError(STATEMENT.split("\n")[0].split(") ", 1)[1])

    assert reason_of(DataError()) == "DataError: value too long for type character varying(200)"
    assert reason_of(ValueError("Invalid IPv6 URL")) == "ValueError: Invalid IPv6 URL"
    for text in (STATEMENT, repr(STATEMENT), f"Task raised unexpected: DataError({STATEMENT[:150]!r})"):
        cleaned = without_statements(text)
        assert "[SQL" not in cleaned and "Casablanca" not in cleaned and "UPDATE" not in cleaned, cleaned
        assert "character varying(200)" in cleaned
    with pytest.raises(ValidationError) as caught:
        PageHints(title="Convention\x00secrète")
    assert reason_of(caught.value) == "ValidationError: title: Value error, may not contain a NUL character"
    assert "secrète" not in reason_of(caught.value)
