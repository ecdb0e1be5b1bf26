"""Field merging: an agreement's fields are settled from the evidence of all its reports.

Explicit beats inferred, more reports beat fewer, the earliest report breaks ties; the losing values
stay visible as alternatives. Pure, and independent of the order the reports arrived in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

PRECISION_RANK = {"day": 3, "month": 2, "year": 1, "inferred": 0}
SINGLE_FIELDS = ("kind", "signed_on", "place", "event")
# Under this key of an agreement's corrections: those of records merged into it that lost to its own.
MERGED_CORRECTIONS = "merged_corrections"


@dataclass(frozen=True)
class Support:
    """One report's value for one field."""

    field: str
    value: str
    article: tuple[str, str]  # (published or "", canonical URL): orders reports, earliest first
    precision: str | None = None
    confidence: float = 1.0


@dataclass(frozen=True)
class Merged:
    kind: str | None
    signed_on: date | None
    signed_on_precision: str | None
    place: str | None
    event: str | None
    themes: list[str]
    alternatives: dict[str, list[dict[str, Any]]]


def _order(field: str, value: str, supports: list[Support]) -> tuple[Any, ...]:
    """Sort key, best first: precision (dates only), reports, confidence, earliest report, value."""
    precision = max(PRECISION_RANK.get(s.precision or "", 0) for s in supports) if field == "signed_on" else 0
    reports = len({s.article for s in supports})
    confidence = max(s.confidence for s in supports)
    return (-precision, -reports, -confidence, min(s.article for s in supports), value)


def _choose(field: str, supports: list[Support]) -> tuple[Support | None, list[dict[str, Any]]]:
    by_value: dict[str, list[Support]] = defaultdict(list)
    for s in supports:
        by_value[s.value].append(s)
    if not by_value:
        return None, []
    ranked = sorted(by_value.items(), key=lambda kv: _order(field, kv[0], kv[1]))
    alternatives = [
        {"value": value, "reports": len({s.article for s in group}), "precision": group[0].precision}
        for value, group in ranked
    ]
    winner = max(ranked[0][1], key=lambda s: PRECISION_RANK.get(s.precision or "", 0))
    return winner, alternatives if len(ranked) > 1 else []


def merge(supports: list[Support], manual: dict[str, Any] | None = None) -> Merged:
    manual = manual or {}
    chosen: dict[str, Support | None] = {}
    alternatives: dict[str, list[dict[str, Any]]] = {}
    for name in SINGLE_FIELDS:
        winner, alts = _choose(name, [s for s in supports if s.field == name])
        chosen[name] = winner
        if alts:
            alternatives[name] = alts
    themes = sorted({s.value for s in supports if s.field == "theme"})
    date_support = chosen["signed_on"]
    signed_on = date.fromisoformat(date_support.value) if date_support else None
    precision = date_support.precision if date_support else None
    merged = Merged(
        kind=chosen["kind"].value if chosen["kind"] else None,
        signed_on=signed_on,
        signed_on_precision=precision,
        place=chosen["place"].value if chosen["place"] else None,
        event=chosen["event"].value if chosen["event"] else None,
        themes=themes,
        alternatives=alternatives,
    )
    return _apply_manual(merged, manual)


def _apply_manual(merged: Merged, manual: dict[str, Any]) -> Merged:
    """An operator's correction wins over every report, and survives re-parsing."""
    if not manual:
        return merged
    values = {**merged.__dict__}
    alternatives = {k: list(v) for k, v in merged.alternatives.items()}
    for lost in manual.get(MERGED_CORRECTIONS, []):
        entry = {"value": lost["value"], "reports": 0, "precision": None, "corrected_in": lost["from"]}
        alternatives.setdefault(lost["field"], []).append(entry)
    values["alternatives"] = alternatives
    for key, value in manual.items():
        if key == MERGED_CORRECTIONS:
            continue
        if key == "signed_on" and value is not None:
            values["signed_on"] = date.fromisoformat(str(value))
        elif key in values:
            values[key] = value
    return Merged(**values)
