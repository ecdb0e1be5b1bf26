"""What kind of instrument was signed (step 5), and whether a sentence reports a signing at all.

Kinds: protocole, memorandum, convention-cadre, accord, convention, partenariat (most specific wins).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from services.parser.text import fold

# (kind, folded cue patterns); the order is the preference when a report names several.
KIND_CUES: tuple[tuple[str, str], ...] = (
    ("protocole", r"protocoles? d accord|protocoles?|protocol|بروتوكول(?:ات)?(?: اتفاق)?"),
    (
        "memorandum",
        r"memorandums? d entente|memorandums?|memoranda|memorandum of understanding|mou|"
        r"mous|مذكره تفاهم|مذكرات تفاهم|مذكرتي تفاهم|مذكره التفاهم",
    ),
    (
        "convention-cadre",
        r"conventions? cadres?|accords? cadres?|framework agreements?|"
        r"(?:ا|لا)تفاقي(?:ه|ات) (?:ال)?اطار|اتفاق (?:ال)?اطار",
    ),
    ("accord", r"accords?|agreements?|(?:ا|لا)تفاق(?! ?ي)|اتفاق شراكه"),
    ("convention", r"conventions?|(?:ا|لا|و|ب)?اتفاقي(?:ه|ات|تين|تان)|الاتفاقيه|contrat|contract"),
    ("partenariat", r"partenariats?|partnerships?|شراك(?:ه|ات)"),
)
_KIND_RES = tuple((kind, re.compile(rf"(?:^| |[وبل])(?:{cue})(?= |$)")) for kind, cue in KIND_CUES)
_PLURAL = re.compile(
    r"\b(?:conventions|accords|protocoles|memorandums|agreements|partnerships|contrats)\b|"
    r"اتفاقيات|اتفاقيتين|اتفاقيتي|مذكرات|بروتوكولات"
)
_NOT_INSTRUMENT = re.compile(
    r"\ben partenariat avec\b|\bin partnership with\b|"
    r"\bبشراكه مع\b|\ben collaboration avec\b|\bd accord\b(?! de)"
)
SIGNING_VERBS = re.compile(
    r"\b(?:sign\w*|paraph\w*|scell\w*|conclu\w*|noue\w*|ratifi\w*|ink\w*|seal\w*|entered into|"
    r"officialis\w*|formalis\w*|annonc\w*|announc\w*|(?:a|ont) etabli|etablissent|forg\w*)\b|"
    r"(?:^| )[وف]?(?:وقع\w*|توقيع\w*|يوقع\w*|ابرام|ابرم\w*|ابرمت|تبرم|الموقع\w*|عقدت|عقدتا|يعقد|تعقد|"
    r"توقع(?:ان)?(?= \S*(?:اتفاق|مذكر|بروتوكول)))"
)
# "une convention entre A et B", "ce protocole avec la Fondation" report an instrument; "le partenariat
# entre A et B" may be old news, "par une convention avec B" a means, not a report.
LINKING = re.compile(
    r"\b(?:lie|liant|lient|entre|between)\b|(?:^| )بين |"
    r"\b(?:ce|cet|cette|this)\b [^.]{0,40}?\b(?:avec|with)\b|(?:^| )(?:هذه|هذا) [^.]{0,40}? مع "
)
# a signing only planned or discussed is not one: "envisagent de signer", "vont signer", "will sign"
PLANNED = re.compile(
    r"\b(?:envisag\w*|pr[ée]voi\w* de (?:sign|conclu)\w*|"
    r"(?:vont|va|devrai\w*|compte\w*) (?:sign|conclu|paraph)\w*|"
    r"projets? d(?:e |['’ ])(?:convention|accord|protocole|memorandum)|"
    r"will (?:sign|conclude)|(?:plan|plans|planned|intends?|expected) to sign|to be signed|"
    r"draft (?:agreement|memorandum|convention))\b|"
    r"(?:^| )(?:سيتم توقيع|ستوقع|سيوقع|سيوقعان|ستوقعان|يعتزم|تعتزم|يعتزمان|تعتزمان|مشروع اتفاقي)"
)


@dataclass(frozen=True)
class KindFinding:
    value: str
    sentence: str
    confidence: float


def kinds_in(sentence: str) -> list[str]:
    text = _instrument_text(sentence)
    return [kind for kind, pattern in _KIND_RES if pattern.search(text)]


def _instrument_text(sentence: str) -> str:
    return _NOT_INSTRUMENT.sub(" ", fold(sentence))


def is_signing(sentence: str) -> bool:
    """An instrument word and a signing verb (or "entre A et B"): the sentence reports a signing."""
    text = _instrument_text(sentence)
    kinds = [kind for kind, p in _KIND_RES if p.search(text)]
    if not kinds or PLANNED.search(text):
        return False
    if SIGNING_VERBS.search(text):
        return True
    return kinds != ["partenariat"] and LINKING.search(text) is not None


def mentions_instrument(sentence: str) -> bool:
    text = _instrument_text(sentence)
    return any(p.search(text) for kind, p in _KIND_RES if kind != "partenariat")


def is_plural(sentence: str) -> bool:
    return _PLURAL.search(fold(sentence)) is not None


def find_kind(signing: Sequence[str]) -> KindFinding | None:
    """The most specific instrument the signing sentences name."""
    best: KindFinding | None = None
    order = [k for k, _ in KIND_CUES]
    for sentence in signing:
        for kind in kinds_in(sentence):
            if best is None or order.index(kind) < order.index(best.value):
                best = KindFinding(kind, sentence, 0.8 if kind != "partenariat" else 0.5)
    return best
