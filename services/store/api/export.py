"""`fm6ss export`: agreements and articles as JSON lines or CSV, read in pages so memory stays flat.

The JSON lines are the public records of schemas.py; the format is a documented contract (README).
CSV cells are written for spreadsheets, which run a cell that starts like a formula: such a cell gets a
leading apostrophe (OWASP's rule for CSV injection), and every text cell is quoted.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, Literal, TextIO

from sqlalchemy.engine import Engine
from sqlmodel import Session

from services.store.db.unit_of_work import UnitOfWork
from services.store.records.presenters import agreement_out, article_out
from services.store.records.schemas import AgreementOut, ArticleOut

Kind = Literal["agreements", "articles"]
PAGE = 200

AGREEMENT_COLUMNS = (
    "id",
    "parties",
    "kind",
    "signed_on",
    "signed_on_precision",
    "place",
    "event",
    "themes",
    "signatories",
    "sources",
    "version",
    "updated_at",
)
ARTICLE_COLUMNS = (
    "id",
    "url",
    "canonical_url",
    "relevant",
    "duplicate_of",
    "lang",
    "published",
    "title",
    "outlet",
    "agreements",
)


def records(engine: Engine, kind: Kind) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        with Session(engine) as session:
            uow = UnitOfWork(session)
            rows: list[AgreementOut] | list[ArticleOut]
            if kind == "agreements":
                rows = [agreement_out(uow, a) for a in uow.agreements.listed({}, after, PAGE)]
            else:
                rows = [article_out(uow, a) for a in uow.articles.listed({}, after, PAGE)]
        if not rows:
            return
        for row in rows:
            yield row.model_dump(mode="json")
        after = rows[-1].id


def write_jsonl(out: TextIO, rows: Iterator[dict[str, Any]]) -> int:
    n = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n


def write_csv(out: TextIO, kind: Kind, rows: Iterator[dict[str, Any]]) -> int:
    columns = AGREEMENT_COLUMNS if kind == "agreements" else ARTICLE_COLUMNS
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", quoting=csv.QUOTE_NONNUMERIC)
    writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow({k: neutral(_cell(k, row.get(k))) for k in columns})
        n += 1
    return n


# OWASP's list of what makes a spreadsheet read a cell as a formula (or split it into another cell).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: Any) -> Any:
    """A text cell a spreadsheet shows as text: one that starts like a formula gets a leading "'"."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _cell(column: str, value: Any) -> Any:
    if column == "parties":
        return "; ".join(p["name"] for p in value)
    if column == "signatories":
        return "; ".join(", ".join(x for x in (p["name"], p["role"], p["org"]) if x) for p in value)
    if column == "sources":
        return " ".join(s["url"] for s in value)
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value
