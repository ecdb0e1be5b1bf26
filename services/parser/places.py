"""Where an agreement was signed (step 5): "à Rabat", datelines ("RABAT (MAP) -"), "بالرباط", "in Rabat".

Places come from a small gazetteer so that a capitalized word after "à" is never taken for a city; the
canonical (Latin) name is returned whatever the article's language, so reports in any language agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from services.parser.text import fold

CITIES: dict[str, tuple[str, ...]] = {
    "Rabat": ("rabat", "الرباط"),
    # البيضاء alone is also "white": only read after a preposition or as a dateline (see find_seat)
    "Casablanca": ("casablanca", "casa", "الدار البيضاء", "الدارالبيضاء", "البيضاء"),
    "Marrakech": ("marrakech", "marrakesh", "مراكش"),
    "Fès": ("fes", "fez", "فاس"),
    "Tanger": ("tanger", "tangier", "tangiers", "طنجة"),
    "Agadir": ("agadir", "أكادير", "اكادير"),
    "Dakhla": ("dakhla", "الداخلة"),
    "Laâyoune": ("laayoune", "العيون"),
    "Oujda": ("oujda", "وجدة"),
    "Meknès": ("meknes", "مكناس"),
    "Tétouan": ("tetouan", "تطوان"),
    "Kénitra": ("kenitra", "القنيطرة"),
    "El Jadida": ("el jadida", "الجديدة"),
    "Benguerir": ("benguerir", "ben guerir", "بنجرير", "ابن جرير"),
    "Béni Mellal": ("beni mellal", "بني ملال"),
    "Nador": ("nador", "الناظور"),
    "Safi": ("safi", "آسفي", "اسفي"),
    "Salé": ("sale", "سلا"),
    "Ifrane": ("ifrane", "إفران", "افران"),
    "Essaouira": ("essaouira", "الصويرة"),
    "Errachidia": ("errachidia", "الرشيدية"),
    "Guelmim": ("guelmim", "كلميم"),
    "Ouarzazate": ("ouarzazate", "ورزازات"),
    "Settat": ("settat", "سطات"),
    "Mohammedia": ("mohammedia", "المحمدية"),
    "Khouribga": ("khouribga", "خريبكة"),
    "Al Hoceima": ("al hoceima", "الحسيمة"),
    "Paris": ("paris", "باريس"),
    "Genève": ("geneve", "geneva", "جنيف"),
    "Londres": ("londres", "london", "لندن"),
    "Dubaï": ("dubai", "دبي"),
    "Abu Dhabi": ("abu dhabi", "abou dhabi", "أبوظبي", "أبو ظبي", "ابوظبي"),
    "Riyad": ("riyad", "riyadh", "الرياض"),
    "Dakar": ("dakar", "داكار"),
    "Abidjan": ("abidjan", "أبيدجان"),
    "Addis-Abeba": ("addis abeba", "addis ababa", "أديس أبابا"),
    "Kigali": ("kigali", "كيغالي"),
    "Bruxelles": ("bruxelles", "brussels", "بروكسل"),
    "Madrid": ("madrid", "مدريد"),
    "Washington": ("washington", "واشنطن"),
    "New York": ("new york", "نيويورك"),
    "Le Caire": ("le caire", "cairo", "القاهرة"),
    "Tunis": ("tunis", "تونس"),
    "Doha": ("doha", "الدوحة"),
    "Pékin": ("pekin", "beijing", "بكين"),
    "Bouskoura": ("bouskoura", "بوسكورة"),
    "Témara": ("temara", "تمارة"),
    "Skhirat": ("skhirat", "الصخيرات"),
    "Berrechid": ("berrechid", "برشيد"),
    "Taza": ("taza", "تازة"),
    "Larache": ("larache", "العرائش"),
    "Khénifra": ("khenifra", "خنيفرة"),
    "Tiznit": ("tiznit", "تزنيت"),
    "Taroudant": ("taroudant", "تارودانت"),
    "Chefchaouen": ("chefchaouen", "شفشاون"),
    "Berkane": ("berkane",),
    "Smara": ("smara", "السمارة"),
    "Tan-Tan": ("tan tan", "طانطان"),
    "Zagora": ("zagora", "زاكورة"),
    "Midelt": ("midelt", "ميدلت"),
    "Benslimane": ("benslimane", "بنسليمان"),
    "Nouakchott": ("nouakchott", "نواكشوط"),
    "Bamako": ("bamako", "باماكو"),
    "Niamey": ("niamey", "نيامي"),
    "Libreville": ("libreville", "ليبرفيل"),
    "Kinshasa": ("kinshasa", "كينشاسا"),
    "Lagos": ("lagos", "لاغوس"),
    "Nairobi": ("nairobi", "نيروبي"),
    "Accra": ("accra", "أكرا"),
    "Saint-Louis": ("saint louis",),
    "Alger": ("alger", "algiers", "الجزائر العاصمة"),
    "Beyrouth": ("beyrouth", "beirut", "بيروت"),
    "Amman": ("amman",),
    "Istanbul": ("istanbul", "إسطنبول", "اسطنبول"),
    "Djeddah": ("djeddah", "jeddah"),
    "Koweït": ("koweit", "kuwait city", "الكويت"),
    "Manama": ("manama", "المنامة"),
    "Mascate": ("mascate", "muscat", "مسقط"),
    "Rome": ("rome", "روما"),
    "Berlin": ("berlin", "برلين"),
    "Vienne": ("vienne", "vienna", "فيينا"),
    "Lisbonne": ("lisbonne", "lisbon", "لشبونة"),
    "Barcelone": ("barcelone", "barcelona", "برشلونة"),
    "Séville": ("seville", "sevilla", "إشبيلية"),
    "Lyon": ("lyon", "ليون"),
    "Marseille": ("marseille", "مرسيليا"),
    "Bordeaux": ("bordeaux", "بوردو"),
    "Toulouse": ("toulouse", "تولوز"),
    "Lille": ("lille",),
    "Montpellier": ("montpellier", "مونبلييه"),
    "Annecy": ("annecy",),
    "Lausanne": ("lausanne", "لوزان"),
    "Zurich": ("zurich", "زيورخ"),
    "Montréal": ("montreal", "مونتريال"),
    "Québec": ("quebec", "كيبيك"),
    "Ottawa": ("ottawa", "أوتاوا"),
    "Boston": ("boston", "بوسطن"),
    "Tokyo": ("tokyo", "طوكيو"),
    "Séoul": ("seoul",),
    "Moscou": ("moscou", "moscow", "موسكو"),
    "Le Cap": ("le cap", "cape town", "كيب تاون"),
    "Johannesburg": ("johannesburg", "جوهانسبرغ"),
}


@dataclass(frozen=True)
class PlaceFinding:
    value: str
    sentence: str
    confidence: float


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], dict[str, str]]:
    names = {fold(alias): city for city, aliases in CITIES.items() for alias in aliases}
    alt = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    # French/English: "à Rabat", "in Rabat", "au siège ... à Rabat";
    # Arabic: "بالرباط", "بمدينة الداخلة", "في الرباط".
    inline = re.compile(
        rf"(?:^| )(?:a|in|at|en la ville de|dans la ville de|و?(?:في|بمدينه|في مدينه|ب))"
        rf"\s?(?P<city>{alt})(?= |$)"
    )
    dateline = re.compile(
        rf"^(?P<city>{alt})(?: (?:le )?\d{{1,2}} \w+(?: \d{{4}})?)?(?: map| mapexpress| ومع)? "
    )
    bare = re.compile(rf"(?:^| )(?P<city>{alt})(?= |$)")
    return inline, dateline, bare, names


def find_place(signing: Sequence[str], first_line: str, fallback: Sequence[str] = ()) -> PlaceFinding | None:
    """The city a signing sentence names, else one a ceremony sentence names, else the dateline."""
    inline, dateline, _, names = _patterns()
    for sentence in signing:
        m = inline.search(fold(sentence))
        if m:
            return PlaceFinding(names[m["city"]], sentence, 0.85)
    for sentence in fallback:
        m = inline.search(fold(sentence))
        if m:
            return PlaceFinding(names[m["city"]], sentence, 0.6)
    head = first_line[:80]
    if re.search(
        r"^\s*[^\s,.;:]+(?:[ -][^\s,.;:]+)?\s*(?:\(.{0,20}\)|,[^,]{0,25})?\s*(?:[—–-]{1,2}|:)"
        r"|^\s*\S+ \(MAP\)",
        head,
    ):
        m = dateline.match(fold(head))
        if m:
            return PlaceFinding(names[m["city"]], first_line, 0.75)
    for sentence in signing:
        unknown = UNKNOWN_CITY.search(sentence)
        if unknown:
            return PlaceFinding(unknown["city"], sentence, 0.5)
    return None


# "au centre des Pensières à Annecy": a capitalized word after "à" at the end of a clause
UNKNOWN_CITY = re.compile(
    r"\b(?:à|in)\s+(?P<city>[A-ZÀ-Þ][a-zà-ÿ]+(?:-[A-ZÀ-Þ][a-zà-ÿ]+)?)(?=\s*[,.;]|\s+(?:le|on)\b)"
)


def is_city(name: str) -> bool:
    return fold(name) in _patterns()[3]


def find_seat(sentences: Sequence[str]) -> PlaceFinding | None:
    """Last resort: a city the signing sentences place a party in ("وقعت أ و ب بالبيضاء، اتفاقية").

    Only a locative ("à", "in", "ب", "في") counts: "l'Université ... de Rabat" names a seat, which says
    where the signing took place only when the text puts the signing there ("au siège de", "بمقر").
    """
    inline, _, bare, names = _patterns()
    at_a_seat = any(VENUE.search(s) for s in sentences)
    for sentence in sentences:
        m = (bare if at_a_seat else inline).search(fold(sentence))
        if m:
            return PlaceFinding(names[m["city"]], sentence, 0.4)
    return None


# the signing took place at a party's premises, so the city in that party's name is where
VENUE = re.compile(
    r"\b(?:au si[èe]ge|[àa] la pr[ée]sidence|dans les locaux|au campus|"
    r"at (?:the|its) (?:headquarters|premises|campus))\b|(?:بمقر|في مقر|داخل مقر)",
    re.IGNORECASE,
)
