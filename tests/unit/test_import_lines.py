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
