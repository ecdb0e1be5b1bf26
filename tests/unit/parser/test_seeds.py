"""The five hand-labelled seed articles must be read exactly as labelled (skipped without ../shared)."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.parser.agreements import extract_agreements
from services.parser.people import surname
from services.parser.text import fold

SEEDS = Path(os.environ.get("FM6SS_SHARED_DIR", Path(__file__).resolve().parents[4] / "shared")) / "seeds"
GOLD: dict[str, Any] = (
    json.loads((SEEDS / "gold.json").read_text("utf-8")) if (SEEDS / "gold.json").exists() else {}
)
PARTNER_KEYS = {
    "fm6ss-gsk-maroc": ["gsk-maroc"],
    "fm6ss-astrazeneca-2024-03-15": ["astrazeneca"],
    "fm6ss-astrazeneca-rare-diseases": ["astrazeneca"],
    "fm6ss-sothema": ["sothema"],
    "fm6ss-ministere-sante-amsd-2025-04-11": ["ma-min-sante", "amsd"],
}


@pytest.mark.skipif(not GOLD, reason="no seeds folder")
@pytest.mark.parametrize("gold", GOLD.get("agreements", []), ids=lambda g: str(g["key"]))
def test_seed(gold: dict[str, Any]) -> None:
    (article,) = gold["articles"]
    text = (SEEDS / GOLD["files"][article]).read_text("utf-8")
    extraction = extract_agreements(text)
    assert extraction.relevant
    (agreement,) = extraction.agreements
    assert agreement.parties[0].key == "fm6ss"
    assert [p.key for p in agreement.parties[1:]] == PARTNER_KEYS[gold["key"]]
    expected = date.fromisoformat(gold["signed_on"]) if gold["signed_on"] else None
    assert (agreement.signed_on, agreement.signed_on_precision) == (expected, gold["signed_on_precision"])
    assert fold(agreement.place or "") == fold(gold["place"] or "")
    assert (agreement.event or None) == gold["event"]
    signed = {surname(p.name) for p in agreement.people if p.signed}
    assert signed == {surname(s["name"]) for s in gold["signatories"]}
    assert not agreement.recalled
