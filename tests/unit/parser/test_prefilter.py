"""The prefilter may pass an unrelated page on; it must never drop one where the matcher finds the family."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.parser.matcher import find_mentions
from services.parser.prefilter import _HIDDEN, may_concern_family, quick_fold, strip_hidden

ROOT = Path(__file__).resolve().parents[3]
CORPUS = [
    json.loads(line)
    for line in (ROOT / "tests/fixtures/corpus/articles.jsonl").read_text("utf-8").splitlines()
]


def mentions_family(text: str) -> bool:
    return any(m.org.family for m in find_mentions(text))


@pytest.mark.parametrize("item", CORPUS, ids=lambda item: item["url"].rsplit("/", 1)[-1])
def test_every_corpus_article_that_names_the_family_passes(item):
    text = item.get("text") or item["html"]
    if mentions_family(text):
        assert may_concern_family(text, item.get("title"))


def test_seeds_pass(shared_dir):
    texts = [p.read_text("utf-8") for p in sorted((shared_dir / "seeds").glob("*.txt"))]
    assert len(texts) == 5
    assert all(may_concern_family(t) for t in texts)


@pytest.mark.parametrize(
    "page",
    [
        "<p>La <b>Fondation Mohammed VI</b> des <i>Sciences</i> et de la Sant&eacute; a sign&eacute;…</p>",
        "<p>Accord entre l'UM6SS et une clinique de Dakhla.</p>",
        "<p>La Fondation Mohamed 6 pour les Sciences et la Santé</p>",
        "<p>La Fondation Mouhamed VI des Sciencs et de la Santé signe avec l'OMS</p>",  # misspelled twice
        "<p>وقعت مؤسسة محمّد السّادس للعلوم والصّحة اتفاقية</p>",  # with Arabic diacritics
        "<p>وقعت المؤسسة اتفاقية مع جامعة محمد السادس لعلوم الصحة</p>",
        "<p>The Mohammed VI Foundation for Science and Health signed a memorandum.</p>",
        "<p>L'Hôpital Universitaire Cheikh Khalifa accueille un nouveau service.</p>",
        "<p>FM6SS</p>",
    ],
)
def test_family_names_pass_in_any_spelling_or_markup(page):
    assert may_concern_family(page)


@pytest.mark.parametrize(
    "page",
    [
        "<p>Sa Majesté le Roi Mohammed VI a adressé un message de félicitations au président élu.</p>",
        "<p>Le Stade Mohammed V rouvrira ses portes après huit mois de travaux.</p>",
        "<p>بعث جلالة الملك محمد السادس برقية تهنئة إلى رئيس الجمهورية.</p>",
        "<p>King Mohammed VI chaired a council of ministers in Rabat.</p>",
        "<p>La Fondation Mohammed V pour la Solidarité distribue des paniers de Ramadan.</p>",
        "<p>Le Raja s'impose trois buts à un face au Wydad dans le derby.</p>",
    ],
)
def test_unrelated_news_is_dropped(page):
    assert not may_concern_family(page)


def test_the_title_counts_too():
    assert may_concern_family("<p>La convention a été signée mardi.</p>", "La FM6SS signe avec l'OMS")


def test_quick_fold_reads_words_not_markup():
    assert quick_fold("<div class='Santé'>Santé&nbsp;<b>PUBLIQUE</b></div>") == " sante publique "


WORDS = st.sampled_from(
    [
        "AASS",
        "aass",
        "FMSS",
        "fmss",
        "FM6-SS",
        "Fondation",
        "Foundation",
        "Université",
        "Mohammed",
        "Mohamed",
        "Muhammad",
        "VI",
        "6",
        "des",
        "pour",
        "Sciences",
        "Science",
        "et",
        "de",
        "la",
        "Santé",
        "Health",
        "for",
        "and",
        "FM6SS",
        "UM6SS",
        "Roi",
        "Stade",
        "V",
        "مؤسسة",
        "جامعة",
        "محمد",
        "السادس",
        "للعلوم",
        "والصحة",
        "الملك",
        "signe",
        "avec",
        "l'",
        ",",
        ".",
        "<b>",
        "</b>",
        "Cheikh",
        "Khalifa",
        "Hôpital",
        "Academie",
        "Africaine",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=30).map(" ".join))
def test_never_drops_what_the_matcher_would_find(text):
    if mentions_family(text):
        assert may_concern_family(text)


def test_scripts_styles_and_comments_are_not_read_but_json_ld_is():
    hidden = "<script>var tag = 'FM6SS';</script><style>.fm6ss{}</style><!-- FM6SS --><p>Le derby.</p>"
    assert not may_concern_family(hidden)
    ld = '<script type="application/ld+json">{"articleBody": "La FM6SS signe une convention"}</script>'
    assert may_concern_family(ld + "<p>Le derby.</p>")


def test_short_acronyms_count_only_in_capitals_as_the_matcher_takes_them():
    assert may_concern_family("<p>Accord signé par la FMSS et l'AASS.</p>")
    assert may_concern_family("<p>La FM6-SS signe avec l'OMS.</p>")
    assert not may_concern_family("<p>xq aass fmss zz</p>")  # what random bytes decode to, now and then


def test_random_bytes_are_off_topic():
    import os

    from services.parser.pipeline import decode

    assert not any(may_concern_family(decode(os.urandom(200_000))) for _ in range(20))


# Pieces that make scripts, styles and comments open and end, closed or not, in any case and order.
_PIECES = st.sampled_from(
    [
        "<script>",
        "<SCRIPT src=x>",
        "<scripts>",
        "<script type='application/ld+json'>",
        "</script>",
        "</Script\n>",
        "<style a=1>",
        "</STYLE >",
        "<!--",
        "-->",
        "<",
        ">",
        "-",
        "ld+json",
        "texte ",
        "نص",
        "\n",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_hidden_parts_are_stripped_as_the_single_pattern_does(page):
    assert strip_hidden(page) == _HIDDEN.sub(" ", page)


def test_a_script_without_its_end_stays_and_the_rest_is_still_read():
    page = "<p>Avant</p><script>var a = 1;<!-- note --><p>Après</p><style>p{}</style>"
    assert strip_hidden(page) == "<p>Avant</p><script>var a = 1; <p>Après</p> "
