import socket

import pytest

from services.crawler.errors import FetchError, Retryable
from services.crawler.guard import Guard, resolve

from .fakes import resolver


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/",
        "http://127.0.0.1:8080/x",
        "http://intranet.example/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # carrier-grade NAT
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.example/",
        "http://[::1]/",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
        "http://240.0.0.1/",
    ],
)
def test_non_public_addresses_are_refused(url):
    with pytest.raises(FetchError) as caught:
        Guard(resolver=resolver).check(url)
    assert caught.value.reason == "ssrf_blocked"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://news.example/", "ftp://news.example/x"])
def test_only_http_and_https(url):
    with pytest.raises(FetchError) as caught:
        Guard(resolver=resolver).check(url)
    assert caught.value.reason == "ssrf_blocked"


def test_public_hosts_pass():
    guard = Guard(resolver=resolver)
    guard.check("https://news.example/a")
    guard.check("http://cdn.example:8080/a")


def test_any_non_public_address_among_several_refuses():
    guard = Guard(resolver=lambda host, port: ["93.184.216.34", "10.1.2.3"])
    with pytest.raises(FetchError):
        guard.check("https://news.example/")


def test_allow_list_by_host_and_by_network():
    Guard(["localhost"], resolver=resolver).check("http://localhost:8000/")
    Guard(["127.0.0.0/8", "::1"], resolver=resolver).check("http://127.0.0.1:8000/")
    Guard(["10.0.0.0/8"], resolver=resolver).check("http://intranet.example/")
    with pytest.raises(FetchError):
        Guard(["10.0.0.0/8"], resolver=resolver).check("http://localhost/")


def test_urls_without_host():
    with pytest.raises(FetchError) as caught:
        Guard(resolver=resolver).check("http:///path")
    assert caught.value.reason == "bad_url"


@pytest.mark.parametrize(("errno", "error"), [(socket.EAI_AGAIN, Retryable), (socket.EAI_NONAME, FetchError)])
def test_dns_failures_are_classified(monkeypatch, errno, error):
    def fail(*args, **kwargs):
        raise socket.gaierror(errno, "lookup failed")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(error) as caught:
        Guard().check("https://news.example/")
    assert caught.value.reason == "dns_error"


def test_resolve_returns_every_address(monkeypatch):
    answers = [
        (socket.AF_INET, 1, 6, "", ("93.184.216.34", 443)),
        (socket.AF_INET6, 1, 6, "", ("::1", 443, 0, 0)),
    ]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: answers)
    assert resolve("news.example", 443) == ["93.184.216.34", "::1"]
    with pytest.raises(FetchError):
        Guard().check("https://news.example/")


def test_allow_list_by_host_and_port_lets_by_that_port_only():
    guard = Guard(["127.0.0.1:8001", "[::1]:8002", "localhost:8003"], resolver=resolver)
    guard.check("http://127.0.0.1:8001/feed.xml")
    guard.check("http://[::1]:8002/")
    guard.check("http://localhost:8003/")
    for url in (
        "http://127.0.0.1:8002/",  # same address, another port
        "http://127.0.0.1/",
        "http://localhost:8001/",  # the allowed port under another name of the same address
        "http://[::1]:8001/",
    ):
        with pytest.raises(FetchError) as caught:
            guard.check(url)
        assert caught.value.reason == "ssrf_blocked", url


def numeric(host: str, port: int) -> list[str]:
    """What getaddrinfo answers for a numeric host, without a query: inet_aton's reading of IPv4 forms."""
    if ":" in host:
        return [socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, host))]
    return [socket.inet_ntoa(socket.inet_aton(host))]


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f000001", "0177.0.0.1", "017700000001", "127.1", "0x7f.1", "0", "[::ffff:7f00:1]"],
)
def test_numeric_forms_of_loopback_are_refused(host):
    guard = Guard(["127.0.0.1:8001"], resolver=numeric)
    guard.check("http://127.0.0.1:8001/")
    with pytest.raises(FetchError) as caught:
        guard.check(f"http://{host}:8001/")
    assert caught.value.reason == "ssrf_blocked"


@pytest.mark.parametrize(
    "address",
    [
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
        "2002:a00:1::",  # 6to4 of 10.0.0.1
        "192.0.0.192",  # a cloud's metadata service, in a block Python 3.11 calls global
        "192.0.0.8",
    ],
)
def test_addresses_python_calls_global_that_are_not_public(address):
    with pytest.raises(FetchError) as caught:
        Guard(resolver=lambda host, port: [address]).check("http://news.example/")
    assert caught.value.reason == "ssrf_blocked"


def test_6to4_of_a_public_address_passes():
    Guard(resolver=lambda host, port: ["2002:5db8:d822::1"]).check("http://news.example/")
