"""The cheap first look at a fetched page (step 5, before extraction): could it concern the family at all?

Most pages a crawl fetches are unrelated news. Full extraction (main text, language, organizations,
agreements, fingerprints) costs milliseconds a page; this check costs a fraction of that and reads the
whole page, boilerplate included, so it can only err on the side of passing a page on. The rules are the
bus's (`services.bus.prefilter`, shared with the crawler, which asks them of news-search titles); here they
run over the family names of the parser's own catalogue.
"""

from __future__ import annotations

from functools import lru_cache

from services.bus.prefilter import HIDDEN as _HIDDEN
from services.bus.prefilter import FamilyPrefilter, fold, strip_hidden, words
from services.parser.orgs import catalog


@lru_cache(maxsize=1)
def _prefilter() -> FamilyPrefilter:
    return FamilyPrefilter(
        (folded, alias.caps_only) for folded, alias in catalog().aliases.items() if alias.org.family
    )


def quick_fold(page: str) -> str:
    return fold(words(page))


def may_concern_family(*texts: str | None) -> bool:
    """False only when no text could give the matcher a family mention (`services.bus.prefilter`)."""
    return _prefilter().may_concern_family(*texts)


__all__ = ["_HIDDEN", "fold", "may_concern_family", "quick_fold", "strip_hidden", "words"]
