"""Organization knowledge for agreement extraction (step 5): the curated file, loaded once per process.

`services/bus/data/organizations.yaml` names the known organizations (in the bus: the crawler's
prefilter reads the family's names from it too); this module turns it into `Org` values and the
folded alias table the matcher (`matcher.py`) searches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from services.bus.messages import OrgRef
from services.bus.prefilter import caps_only, organizations_document, spelling_variants
from services.parser.orgnames import acronym_in, org_key
from services.parser.text import fold


@dataclass(frozen=True)
class Org:
    key: str
    name: str
    acronym: str | None
    kind: str | None
    country: str | None
    family: bool
    aliases: tuple[str, ...]

    def ref(self) -> OrgRef:
        return OrgRef(
            key=self.key,
            name=self.name,
            acronym=self.acronym,
            aliases=self.aliases,
            kind=self.kind,
            country=self.country,
            family=self.family,
        )


@dataclass(frozen=True)
class Alias:
    """One folded spelling of an organization, as the matcher looks for it."""

    folded: str
    org: Org
    caps_only: bool  # a short all-capital acronym: only matches text written in capitals


@dataclass(frozen=True)
class Catalog:
    version: int
    orgs: dict[str, Org]
    aliases: dict[str, Alias]
    # (Arabic aliases, French aliases) of each organization named in both: the word list's source
    parallel: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()


def _org(entry: dict[str, Any]) -> Org:
    names: list[str] = []
    for lang in ("fr", "en", "ar"):
        names.extend(str(a) for a in (entry.get("aliases") or {}).get(lang) or [])
    return Org(
        key=str(entry["key"]),
        name=str(entry["name"]),
        acronym=entry.get("acronym"),
        kind=entry.get("kind"),
        country=entry.get("country"),
        family=bool(entry.get("family", False)),
        aliases=tuple(dict.fromkeys(n for n in names if n != entry["name"])),
    )


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The packaged organizations file; read on first use, then kept for the process."""
    data = organizations_document()
    orgs: dict[str, Org] = {}
    aliases: dict[str, Alias] = {}
    parallel = []
    for entry in data["organizations"]:
        names = entry.get("aliases") or {}
        if names.get("ar") and names.get("fr"):
            parallel.append((tuple(map(str, names["ar"])), tuple(map(str, names["fr"]))))
        org = _org(entry)
        orgs[org.key] = org
        for name in (org.name, *org.aliases, *([org.acronym] if org.acronym else [])):
            caps = caps_only(name)
            for variant in spelling_variants(fold(name)):
                if len(variant) >= 2:
                    aliases.setdefault(variant, Alias(variant, org, caps))
    return Catalog(int(data["version"]), orgs, aliases, tuple(parallel))


_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")


def unknown_org(name: str, kind: str | None = None) -> OrgRef:
    """A partner the matcher did not find by its aliases: the catalogue's organization when the name keys
    like one of its aliases (an Arabic name of an organization the file knows in French), else a partner
    keyed by its name (`orgnames.org_key`), so every way of writing it gives one key."""
    key = unknown_key(name)
    # A name in Latin letters links only through the catalogue's Latin names: a transliterated Arabic
    # alias loses letters (سيرفييه keys like any "S-R-F" word), so it links only names in Arabic.
    catalog_keys = keyed_catalog(latin=not _ARABIC_LETTER.search(name))
    known = catalog_keys.get(key) if _distinctive(key) else None
    if known is not None:
        return known.ref()
    return OrgRef(key=key, name=name, acronym=acronym_in(name), kind=kind, family=False)


def unknown_key(name: str) -> str:
    return org_key(name)


def _distinctive(key: str) -> bool:
    """A key that can name only one organization: one of three letters or more, not a short skeleton."""
    return len(key) >= 5


@lru_cache(maxsize=2)
def keyed_catalog(latin: bool = False) -> dict[str, Org]:
    """The catalogue's partners by the key of each of their names; a key two organizations share is left
    out, and so is the family (its namesakes must not become it); `latin`: from Latin-lettered names only."""
    found: dict[str, set[str]] = {}
    data = catalog()
    for org in data.orgs.values():
        if org.family:
            continue
        for name in (org.name, *org.aliases):
            if not (latin and _ARABIC_LETTER.search(name)):
                found.setdefault(org_key(name), set()).add(org.key)
    return {key: data.orgs[next(iter(orgs))] for key, orgs in found.items() if len(orgs) == 1}
