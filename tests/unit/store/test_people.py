"""Who a record says was there: person mentions of its reports, one person whatever the script."""

from services.bus.text import fold
from services.store.ingest.refresh import _same_people


def mention(name: str, role: str | None = None, signed: bool = True) -> dict:
    return {
        "key": fold(name).replace(" ", "-"),
        "name": name,
        "role": role,
        "org_key": None,
        "signed": signed,
    }


def test_a_signer_named_in_arabic_and_in_latin_letters_is_one_person_shown_in_latin_letters():
    found = _same_people(
        [
            mention("كريم بنجلون", "رئيس الجامعة"),
            mention("Karim Benjelloun", "président de l'université"),
            mention("Karim Benjelloun", "président de l'université"),
        ]
    )
    assert list(found) == ["karim-benjelloun"]
    assert [m["role"] for m in found["karim-benjelloun"]][:2] == ["président de l'université"] * 2


def test_a_transliteration_a_letter_away_joins_but_two_people_stay_two():
    found = _same_people(
        [mention("Lahcen Amrani"), mention("الحسن العمراني"), mention("Samira Tazi"), mention("عمر الفيلالي")]
    )
    assert sorted(found) == ["lahcen-amrani", "samira-tazi", "عمر-الفيلالي"]
    assert len(found["lahcen-amrani"]) == 2


def test_only_arabic_reports_keep_the_most_frequent_arabic_name():
    found = _same_people([mention("سميرة التازي"), mention("سميرة التازي"), mention("سميره التازي")])
    assert len(found) == 1 and next(iter(found.values()))[0]["name"] == "سميرة التازي"
