import json

from services.bus.archive import MemoryArchive
from services.import_lines import BadLine, ImportLine, read_lines, to_command


def test_good_and_bad_lines_are_numbered():
    lines = [
        json.dumps({"url": "https://a.ma/1", "text": "Texte.", "published": "2025-04-11"}),
        "",
        "{not json",
        json.dumps({"url": "https://a.ma/2"}),
        json.dumps({"url": "ftp://a.ma/3", "html": "<p>x</p>"}),
        json.dumps({"url": "https://a.ma/4", "text": "x", "published": "11/04/2025"}),
        json.dumps(["a list"]),
        json.dumps({"url": "https://a.ma/5", "html": "<p>نص</p>", "published": "2025-04"}),
    ]
    got = dict(read_lines(lines))
    assert isinstance(got[1], ImportLine)
    assert 2 not in got
    assert isinstance(got[3], BadLine) and "not JSON" in got[3].reason
    assert isinstance(got[4], BadLine) and "html" in got[4].reason
    assert isinstance(got[5], BadLine) and "url" in got[5].reason
    assert isinstance(got[6], BadLine) and "published" in got[6].reason
    assert isinstance(got[7], BadLine) and "JSON object" in got[7].reason
    assert isinstance(got[8], ImportLine)


def test_a_line_becomes_an_archived_parse_command():
    archive = MemoryArchive()
    line = ImportLine(url="https://a.ma/1", html="<p>x</p>", title="T", outlet="Le Matin", lang="fr")
    command = to_command(line, archive)
    assert archive.get(command.archive_key) == b"<p>x</p>"
    assert command.content_kind == "html"
    assert command.hints.outlet == "Le Matin"


TEXT = "La Fondation Mohammed VI des Sciences et de la Santé a signé une convention à Rabat. " * 3


def _line(**fields) -> str:
    return json.dumps({"url": "https://lematin.ma/convention", "text": TEXT, **fields}, ensure_ascii=False)


def test_a_line_the_store_could_not_keep_is_refused_with_its_field():
    """Each was "imported", then failed in the store (a varchar overflow, an unreadable URL)."""
    lines = [
        _line(url="https://lematin.ma/" + "a" * 2000),
        _line(outlet="o" * 300),
        _line(lang="français-marocain"),
        _line(title="ت" * 2000),
        _line(title="Convention\u0000signée"),
        _line(url="http://[::1/x"),
        _line(published="2025-13-01"),
        _line(published="2025-02-30"),
        _line(title="ت" * 1000, outlet="o" * 200, lang="ar-MA", published="2025-02-28"),
    ]
    got = dict(read_lines(lines))
    expected = ["url", "outlet", "lang", "title", "title", "url", "published", "published"]
    for number, field in enumerate(expected, 1):
        assert isinstance(got[number], BadLine), number
        assert got[number].reason.startswith(f"{field}: "), got[number].reason
        assert "Fondation" not in got[number].reason and "aaaa" not in got[number].reason
    assert "IPv6" in got[6].reason
    assert isinstance(got[9], ImportLine)  # at the limits, kept


def test_lines_break_at_line_feeds_only(tmp_path):
    """U+2028, U+0085 and U+000C are text inside a JSON string: a line the export writes stays whole,
    and the numbers of the lines after it stay right."""
    from services.cli.common import open_lines

    path = tmp_path / "in.jsonl"
    lines = [
        _line(title="Convention\u2028signée"),
        _line(url="https://hespress.ma/a", title="اتفاقية\u0085شراكة"),
        _line(url="https://x.ma/b", text="Agreement\u000csigned. " * 10),
        "{broken",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = open_lines(str(path))
    assert len(read) == 4
    got = dict(read_lines(read))
    assert [type(got[n]).__name__ for n in (1, 2, 3, 4)] == [
        "ImportLine",
        "ImportLine",
        "ImportLine",
        "BadLine",
    ]
    assert got[1].title == "Convention\u2028signée"
