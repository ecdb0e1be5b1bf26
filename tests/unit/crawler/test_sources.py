import pytest

from services.crawler.sources import DEFAULT_FILE, SourcesError, load_sources


def test_the_packaged_sources_are_valid_and_cover_three_languages():
    sources = load_sources()
    assert len(sources) >= 20
    assert {s.lang for s in sources} >= {"fr", "ar", "en"}
    assert {s.kind for s in sources} >= {"rss", "listing"}
    assert load_sources(DEFAULT_FILE) == sources


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{name: Bad Name, kind: rss, url: 'https://a.ma/feed'}", "name"),
        ("{name: a, kind: podcast, url: 'https://a.ma/feed'}", "kind"),
        ("{name: a, kind: rss, url: 'ftp://a.ma/feed'}", "url"),
        ("{name: a, kind: listing, url: 'https://a.ma/'}", "link_pattern"),
        ("{name: a, kind: listing, url: 'https://a.ma/', link_pattern: '(unclosed'}", "regex"),
        ("{name: a, kind: rss, url: 'https://a.ma/feed', colour: blue}", "colour"),
    ],
)
def test_a_bad_entry_is_named_with_its_file_and_position(tmp_path, entry, message):
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources:\n  - {{name: ok, kind: rss, url: 'https://ok.ma/feed'}}\n  - {entry}\n")
    with pytest.raises(SourcesError) as caught:
        load_sources(path)
    text = str(caught.value)
    assert str(path) in text and "source #2" in text and message in text


def test_duplicate_names_and_bad_documents(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - {name: a, kind: rss, url: 'https://a.ma/f'}\n  - {name: a, kind: rss, url: 'https://b.ma/f'}\n"
    )
    with pytest.raises(SourcesError, match="used twice"):
        load_sources(path)
    path.write_text("- just a list\n")
    with pytest.raises(SourcesError, match="'sources' list"):
        load_sources(path)
    with pytest.raises(SourcesError, match="cannot read"):
        load_sources(tmp_path / "missing.yaml")


def test_every_packaged_source_says_what_is_known_of_it_and_blocked_ones_are_disabled():
    lines = [line for line in DEFAULT_FILE.read_text().splitlines() if line.startswith("  - ")]
    sources = {s.name: s for s in load_sources()}
    assert len(lines) == len(sources)
    for line in lines:
        assert "  # " in line, line
        evidence = line.split("  # ", 1)[1]
        assert evidence.split(":")[0].split(";")[0] in ("confirmed", "blocked", "guessed"), line
        name = line.split("name: ", 1)[1].split(",")[0].split()[0]
        assert sources[name].enabled is not evidence.startswith("blocked"), line
    assert all(not s.url.endswith("lematin.ma/rss") for s in sources.values())
    assert {s.url for s in sources.values() if s.kind == "news_sitemap"} >= {
        "https://www.hespress.com/sitemap-news.xml",
        "https://fr.le360.ma/arc/outboundfeeds/sitemap-news/?outputType=xml",
    }
