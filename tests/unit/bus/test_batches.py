from services.bus.batches import apart
from services.bus.messages import FetchPage, FetchPages


def test_the_failed_items_go_alone_and_the_untried_ones_as_one_batch():
    a, b, c = (FetchPage(url=f"https://news.ma/{n}") for n in "abc")
    sends = apart("crawler.fetch_page", [(a, 30.0), b], "crawler.fetch_pages", FetchPages(pages=(c,)))
    assert sends == [
        ("crawler.fetch_page", a, 30.0),
        ("crawler.fetch_page", b, None),
        ("crawler.fetch_pages", FetchPages(pages=(c,)), None),
    ]
    assert apart("crawler.fetch_page", []) == []
