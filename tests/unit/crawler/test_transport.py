import httpcore
import httpx
import pytest

from services.crawler.errors import FetchError
from services.crawler.fetcher import Fetcher, make_client
from services.crawler.guard import Guard
from services.crawler.settings import CrawlerSettings
from services.crawler.transport import guarded_transport

HTTP_OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


class FakeStream(httpcore.NetworkStream):
    def __init__(self) -> None:
        self.sent = b""
        self.replies = [HTTP_OK]

    def read(self, max_bytes, timeout=None):
        return self.replies.pop(0) if self.replies else b""

    def write(self, buffer, timeout=None):
        self.sent += buffer

    def close(self):
        pass

    def get_extra_info(self, info):
        return None


class FakeBackend(httpcore.NetworkBackend):
    """Stands in for sockets: records where the pool asked to connect."""

    def __init__(self) -> None:
        self.connected: list[tuple[str, int]] = []
        self.stream = FakeStream()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.connected.append((host, port))
        return self.stream


def client_for(answers, allow=()):
    backend = FakeBackend()
    guard = Guard(allow, resolver=lambda host, port: answers[host])
    return httpx.Client(transport=guarded_transport(guard, backend)), backend


def test_connects_to_the_address_it_vetted_and_keeps_the_host_header():
    client, backend = client_for({"news.example": ["93.184.216.34"]})
    response = client.get("http://news.example:8080/a")
    assert response.text == "ok"
    assert backend.connected == [("93.184.216.34", 8080)]
    assert b"Host: news.example:8080" in backend.stream.sent


def test_a_name_that_now_resolves_to_a_private_address_is_never_connected():
    # What DNS rebinding does after the URL check: the guard resolves again at connect time.
    client, backend = client_for({"news.example": ["127.0.0.1"]})
    with pytest.raises(FetchError) as caught:
        client.get("http://news.example/a")
    assert caught.value.reason == "ssrf_blocked" and backend.connected == []


def test_allow_listed_hosts_connect_by_name():
    client, backend = client_for({}, allow=["localhost"])
    client.get("http://localhost:8000/")
    assert backend.connected == [("localhost", 8000)]


def test_a_host_allowed_on_one_port_is_vetted_on_any_other():
    client, backend = client_for({"127.0.0.1": ["127.0.0.1"]}, allow=["127.0.0.1:8001"])
    client.get("http://127.0.0.1:8001/")
    with pytest.raises(FetchError) as caught:
        client.get("http://127.0.0.1:8002/")
    assert caught.value.reason == "ssrf_blocked"
    assert backend.connected == [("127.0.0.1", 8001)]


def test_rebinding_between_the_url_check_and_the_connect_is_refused():
    # the fetcher checks the URL, then the pool connects: a name that answers a public address to the
    # first lookup and loopback to the second must never be connected, and no third lookup is made
    answers = [["93.184.216.34"], ["127.0.0.1"], ["93.184.216.34"]]
    lookups: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        lookups.append(host)
        return answers[len(lookups) - 1]

    backend = FakeBackend()
    guard = Guard(resolver=rebinding)
    settings = CrawlerSettings(default_delay_s=0)
    fetcher = Fetcher(make_client(settings, guard, guarded_transport(guard, backend)), guard, settings)
    with pytest.raises(FetchError) as caught:
        fetcher.get("http://news.example/a", kind="page")
    assert caught.value.reason == "ssrf_blocked" and "127.0.0.1" in str(caught.value)
    assert backend.connected == [] and lookups == ["news.example", "news.example"]
