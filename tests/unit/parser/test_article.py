"""Main-text extraction on small pages written for these tests (no third-party articles)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from services.parser import extract_text
from services.parser.article import extract_article
from services.parser.boilerplate import strip_boilerplate, words

FR_PARAGRAPHS = [
    "La Fondation Mohammed VI des Sciences et de la Santé a signé mardi une convention de partenariat "
    "avec une université partenaire afin de développer la formation des médecins de demain.",
    "Selon les deux parties, l'accord prévoit des échanges d'étudiants, des programmes de recherche "
    "communs et la création d'un laboratoire dédié aux maladies chroniques.",
    "La cérémonie de signature s'est déroulée en présence des responsables des deux institutions, "
    "qui ont salué une coopération appelée à durer plusieurs années.",
]
AR_PARAGRAPHS = [
    "وقعت مؤسسة محمد السادس للعلوم والصحة يوم الثلاثاء اتفاقية شراكة مع جامعة شريكة من أجل تطوير "
    "التكوين الطبي والبحث العلمي في المملكة.",
    "وتنص الاتفاقية على تبادل الطلبة والأساتذة وإطلاق برامج بحث مشتركة في مجال الأمراض المزمنة "
    "وتعزيز التعاون بين المؤسستين.",
    "وجرى حفل التوقيع بحضور مسؤولي المؤسستين الذين أشادوا بهذه الخطوة الهامة لفائدة المنظومة الصحية.",
]
EN_PARAGRAPHS = [
    "The Mohammed VI Foundation for Science and Health signed a partnership agreement on Tuesday with a "
    "partner university to expand the training of physicians and nurses.",
    "Under the agreement, both institutions will exchange students and faculty, run joint research "
    "programmes and open a shared laboratory for chronic diseases.",
    "Officials from both sides attended the signing ceremony and described the deal as the start of a "
    "long-term cooperation between the two institutions.",
]


def page(
    paragraphs: list[str], *, head: str = "", before: str = "", after: str = "", lang: str = "fr"
) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">{head}</head><body>'
        f'<header><nav><a href="/">Accueil</a> <a href="/sante">Santé</a> <a href="/eco">Économie</a></nav>'
        f"</header>{before}<main><article><h1>Signature d'une convention</h1>{body}</article></main>"
        f"{after}<footer><p>Mentions légales</p></footer></body></html>"
    )


def test_french_page_keeps_every_paragraph_and_detects_french():
    article = extract_article(page(FR_PARAGRAPHS), "https://journal.example.ma/sante/convention-1")
    for paragraph in FR_PARAGRAPHS:
        assert paragraph in article.text
    assert "Accueil" not in article.text
    assert "Mentions légales" not in article.text
    assert article.lang == "fr"


def test_arabic_page_is_read_and_detected_as_arabic():
    html = page(AR_PARAGRAPHS, lang="ar")
    article = extract_article(html, "https://akhbar.example.ma/news/1")
    assert all(p in article.text for p in AR_PARAGRAPHS)
    assert article.lang == "ar"


def test_english_page_drops_repeated_headline():
    html = page(EN_PARAGRAPHS, head="<title>Signature d'une convention | Example News</title>", lang="en")
    article = extract_article(html, "https://news.example.com/health/agreement")
    assert article.text.splitlines()[0] == EN_PARAGRAPHS[0]
    assert article.lang == "en"
    assert article.title == "Signature d'une convention"


def test_comments_related_posts_and_share_widgets_are_left_out():
    share = '<div class="share"><a href="#">Partager sur Facebook</a> <a href="#">Twitter</a></div>'
    related = (
        '<aside class="related"><h3>À lire aussi</h3><ul>'
        '<li><a href="/a">Un autre article sans rapport</a></li>'
        '<li><a href="/b">Encore un titre à cliquer</a></li></ul></aside>'
    )
    comments = (
        '<section id="comments" class="comments"><h3>3 commentaires</h3>'
        '<div class="comment"><p>Quel bel accord, bravo à toute l’équipe de la fondation !</p></div>'
        '<div class="comment"><p>Enfin une bonne nouvelle pour les étudiants de la région.</p></div>'
        "</section>"
    )
    html = page(FR_PARAGRAPHS, before=share, after=share + related + comments)
    text = extract_text(html, "https://journal.example.ma/sante/convention-2")
    assert all(p in text for p in FR_PARAGRAPHS)
    for noise in ("Partager", "Un autre article", "bravo", "bonne nouvelle", "commentaires"):
        assert noise not in text


def test_wire_story_keeps_its_dateline():
    first = "Rabat, 12 mars 2024 (MAP) - " + FR_PARAGRAPHS[0]
    html = page([first, *FR_PARAGRAPHS[1:]])
    text = extract_text(html, "https://wire.example.ma/depeche/123")
    assert text.startswith("Rabat, 12 mars 2024 (MAP) - La Fondation")


def test_metadata_comes_from_json_ld_and_meta_tags():
    ld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "Example Santé"},
            {
                "@type": "NewsArticle",
                "headline": "La fondation signe une convention",
                "datePublished": "2024-03-12T10:30:00+01:00",
                "publisher": {"@type": "Organization", "name": "Example Santé"},
            },
        ],
    }
    head = (
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        '<link rel="canonical" href="/sante/la-fondation-signe">'
    )
    article = extract_article(page(FR_PARAGRAPHS, head=head), "https://journal.example.ma/x?utm_source=y")
    assert article.title == "La fondation signe une convention"
    assert article.published == date(2024, 3, 12)
    assert article.site_name == "Example Santé"
    assert article.canonical_url == "https://journal.example.ma/sante/la-fondation-signe"


def test_meta_tags_when_there_is_no_json_ld():
    head = (
        '<meta property="og:site_name" content="Le Journal">'
        '<meta property="article:published_time" content="2023-11-02T08:00:00Z">'
        '<meta property="og:url" content="https://journal.example.ma/">'
    )
    article = extract_article(page(FR_PARAGRAPHS, head=head), "https://journal.example.ma/a/1")
    assert article.site_name == "Le Journal"
    assert article.published == date(2023, 11, 2)
    assert article.canonical_url is None  # the site root is no article's address


def test_json_ld_article_body_rescues_a_script_rendered_page():
    ld = {"@type": "NewsArticle", "headline": "Accord", "articleBody": "<p>" + "</p><p>".join(FR_PARAGRAPHS)}
    html = (
        '<html><head><script type="application/ld+json">'
        f"{json.dumps(ld)}</script></head><body><div id='app'></div></body></html>"
    )
    text = extract_text(html, "https://spa.example.ma/article/9")
    assert all(p in text for p in FR_PARAGRAPHS)
    assert "<p>" not in text


def test_broken_html_still_gives_the_text():
    html = page(FR_PARAGRAPHS).replace("</p>", "").replace("</article>", "</span></table>")
    text = extract_text(html[: len(html) - 40])
    assert FR_PARAGRAPHS[0] in text


@pytest.mark.parametrize(
    "html",
    ["", "   \n", "\x00\x01\x02" * 100, "plain text, no markup", "<div>" * 20_000, "\udcff<p>x</p>"],
)
def test_bad_input_gives_an_empty_article(html):
    article = extract_article(html)
    assert article.text == ""
    assert extract_text(html) == ""


def test_line_rules_drop_headline_stamp_cross_links_and_closing_boilerplate():
    text = "\n".join(
        [
            "Signature d'une convention",
            "Publié le 12/03/2024 à 10h30",
            FR_PARAGRAPHS[0],
            "Lire aussi : Un autre titre sans rapport",
            FR_PARAGRAPHS[1],
            "À lire aussi",
            "Premier titre recommandé",
            "Second titre recommandé",
            FR_PARAGRAPHS[2],
            "Abonnez-vous à notre newsletter",
            "© 2024 Le Journal. Tous droits réservés.",
        ]
    )
    assert strip_boilerplate(text, [words("Signature d'une convention | Le Journal")]) == "\n".join(
        FR_PARAGRAPHS
    )


def test_line_rules_keep_a_short_sentence_that_starts_with_a_year():
    text = "2024 sera une année charnière.\n" + FR_PARAGRAPHS[0]
    assert strip_boilerplate(text, []) == text


def test_teaser_links_closing_the_article_block_are_left_out():
    teasers = (
        '<p><a href="/sante/autre-1">Un hôpital universitaire ouvre ses portes à Dakhla</a></p>'
        '<p><a href="/sante/autre-2">Les étudiants en médecine reprennent les cours</a></p>'
    )
    html = page([*FR_PARAGRAPHS, "__TEASERS__"]).replace("<p>__TEASERS__</p>", teasers)
    text = extract_text(html, "https://journal.example.ma/sante/convention-3")
    assert text.endswith(FR_PARAGRAPHS[-1])


def test_line_rules_drop_trailing_lines_that_are_link_texts():
    teaser = "Un hôpital universitaire ouvre ses portes à Dakhla"
    text = "\n".join([*FR_PARAGRAPHS, teaser])
    links = frozenset({words(teaser), words("Accueil du site")})
    assert strip_boilerplate(text, [], links) == "\n".join(FR_PARAGRAPHS)
