"""The words a text uses to introduce an organization it names (step 5): type nouns and nationality
adjectives in French, English and Arabic, read by `partners.py` to find, type and place unknown partners.
"""

from __future__ import annotations

import re

from services.parser.text import fold

# French and English type nouns: "la société X", "the insurer X"; the value is the organization's kind.
TYPE_NOUNS = {
    "société": "company", "groupe": "company", "entreprise": "company", "firme": "company",
    "laboratoire": "company", "laboratoires": "company", "start-up": "company", "startup": "company",
    "cabinet": "company", "banque": "company", "opérateur": "company", "compagnie": "company",
    "assureur": "company", "assurances": "company", "université": "university", "école": "university",
    "institut": "research centre", "centre": "research centre", "hôpital": "hospital",
    "clinique": "hospital", "association": "association", "réseau": "association",
    "syndicat": "association", "fondation": "foundation", "agence": "agency", "office": "agency",
    "caisse": "agency", "fonds": "agency", "groupement": "agency", "organisation": "organization",
    "fédération": "federation", "confédération": "federation", "union": "federation",
    "mutuelle": "mutual insurer", "académie": "academy", "ministère": "ministry",
    "chambre": "chamber", "consortium": "company",
    "company": "company", "group": "company", "firm": "company", "insurer": "company",
    "bank": "company", "laboratory": "company", "university": "university", "hospital": "hospital",
    "institute": "research centre", "foundation": "foundation", "agency": "agency",
    "federation": "federation", "ministry": "ministry",
    "mutual": "mutual insurer", "academy": "academy",
}  # fmt: skip

# Arabic type nouns, with and without the article, as written before folding.
ARABIC_TYPES = {
    "شركة": "company", "مجموعة": "company", "مختبرات": "company", "بنك": "company",
    "جامعة": "university", "كلية": "university", "مدرسة": "university", "مصحة": "hospital",
    "مستشفى": "hospital", "جمعية": "association", "شبكة": "association", "نقابة": "association",
    "معهد": "research centre", "مركز": "research centre", "مؤسسة": "foundation", "وكالة": "agency",
    "هيئة": "agency", "صندوق": "agency", "مكتب": "agency", "مجلس": "local authority",
    "منظمة": "international organization", "فيدرالية": "federation", "جامعة ملكية": "federation",
    "اتحاد": "federation", "كونفدرالية": "federation", "تعاضدية": "mutual insurer",
    "أكاديمية": "academy", "وزارة": "ministry", "غرفة": "chamber",
}  # fmt: skip
ARABIC_TYPES |= {"ال" + noun: kind for noun, kind in ARABIC_TYPES.items()}

# Nationality adjectives (folded) and the country they give.
_NATIONS = {
    "FR": "francais francaise french فرنسيه فرنسي", "MA": "marocain marocaine moroccan مغربيه مغربي",
    "US": "americain americaine american امريكيه امريكي", "GB": "britannique british بريطانيه بريطاني",
    "DE": "allemand allemande german المانيه الماني", "ES": "espagnol espagnole spanish اسبانيه اسباني",
    "IT": "italien italienne italian ايطاليه ايطالي", "BE": "belge belgian بلجيكيه بلجيكي",
    "CH": "suisse swiss سويسريه سويسري", "CA": "canadien canadienne canadian كنديه كندي",
    "CN": "chinois chinoise chinese صينيه صيني", "JP": "japonais japonaise japanese يابانيه ياباني",
    "KR": "coreen coreenne korean كوريه كوري", "AE": "emirati emiratie emirati اماراتيه اماراتي",
    "SA": "saoudien saoudienne saudi", "QA": "qatari qatarie قطريه قطري",
    "TN": "tunisien tunisienne tunisian تونسيه تونسي", "NL": "neerlandais neerlandaise dutch هولنديه",
    "SE": "suedois suedoise swedish سويديه", "DK": "danois danoise danish دانماركيه",
    "IN": "indien indienne indian هنديه هندي", "TR": "turc turque turkish تركيه تركي",
    "PT": "portugais portugaise portuguese برتغاليه", "EG": "egyptien egyptienne egyptian مصريه مصري",
    "SN": "senegalais senegalaise senegalese سنغاليه", "JO": "jordanien jordanienne jordanian اردنيه",
}  # fmt: skip
NATIONS = {word: code for code, words in _NATIONS.items() for word in words.split()}
NATIONS |= {"ال" + word: code for word, code in list(NATIONS.items()) if "\u0600" <= word[0] <= "\u06ff"}
NATIONS |= {"uk": "GB", "us": "US", "usa": "US", "french-based": "FR"}
# French nationality adjectives as written, for the patterns ("le français X", "the French X").
_NATION_WORDS = """
français française marocain marocaine américain américaine britannique allemand allemande espagnol
espagnole italien italienne belge suisse canadien canadienne chinois chinoise japonais japonaise coréen
coréenne émirati émiratie saoudien saoudienne tunisien tunisienne néerlandais néerlandaise suédois
suédoise danois danoise indien indienne turc turque portugais portugaise égyptien égyptienne sénégalais
sénégalaise French Moroccan American British German Spanish Italian Belgian Swiss Canadian Chinese
Japanese Korean Emirati Saudi Tunisian Dutch Swedish Danish Indian Turkish Egyptian
"""
NATION_WORDS = sorted(set(_NATION_WORDS.split()), key=len, reverse=True)
_BASED = re.compile(r"^(?P<place>[A-Z][\w]*)-based$")


def country_of(words: str) -> str | None:
    """The country the first nationality adjective (or "UK-based") among these words gives."""
    for word in words.split():
        based = _BASED.match(word.strip(" ,"))
        folded = fold(based["place"] if based else word)
        if folded in NATIONS:
            return NATIONS[folded]
    return None


def kind_of(noun: str | None) -> str | None:
    """The kind a type noun gives, French, English or Arabic, any case."""
    if not noun:
        return None
    return TYPE_NOUNS.get(noun.lower()) or ARABIC_TYPES.get(noun)
