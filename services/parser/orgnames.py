"""One key per organization however a report writes it (step 5): the key an unknown partner is stored under.

A name is folded (`services.bus.text`), its Arabic words are put into French with a word list mined from
the catalogue's parallel aliases, its proper names become consonant skeletons (`services.bus.names`), and
what does not tell one organization from another (articles, legal forms, "Laboratoires", nationality) falls.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

from services.bus.names import skeleton
from services.bus.text import fold
from services.parser.org_nouns import NATIONS

# Institutional words the catalogue may not pair often enough to be mined; checked by hand.
HAND_LEXICON = {
    "اكاديميه": "academie", "مملكه": "royaume", "جامعه": "universite", "وزاره": "ministere",
    "مؤسسه": "fondation", "موسسه": "fondation", "تعاضديه": "mutuelle", "عامه": "generale", "عام": "general",
    "وطنيه": "nationale", "وطني": "national", "تربيه": "education", "صحه": "sante", "مستشفي": "hopital",
    "مركز": "centre", "معهد": "institut", "كليه": "faculte", "جمعيه": "association", "وكاله": "agence",
    "مختبرات": "laboratoires", "مختبر": "laboratoire", "شركه": "societe", "مجموعه": "groupe",
    "مغربيه": "marocaine", "مغربي": "marocain", "مغرب": "maroc", "فرنسيه": "francaise", "فرنسي": "francais",
    "دوليه": "internationale", "دولي": "international", "ملكيه": "royale", "ملكي": "royal",
    "فيدراليه": "federation", "جامعه الملكيه": "federation royale", "مجلس": "conseil", "هيئه": "autorite",
    "صندوق": "caisse", "بحث": "recherche", "علمي": "scientifique", "علوم": "sciences", "طب": "medecine",
    "تعليم": "enseignement", "عالي": "superieur", "ابتكار": "innovation", "تنميه": "developpement",
    "منظمه": "organisation", "اتحاد": "union", "نقابه": "syndicat", "غرفه": "chambre", "تجاره": "commerce",
    "صناعه": "industrie", "مقاولات": "entreprises", "ادويه": "medicament", "تامين": "assurance",
    "تأمين": "assurance", "اجتماعيه": "sociale", "اجتماعي": "social", "حمايه": "protection",
    "منفعه": "interet", "مصلحه": "interet", "تجمع": "groupement", "مكتب": "office", "معادن": "mines",
    "فلاحه": "agriculture", "طاقه": "energie", "كهرباء": "electricite", "ماء": "eau", "نقل": "transport",
    "سياحه": "tourisme", "بنك": "banque", "بيئه": "environnement", "جماعه": "commune", "جهه": "region",
    "مدرسه": "ecole", "مصحه": "clinique", "عدل": "justice", "ماليه": "finances", "اقتصاد": "economie",
}  # fmt: skip
# English institutional words, so "Zephyr Institute" and "Institut Zephyr" agree.
ENGLISH = {
    "university": "universite", "academy": "academie", "ministry": "ministere", "foundation": "fondation",
    "institute": "institut", "hospital": "hopital", "center": "centre", "centre": "centre",
    "national": "nationale", "general": "generale", "mutual": "mutuelle", "health": "sante",
    "association": "association", "agency": "agence", "kingdom": "royaume", "royal": "royale",
    "council": "conseil", "research": "recherche", "sciences": "sciences", "science": "sciences",
    "medicine": "medecine", "federation": "federation", "education": "education",
    "laboratories": "laboratoires",
    "moroccan": "marocaine", "french": "francaise", "international": "internationale",
}  # fmt: skip
STOP = frozenset(
    (
        *("de", "des", "du", "la", "le", "les", "l", "d", "et", "pour", "en", "au", "aux", "a", "sur"),
        *("the", "of", "and", "for", "in", "on", "al", "el", "و", "ل", "ب", "في", "ذات", "ذو", "ذي"),
    )
)
LEGAL_FORMS = frozenset(
    (
        *("sa", "sas", "sasu", "sarl", "sarlau", "eurl", "snc", "sca", "fze", "fzco", "fzllc", "fz", "llc"),
        *("ltd", "limited", "inc", "plc", "gmbh", "ag", "spa", "srl", "bv", "nv", "corp", "corporation"),
        *("co", "cie", "lp", "llp", "pte", "pty", "kg", "ab", "as", "oy", "se", "ش", "م", "شم", "شمم"),
    )
)
# Heads and descriptors a company is named with or without ("Laboratoires X" / "X", "X International FZE").
GENERIC = frozenset(
    (
        *("groupe", "group", "laboratoires", "labs", "lab", "societe", "company", "compagnie", "entreprise"),
        *("firme", "holding", "holdings", "internationale", "global", "groupement", "gip", "gie"),
    )
)
# Nationality words fall from a key ("le français X" is X): the adjectives org_nouns reads a country from,
# and the country names themselves.
NATIONALITY = frozenset(NATIONS) | {"maroc", "morocco", "france"}
_DESCRIPTOR = re.compile(r"\binteret (?:public|general|economique)\b")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&]{1,4}$")
_PUNCT = " .,;:'’\"«»“”()"
_LITERAL = "="  # marks an acronym's word, which `org_key` keeps as it is
_KEY_LENGTH = 80  # of a key after its "x-": longer names end with a hash
_DIGITS = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
# Heads of the catalogue's French names a key keeps as words (not proper names).
_FRENCH_HEADS = ("universite", "ministere", "fondation", "institut", "centre", "hopital", "mutuelle")
_ACRONYM_WORD = re.compile(r"^[A-Z][A-Z0-9&-]{1,7}$")
_PAREN = re.compile(r"\(([^()]*)\)")
_ARABIC = re.compile(r"[\u0600-\u06ff]")


def bare(word: str) -> str:
    """An Arabic folded word without its clitics: و before an article, ب/ل/ك and the article (وبالمغرب ->
    مغرب); a word's own first و stays (وزاره), `_arabic` tries it as a conjunction too."""
    if word.startswith("و") and word[1:3] in ("ال", "لل", "بال", "كال"):
        word = word[1:]
    if word.startswith("لل") and len(word) > 4:
        return word[2:]
    if word[:1] in "بلك" and word[1:3] == "ال" and len(word) > 4:
        word = word[1:]
    return word[2:] if word.startswith("ال") and len(word) > 3 else word


def stem(word: str) -> str:
    """A French or English word without its plural and feminine endings (nationales -> national)."""
    for end in ("s", "x", "e", "s"):
        if len(word) > 4 and word.endswith(end):
            word = word[: -len(end)]
    return word


_GENERIC = frozenset(map(stem, GENERIC))
_NATIONALITY = frozenset(map(stem, NATIONALITY))


def _french_words(alias: str) -> set[str]:
    return {w for w in fold(alias).split() if w not in STOP and len(w) > 1}


def _arabic_words(alias: str) -> set[str]:
    return {bare(w) for w in fold(alias).split() if w not in STOP and len(bare(w)) > 1}


def mine(pairs: Iterable[tuple[Sequence[str], Sequence[str]]]) -> dict[str, str]:
    """Arabic word -> French word from organizations named in both languages: the French word that goes
    with the Arabic one in the most organizations, when they go together at least twice and mostly."""
    together: Counter[tuple[str, str]] = Counter()
    arabic: Counter[str] = Counter()
    french: Counter[str] = Counter()
    shown: dict[str, str] = {}  # a stem's shortest spelling: "national" for national / nationales
    for ar_aliases, fr_aliases in pairs:
        ar = set().union(*map(_arabic_words, ar_aliases))
        words = set().union(*map(_french_words, fr_aliases))
        for w in words:
            if len(w) < len(shown.get(stem(w), w + " ")):
                shown[stem(w)] = w
        fr = {stem(w) for w in words}
        arabic.update(ar)
        french.update(fr)
        together.update((a, f) for a in ar for f in fr)
    scored = sorted(
        ((2 * n / (arabic[a] + french[f]), n, a, f) for (a, f), n in together.items() if n >= 2),
        key=lambda t: (-t[0], -t[1], t[2], t[3]),
    )
    out: dict[str, str] = {}
    for dice, _, a, f in scored:  # one to one: "الحسن الثاني" gives II to الثاني, not to الحسن as well
        if dice >= 0.6 and a not in out and f not in out.values():
            out[a] = shown[f]
    return out


@lru_cache(maxsize=1)
def lexicon() -> dict[str, str]:
    """The mined word list under the hand-checked one."""
    from services.parser.orgs import catalog  # the catalogue keys its names with this module

    return {**mine(catalog().parallel), **HAND_LEXICON}


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, str]:
    """Stems of the French words a translated Arabic name can give, each with the word a key shows: these
    stay words in a key, other words become skeletons so that a proper name's Arabic and Latin spellings
    agree."""
    words = {*lexicon().values(), *ENGLISH.values(), *GENERIC, *NATIONALITY, *_FRENCH_HEADS}
    out: dict[str, str] = {}
    for w in sorted(words, key=lambda w: (len(w), w)):
        out.setdefault(stem(w), w)
    return out


def _arabic(word: str) -> str:
    b = bare(word)
    for form in (b, bare(b[1:]) if b[:1] in "وبلك" and len(b) > 3 else None):
        if form and form in lexicon():
            return lexicon()[form]
    return b


def _without_acronym(name: str) -> str:
    """ "Zephyr Santé (ZS)" and "ZS (Zephyr Santé)" both name Zephyr Santé: the full name is the key."""
    inside = [m.group(1).strip() for m in _PAREN.finditer(name)]
    outside = _PAREN.sub(" ", name).strip()
    if _ACRONYM_WORD.match(outside):  # only an acronym outside: the full name is inside
        return next((i for i in inside if len(i.split()) > 1), outside)
    return outside


def _acronym(token: str) -> bool:
    """Capitals read letter by letter (CNSS, MGEN), not a name written in capitals (KAOUN, PHARMA)."""
    return bool(_ACRONYM.match(token)) and sum(c in "AEIOUY" for c in token) * 2 < len(token)


def _words(name: str) -> list[str]:
    """The folded words of a name, Arabic ones put into French where the word list knows them."""
    out: list[str] = []
    for token in name.split():
        if (compact := fold(token).replace(" ", "")) in LEGAL_FORMS:  # S.A.R.L., S.A.
            out.append(compact)
            continue
        # the letters of an acronym are not sounds: kept as written
        if _acronym(token.strip(_PUNCT)) and fold(token) not in LEGAL_FORMS | GENERIC | STOP:
            out.append(_LITERAL + fold(token).replace(" ", ""))
            continue
        for w in _DIGITS.sub(" ", fold(token)).split():
            w = _arabic(w) if _ARABIC.search(w) else ENGLISH.get(w, w)
            out.append(vocabulary().get(stem(w), w))
    return out


def _proper(word: str) -> bool:
    """A word no translation gives: part of a proper name (or an acronym)."""
    return word.startswith(_LITERAL) or stem(word) not in vocabulary()


def _singular(word: str) -> str:
    """A proper-name word without a plural's s or Arabic's feminine plural ات, and without the final س an
    Arabic spelling gives a Latin name's s, so "Hydrocarbures" and «هيدروكاربورات», "Mutandis" and
    «موتانديس» give one skeleton."""
    if len(word) <= 4:
        return word
    if _ARABIC.search(word):
        return word[:-2] if word.endswith("ات") else word.removesuffix("س")
    return word.removesuffix("s")


def acronym_in(name: str) -> str | None:
    """The acronym a name gives in parentheses, beside its full name: "Caisse Zélandaise (CZ)" -> "CZ"."""
    inside: list[str] = [m.group(1).strip() for m in _PAREN.finditer(name)]
    outside = _PAREN.sub(" ", name).strip()
    pairs: list[tuple[str, str]] = [(i, outside) for i in inside] + [(outside, i) for i in inside]
    for one, other in pairs:
        if _ACRONYM_WORD.match(one) and len(other.split()) > 1:
            return one
    return None


@lru_cache(maxsize=4096)
def org_key(name: str) -> str:
    """The key of an organization's name: the same organization written with or without article, legal
    form, company head, nationality or acronym, in French, English or Arabic, gives one key."""
    words = _DESCRIPTOR.sub(" ", " ".join(_words(_without_acronym(name)))).split()
    kept = [w for w in words if w not in STOP and w not in LEGAL_FORMS and stem(w) not in _NATIONALITY]
    named = [w for w in kept if stem(w) not in _GENERIC]
    # A company head falls only before a proper name: "Laboratoires Zephyr" is Zephyr, while "Entreprises
    # du Médicament" would be left with a common noun.
    core = named if any(_proper(w) for w in named) else kept
    parts: list[str] = []
    chunk = ""
    for w in [*core, ""]:  # neighbouring proper-name words join: "Pharma 5" and "Pharma5" agree
        if w and _proper(w) and not w.startswith(_LITERAL):
            chunk += skeleton(_singular(w)) or w
            continue
        if chunk:
            parts.append(chunk)
            chunk = ""
        if w:
            parts.append(w.lstrip(_LITERAL))
    key = "-".join(sorted(set(parts)) or fold(name).split())
    if len(key) <= _KEY_LENGTH:
        return "x-" + key
    # A long name is not cut: two names alike up to there would share a key. Its end is a hash of it all.
    digest = hashlib.blake2b(key.encode(), digest_size=5).hexdigest()
    return f"x-{key[: _KEY_LENGTH - len(digest) - 1]}-{digest}"
