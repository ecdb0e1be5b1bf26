"""What names one signing the same way in two reports: instrument kinds as a lattice, event keys.

Pure; resolution.py weighs kinds and events of two `Signing` summaries with these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from services.bus.text import fold

# Each kind's more general kind. A "protocole d'accord" and a "memorandum of understanding" (مذكرة تفاهم)
# are one instrument under two names, so they share a class; a convention-cadre is a convention, so a
# report calling it "convention" neither confirms nor contradicts it (the later convention d'application
# is another signing, which dates and themes tell apart); "accord" and "partenariat" say nothing.
_CLASS = {"protocole": "understanding", "memorandum": "understanding"}
_PARENT = {
    "understanding": "accord",
    "convention-cadre": "convention",
    "convention": "accord",
    "accord": "partenariat",
}
GENERIC_KINDS = frozenset({"accord", "partenariat"})


def _ancestry(kind: str) -> list[str]:
    out = [_CLASS.get(kind, kind)]
    while out[-1] in _PARENT:
        out.append(_PARENT[out[-1]])
    return out


def kind_relation(a: str, b: str) -> int:
    """+1 one instrument under one or two names, 0 one name is more general than the other (or says
    nothing), -1 two different instruments."""
    if a in GENERIC_KINDS or b in GENERIC_KINDS:
        return 0
    left, right = _ancestry(a), _ancestry(b)
    if left[0] == right[0]:
        return 1
    if left[0] in right or right[0] in left:
        return 0
    return -1


def kinds_relation(a: Iterable[str], b: Iterable[str]) -> int | None:
    """The closest relation between any kind of one summary and any of the other; None if either has none."""
    relations = [kind_relation(x, y) for x in a for y in b]
    return max(relations) if relations else None


# Words that only say which edition or what sort of event it is, never which event.
_NOISE = re.compile(
    r"\b(?:(?:19|20)\d\d|\d+(?:e|eme|er|ere|th|st|nd|rd)?|edition|premiere|deuxieme|troisieme|"
    r"quatrieme|cinquieme|sixieme|septieme|huitieme|neuvieme|dixieme|first|second|third|annual|"
    r"annuel(?:le)?|la|le|les|l|du|de|des|d|the|of|au|aux|en|et|and|a|in|on)\b|"
    r"(?:^| )(?:ال)?دوره(?= |$)|(?:^| )(?:ال)?(?:اولى|ثانيه|ثالثه|رابعه|خامسه|سادسه|سابعه|ثامنه)(?= |$)"
)
# Event names written in Arabic script for a Latin brand: one key for both (جيتكس = GITEX).
_ALIASES = {"جيتكس": "gitex", "سيام": "siam", "كوب": "cop"}
_STOP = frozenset(
    ["de", "du", "des", "d", "l", "la", "le", "les", "au", "aux", "en", "et", "of", "the", "and"]
)
# Tokens that name the sort of event, not the event: two salons are not one salon.
_SORTS = frozenset(
    """salon forum sommet congres conference colloque exposition expo assises journee journees symposium
    festival foire rencontre summit congress fair show week semaine international internationale africa
    afrique maroc morocco معرض منتدي مؤتمر قمه ملتقي المعرض المنتدي المؤتمر القمه الملتقي الدولي
    الدوليه افريقيا افريقي المغرب""".split()  # noqa: SIM905 (a word list reads better as words)
)


def event_tokens(name: str) -> tuple[str, ...]:
    words = [_ALIASES.get(w, w) for w in fold(name).split()]
    return tuple(w for w in _NOISE.sub(" ", " ".join(words)).split() if w)


def event_keys(name: str) -> frozenset[str]:
    """The keys of one event's name: its words without edition or year, and the initials of a name of
    three words or more ("Salon International de l'Agriculture au Maroc" and "SIAM 2025" share "siam")."""
    tokens = event_tokens(name)
    if not tokens:
        return frozenset()
    keys = {" ".join(tokens)}
    content = [w for w in fold(name).split() if w not in _STOP and not w[0].isdigit()]
    if len(content) >= 3 and all(w.isascii() for w in content):
        keys.add("".join(w[0] for w in content))
    return frozenset(keys)


def same_event(a: str, b: str) -> bool:
    """One event: a key in common, or one name's distinctive words all in the other's ("GITEX" and
    "GITEX Africa 2025"), words that only say the sort of event left out."""
    ka, kb = event_keys(a), event_keys(b)
    if ka & kb:
        return True
    ta, tb = set(event_tokens(a)) - _SORTS, set(event_tokens(b)) - _SORTS
    short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return bool(short) and short <= long


def events_relation(a: Iterable[str], b: Iterable[str]) -> bool:
    return any(same_event(x, y) for x in a for y in b)
