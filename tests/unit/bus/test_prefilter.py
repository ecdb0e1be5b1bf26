"""The shared family prefilter: the crawler's copy (read from the organizations file) knows the very names
the parser's catalogue gives the family, and says of news-search titles what the parser says of pages."""

from __future__ import annotations

from services.bus.prefilter import packaged
from services.parser.orgs import catalog
from services.parser.prefilter import may_concern_family


def test_the_packaged_names_are_the_parser_catalogues_family_names():
    from_catalog = {(folded, a.caps_only) for folded, a in catalog().aliases.items() if a.org.family}
    assert set(packaged().names) == from_catalog
    assert len(from_catalog) > 20


def test_titles_of_news_search_items_pass_or_not_as_pages_do():
    titles = [
        "La FM6SS signe une convention avec un laboratoire de Casablanca - Le Quotidien de Rabat",
        "مؤسسة محمد السادس للعلوم والصحة توقع اتفاقية شراكة - جريدة الصباح",
        "UM6SS and a Korean university sign a memorandum - Atlas Health Review",
        "Le prix du blé recule sur les marchés mondiaux - Le Quotidien de Rabat",
        "Football : le Raja s'impose à Agadir - Sport Maroc",
    ]
    shared = [packaged().may_concern_family(t) for t in titles]
    assert shared == [may_concern_family(t) for t in titles]
    assert shared == [True, True, True, False, False]
