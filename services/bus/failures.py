"""How a failure is told where people read it (a dead letter's reason, a log line): its kind and what
went wrong, never the SQL statement and the values a database error carries (an article's text)."""

from __future__ import annotations

import re

from pydantic import ValidationError

REASON_CHARS = 500
# SQLAlchemy writes a failed statement and its parameters under the driver's message, then a link to
# its documentation (or nothing, when the text was cut). In a repr the line breaks are "\\n".
_STATEMENT = re.compile(r"(\n|\\n)\[SQL: .*?(\n|\\n)\(Background on this error at: [^)]*\)", re.DOTALL)
_STATEMENT_TO_END = re.compile(r"(\n|\\n)\[SQL: .*", re.DOTALL)
STATEMENT_LEFT_OUT = " [statement left out]"


def reason_of(exc: BaseException) -> str:
    """`Kind: what went wrong`, on one line of at most REASON_CHARS."""
    if isinstance(exc, ValidationError):  # where and what, without the input
        detail = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'message'}: {e['msg']}" for e in exc.errors()[:5]
        )
    else:
        # a database error (SQLAlchemy's DBAPIError) wraps the driver's, whose first line is the message
        origin = getattr(exc, "orig", None)
        text = str(origin if isinstance(origin, BaseException) else exc).strip()
        detail = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {detail}"[:REASON_CHARS]


def without_statements(text: str) -> str:
    """`text` (a log message, a traceback) without the SQL statements and parameters of database errors."""
    if "[SQL: " not in text:
        return text
    return _STATEMENT_TO_END.sub(STATEMENT_LEFT_OUT, _STATEMENT.sub(STATEMENT_LEFT_OUT, text))
