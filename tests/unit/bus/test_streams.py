"""A WARC URL read as a stream: redirects followed hop by hop, never from a public address to a
private one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from services.bus import streams
from services.bus.streams import StreamError, open_stream


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        port = self.server.server_address[1]
        moves = {"/hop": f"http://127.0.0.1:{port}/file.warc", "/ftp": "ftp://127.0.0.1/x.warc"}
        if self.path in moves:
            self.send_response(302)
            self.send_header("Location", moves[self.path])
            self.end_headers()
            return
        body = b"WARC/1.0\r\n" if self.path == "/file.warc" else b""
        self.send_response(200 if body else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_redirect_is_followed_to_the_file(server: str) -> None:
    with open_stream(f"{server}/hop") as stream:
        assert stream.read() == b"WARC/1.0\r\n"


def test_a_redirect_off_http_is_refused(server: str) -> None:
    with pytest.raises(StreamError, match="a redirect leaves http"), open_stream(f"{server}/ftp"):
        pass


def test_an_answer_other_than_200_names_the_url_and_status(server: str) -> None:
    with pytest.raises(StreamError, match=r"missing\.warc: HTTP 404"), open_stream(f"{server}/missing.warc"):
        pass


def test_a_public_url_never_leads_to_a_private_loopback_or_link_local_address() -> None:
    assert streams._all_public("http://93.184.215.14/a.warc.gz")
    for private in (
        "http://127.0.0.1:6379/",
        "http://169.254.169.254/latest/",
        "http://10.0.0.5/",
        "http://[::1]/",
    ):
        assert not streams._all_public(private)
        with pytest.raises(StreamError, match="non-public address"):
            streams._next_hop("https://data.example/a.warc", private, public=True)
    # a URL the operator gave on the local network may redirect within it
    assert streams._next_hop("http://10.0.0.4/a.warc", "http://10.0.0.5/a.warc", public=False)
