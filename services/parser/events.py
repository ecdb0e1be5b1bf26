"""At which event an agreement was signed (step 5): "en marge du SIM AFRICA 2025", "على هامش معرض ...".

The phrase after the cue is kept when it names an event (a salon, forum, summit...); an acronym given
in parentheses ("Salon ... (SIM AFRICA 2025)") is preferred as the short, stable name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.parser.text import fold

CUES = re.compile(
    r"(?:en marge d[ue]s?|en marge de la|en marge de l['’]|à l['’]occasion d[ue]s?|à l['’]occasion de la|"
    r"lors d[ue]s?|lors de la|lors de l['’]|au cours d[ue]s?|au cours de la|dans le cadre d[ue]s?|"
    r"on the sidelines of(?: the)?|on the margins of(?: the)?|during the|at the|"
    r"على هامش|خلال|بمناسبة|في إطار)\s*(?P<phrase>[^,;.\n]{3,160})",
    re.IGNORECASE,
)
EVENT_NOUNS = re.compile(
    r"\b(?:salon|forum|sommet|congr[eè]s|conf[ée]rence|colloque|exposition|expo|assises|journ[ée]es?|"
    r"symposium|festival|foire|rencontre|summit|congress|conference|fair|show|gitex|siam|excon|cop\d*|"
    r"edition|édition|week|semaine)\b|معرض|منتدى|مؤتمر|قمة|ملتقى|المعرض|المنتدى|المؤتمر|القمة|الملتقى|الدورة|أيام|الأيام",
    re.IGNORECASE,
)
KNOWN = re.compile(
    r"\b(?:GITEX(?: Africa)?(?: \d{4})?|SIM AFRICA(?: \d{4})?|"
    r"SIAM(?: \d{4})?|Africa Health ExCon(?: \d{4})?)\b",
    re.I,
)
NOT_EVENTS = re.compile(
    r"^\s*(?:cette|ce|cet|ces|this|that|these|une|un|a|an|هذا|هذه|تلك)\b|\bpresse\b|\bpress\b|الصحفي",
    re.IGNORECASE,
)
PAREN = re.compile(r"\(([^()]{2,60})\)")


@dataclass(frozen=True)
class EventFinding:
    value: str
    sentence: str
    confidence: float


def find_event(signing: Sequence[str]) -> EventFinding | None:
    for sentence in signing:
        for m in CUES.finditer(sentence):
            name = _event_name(m["phrase"])
            if name:
                return EventFinding(name, sentence, 0.75)
        known = KNOWN.search(sentence)
        if known and "sign" in fold(sentence):
            return EventFinding(known.group(), sentence, 0.6)
    return None


def _event_name(phrase: str) -> str | None:
    # Only a parenthesis inside the phrase names the event; one after a comma names whatever the clause
    # that follows describes ("…, filiale du Dubai World Trade Centre (DWTC)").
    paren = PAREN.search(phrase)
    head = phrase[: paren.start()] if paren else phrase
    if not EVENT_NOUNS.search(head if paren else phrase) or NOT_EVENTS.search(phrase):
        return None
    if paren and re.search(r"[A-Z]{2}", paren.group(1)):
        return paren.group(1).strip()
    known = KNOWN.search(phrase)
    if known:
        return known.group()
    name = re.sub(r"^(?:la|le|les|l['’]|the)\s+", "", phrase.strip(), flags=re.I)
    year = re.search(r"\b(?:19|20)\d\d\b", name)
    if year:  # "... 2025 à Marrakech": the name ends with its edition's year
        name = name[: year.end()]
    return name[:100].strip() or None
