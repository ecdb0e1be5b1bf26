"""Store, API: weak ETags on reads. A successful GET gets `ETag: W/"…"` (a hash of its body); a request
whose `If-None-Match` names it gets 304 and no body, so a poller pays for a page only when it changed.

Weak, because the tag says the JSON is the same, not that every byte on the wire is (compression may
differ). Computed from the body the route produced, so it can never disagree with it.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def weak_tag(body: bytes) -> str:
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110's weak comparison: `*`, or any listed tag with the same opaque part, W/ or not."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = tag.removeprefix("W/")
    return any(t.strip().removeprefix("W/") == wanted for t in if_none_match.split(","))


class ETags:
    """ASGI middleware: buffers the body of a 200 answer to a GET (API answers are bounded pages), tags
    it, and answers 304 when the client already has it. Answers that carry their own ETag (the
    documentation's static files) pass as they are."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []

        async def tagged(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] != 200 or "etag" in Headers(raw=message["headers"]):
                    await send(message)  # passed through, with its body
                else:
                    start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._finish(start, b"".join(chunks), if_none_match, send)

        await self.app(scope, receive, tagged)

    @staticmethod
    async def _finish(start: Message, body: bytes, if_none_match: str | None, send: Send) -> None:
        tag = weak_tag(body)
        headers = MutableHeaders(raw=list(start["headers"]))
        headers["ETag"] = tag
        if matches(if_none_match, tag):
            for name in ("content-length", "content-type"):
                if name in headers:
                    del headers[name]
            await send({"type": "http.response.start", "status": 304, "headers": headers.raw})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})
