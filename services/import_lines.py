"""`fm6ss import`: one JSON object a line, validated here, then sent down the crawled pages' own path.

A line becomes an archived body plus a `ParsePage` command; a bad line is reported and skipped. Each
value is checked by the types of the message it becomes (services/bus/limits.py), so a line the store
could not keep is refused here with its reason, not later as a dead letter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from services.bus.archive import Archive
from services.bus.limits import Lang, Outlet, Published, Title, WebUrl
from services.bus.messages import PageHints, ParsePage


class ImportLine(BaseModel):
    """`{"url", "html" | "text", "title"?, "published"?, "outlet"?, "lang"?}`"""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    url: WebUrl
    html: str | None = None
    text: str | None = None
    title: Title | None = None
    published: Published | None = None
    outlet: Outlet | None = None
    lang: Lang | None = None

    @field_validator("published", mode="before")
    @classmethod
    def _blank_date(cls, v: Any) -> Any:
        return None if v == "" else v

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
