"""Values the parser's pure functions exchange: an extracted article and an extraction result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.bus.messages import AgreementCandidate


@dataclass(frozen=True)
class Article:
    """The readable part of a page."""

    text: str
    title: str | None = None
    published: date | None = None
    lang: str | None = None
    site_name: str | None = None
    canonical_url: str | None = None


@dataclass(frozen=True)
class Extraction:
    """What an article says about FM6SS agreements."""

    relevant: bool
    agreements: tuple[AgreementCandidate, ...] = field(default=())
