"""What may be shown of a URL: logins and query values never, the rest as it is."""

from services.bus.redact import masked, masked_text, masked_url, origin, url_digest

PLANTED = "http://alice:hunter2pw@hooks.example.org/services/T0/B0/XSECRETX?token=tok3n&team=ops"


def test_a_url_keeps_where_it_points_and_loses_its_login_and_query_values():
    assert masked_url(PLANTED) == "http://***@hooks.example.org/services/T0/B0/XSECRETX?token=***&team=***"
    assert masked_url("https://a.example/feed?abc123") == "https://a.example/feed?***"
    assert masked_url("https://a.example/x") == "https://a.example/x"


def test_urls_inside_text_and_json_values_are_masked():
    text = f"ConnectError: cannot reach {PLANTED}; gave up"
    assert "hunter2pw" not in masked_text(text) and "tok3n" not in masked_text(text)
    assert masked_text(text).startswith("ConnectError: cannot reach http://***@hooks.example.org/")
    value = {"url": "https://u:p4ss@feed.example/rss?key=k3y", "n": 3, "urls": ["ftp://x:y@h/?a=b"]}
    assert masked(value) == {
        "url": "https://***@feed.example/rss?key=***",
        "n": 3,
        "urls": ["ftp://***@h/?a=***"],
    }


def test_a_webhook_is_shown_by_its_origin_and_named_by_a_digest_that_says_nothing():
    assert origin(PLANTED) == "http://hooks.example.org"
    assert origin("https://h.example:8443/p?q=1") == "https://h.example:8443"
    name = url_digest(PLANTED)
    assert len(name) == 10 and name == url_digest(PLANTED) and name != url_digest(PLANTED + "x")
