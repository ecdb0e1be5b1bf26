import pytest

from services.bus.urls import InvalidUrl, canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.Example.ma/actu/fm6ss/?utm_source=fb&b=2&a=1#top",
            "https://example.ma/actu/fm6ss?a=1&b=2",
        ),
        ("https://example.ma/actu/123/amp", "https://example.ma/actu/123"),
        ("https://amp.example.ma/actu/123/", "https://example.ma/actu/123"),
        ("https://example.ma/actu/123.amp.html", "https://example.ma/actu/123.html"),
        ("http://example.ma:8080/a?fbclid=x", "http://example.ma:8080/a"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url", ["ftp://example.ma/x", "javascript:alert(1)", "/relative", ""])
def test_non_http_urls_are_refused(url):
    with pytest.raises(InvalidUrl):
        canonical_url(url)
