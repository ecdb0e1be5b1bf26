"""CSV cells a spreadsheet would read as a formula, by OWASP's list of first characters."""

import csv
import io

from services.store.api.export import neutral, write_csv


def test_a_cell_that_starts_like_a_formula_is_text():
    for value in ("=1+1", "+33", "-2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://a.example")'):
        assert neutral(value) == "'" + value
    for value in ("Rabat", "الرباط", "", " =x", "2025-04-11", None, 3, True):
        assert neutral(value) == value


def test_every_text_cell_is_quoted_so_a_semicolon_cannot_start_one():
    out = io.StringIO()
    row = {"id": 1, "title": "a; =cmd", "outlet": "@x", "agreements": [1, 2], "relevant": True}
    write_csv(out, "articles", iter([row]))
    (_header, line) = out.getvalue().splitlines()
    assert '"a; =cmd"' in line and '"\'@x"' in line
    (parsed,) = csv.DictReader(io.StringIO(out.getvalue()))
    assert parsed["title"] == "a; =cmd" and parsed["outlet"] == "'@x"
