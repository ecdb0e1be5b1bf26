"""Organization knowledge for agreement extraction (step 5): the curated file, loaded once per process.

`data/organizations.yaml` names the known organizations; this module turns it into `Org` values and the
folded alias table the matcher (`matcher.py`) searches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from services.bus.messages import OrgRef
from services.parser.text import fold

STOP_WORDS = frozenset(
    (
        *("de", "des", "du", "la", "le", "les", "l", "d", "et", "pour", "en", "au", "aux", "a"),
        *("the", "of", "and", "for", "in", "al", "el", "sa", "sarl", "ltd", "inc", "group", "groupe"),
        *("maroc", "morocco", "marocaine", "marocain", "المغرب"),
        *("شركه", "الشركه", "مجموعه", "المجموعه", "مختبرات", "societe", "laboratoires", "company"),
    )
)


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


def spelling_variants(folded: str) -> set[str]:
    """The usual transliteration and spacing variants of one folded alias."""
    out = {folded}
    for a, b in (("mohammed", "mohamed"), ("mohammed", "muhammad"), ("mohammed", "mohammad")):
        out |= {v.replace(a, b) for v in out}
    out |= {re.sub(r"\bvi\b", "6", v) for v in out}
    out |= {v.replace(" و ", " و") for v in out} | {re.sub(r" و(?=\S)", " و ", v) for v in out}
    out |= {"لل" + v[2:] for v in out if v.startswith("ال")}  # "للوكالة": the article's alef drops after "ل"
    return out


def _caps_only(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return len(alias) <= 6 and bool(letters) and all(c.isupper() for c in letters)


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The packaged organizations file; read on first use, then kept for the process."""
    raw = resources.files("services.parser").joinpath("data/organizations.yaml").read_text("utf-8")
    data = yaml.safe_load(raw)
    orgs: dict[str, Org] = {}
    aliases: dict[str, Alias] = {}
    for entry in data["organizations"]:
        org = _org(entry)
        orgs[org.key] = org
        for name in (org.name, *org.aliases, *([org.acronym] if org.acronym else [])):
            caps = _caps_only(name)
            for variant in spelling_variants(fold(name)):
                if len(variant) >= 2:
                    aliases.setdefault(variant, Alias(variant, org, caps))
    return Catalog(int(data["version"]), orgs, aliases)


def unknown_org(name: str, kind: str | None = None) -> OrgRef:
    """A partner the file does not know: the same folded name always gives the same key."""
    return OrgRef(key=unknown_key(name), name=name, kind=kind, family=False)


def unknown_key(name: str) -> str:
    words = [w for w in fold(name).split() if w not in STOP_WORDS]
    return "x-" + "-".join(words or fold(name).split())[:80]
