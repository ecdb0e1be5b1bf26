"""What the repositories' lists share: text matched as written, and pages by id in either order (the
API's cursors carry the last id a page showed)."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import false
from sqlalchemy.sql import ColumnElement
from sqlmodel.sql.expression import SelectOfScalar

from services.bus.text import fold

ESCAPE = "\\"
T = TypeVar("T")


def _literal(text: str) -> str:
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def containing(column: Any, text: str) -> ColumnElement[bool]:
    """`column` contains `text` as written: LIKE's wildcards and its escape character match themselves."""
    condition: ColumnElement[bool] = column.like(f"%{_literal(text)}%", escape=ESCAPE)
    return condition


def starting(column: Any, text: str) -> ColumnElement[bool]:
    """`column` starts with `text` as written."""
    condition: ColumnElement[bool] = column.like(f"{_literal(text)}%", escape=ESCAPE)
    return condition


def folded_name(name: str) -> str:
    """A name as organizations' `search_names` holds it: folded (case, accents, Arabic spellings), no
    spaces, so "Astra Zeneca" and "AstraZeneca" are one."""
    return fold(name).replace(" ", "")


def naming(column: Any, name: str) -> ColumnElement[bool]:
    """`column` (bars around folded names) has a name containing `name`; a name that folds to nothing
    (punctuation only) names nothing."""
    folded = folded_name(name)
    return containing(column, folded) if folded else false()


def paged(stmt: SelectOfScalar[T], id_column: Any, after: int, limit: int, newest: bool) -> SelectOfScalar[T]:
    """A page of `stmt` after the row whose id is `after` (0: from the start), newest (highest id) first
    or oldest first."""
    if newest:
        if after:
            stmt = stmt.where(id_column < after)
        return stmt.order_by(id_column.desc()).limit(limit)
    return stmt.where(id_column > after).order_by(id_column).limit(limit)
