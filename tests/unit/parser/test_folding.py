"""One folding rule: a name written in Arabic gives one key in the parser (matching, organization keys)
and in the store (person keys, text hashes), whichever way the writer spelled it."""

from __future__ import annotations

import pytest

from services.bus import text as bus
from services.parser import prefilter
from services.parser import text as parser
from services.parser.fingerprint import text_hash

# One name, spelled the ways Arabic-language outlets write it: teh marbuta or heh at the end, hamzated or
# bare alef, alef maqsura or yeh, with or without harakat and tatweel.
SPELLINGS = [
    "مؤسسة محمد السادس للعلوم والصحة",
    "مؤسسه محمد السادس للعلوم والصحه",
    "مُؤَسَّسَةُ مُحَمَّدٍ السَّادِسِ لِلْعُلُومِ وَالصِّحَّةِ",
    "مؤسســة محمد السادس للعلـوم والصحة",
]
PEOPLE = ["مصطفى إدريسي", "مصطفي ادريسي", "مُصْطَفَى إِدْرِيسِي", "مصطفى ٱدريسي"]


@pytest.mark.parametrize("spellings", [SPELLINGS, PEOPLE, ["الاتفاقية", "الاتفاقيه", "الإتفاقية"]])
def test_every_spelling_folds_to_one_key_in_every_service(spellings):
    keys = {bus.fold(s) for s in spellings}
    keys |= {parser.fold(s) for s in spellings}
    keys |= {parser.fold_with_map(s).text for s in spellings}
    keys |= {prefilter.fold(s).strip() for s in spellings}
    assert len(keys) == 1, keys


def test_the_agreement_word_keeps_one_ending():
    assert bus.fold("الاتفاقية") == parser.fold("الاتفاقية") == "الاتفاقيه"


def test_arabic_indic_digits_read_as_ascii_digits():
    assert bus.fold("وقعت يوم ١٢ مارس ٢٠٢٤") == "وقعت يوم 12 مارس 2024"
    assert bus.fold("۲۰۲۴") == "2024"


def test_one_text_one_hash_whatever_the_spelling():
    assert text_hash(f"وقعت {SPELLINGS[0]} اتفاقية.") == text_hash(f"وقعت {SPELLINGS[1]} اتفاقيه")


def test_the_offset_map_points_at_the_words_written():
    text = "وقّعت مؤسسـة الشيخ خليفة"
    folded = parser.fold_with_map(text)
    assert folded.text == bus.fold(text)
    start = folded.text.index("خليفه")
    begin, end = folded.span(start, start + len("خليفه"))
    assert text[begin:end] == "خليفة"
