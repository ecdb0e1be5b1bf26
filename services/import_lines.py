"""`fm6ss import`: one JSON object a line, validated here, then sent down the crawled pages' own path.

A line becomes an archived body plus a `ParsePage` command; a bad line is reported and skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from services.bus.archive import Archive
from services.bus.messages import PageHints, ParsePage

_PUBLISHED = re.compile(r"^\d{4}-\d{2}(-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?)?$")


class ImportLine(BaseModel):
    """`{"url", "html" | "text", "title"?, "published"?, "outlet"?, "lang"?}`"""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    url: str
    html: str | None = None
    text: str | None = None
    title: str | None = None
    published: str | None = None
    outlet: str | None = None
    lang: str | None = None

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+", v):
            raise ValueError("must be an http(s) URL")
        return v

    @field_validator("published")
    @classmethod
    def _date(cls, v: str | None) -> str | None:
        if v is not None and v != "" and not _PUBLISHED.match(v):
            raise ValueError('must be "YYYY-MM-DD", "YYYY-MM" or an ISO datetime')
        return v or None

    @model_validator(mode="after")
    def _body(self) -> ImportLine:
        if not (self.html or self.text):
            raise ValueError('needs a non-empty "html" or "text"')
        return self


@dataclass(frozen=True)
class BadLine:
    number: int
    reason: str


def read_lines(lines: Iterable[str]) -> Iterator[tuple[int, ImportLine | BadLine]]:
    """Each non-blank line, numbered from 1, validated or explained."""
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield number, BadLine(number, f"not JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(data, dict):
            yield number, BadLine(number, f"expected a JSON object, got {type(data).__name__}")
            continue
        try:
            yield number, ImportLine.model_validate(data)
        except ValidationError as exc:
            yield number, BadLine(number, _explain(exc))


def _explain(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err["loc"]) or "line"
        parts.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def to_command(line: ImportLine, archive: Archive, run_id: int | None = None) -> ParsePage:
    body = line.html if line.html else line.text
    assert body is not None
    return ParsePage(
        url=line.url,
        archive_key=archive.put(body.encode("utf-8")),
        content_kind="html" if line.html else "text",
        hints=PageHints(title=line.title, published=line.published, outlet=line.outlet, lang=line.lang),
        run_id=run_id,
        screen=False,
    )
