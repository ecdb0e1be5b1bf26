"""Store, push side of the change feed: where the relay (relay.py) delivers a batch of change rows. The Redis
stream, and webhooks signed by the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`,
`webhook-signature`). A sink makes one attempt a call; retries and their schedule are the relay's.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import redis
from standardwebhooks import Webhook as Signer

from services.bus.redact import masked_text, origin

if TYPE_CHECKING:
    import httpx  # only a webhook sink uses it: a store worker with none never loads httpx (nor rich)

USER_AGENT = "FM6SS-Watch-webhooks/1"


class Sink(Protocol):
    name: str  # names the cursor, shown in metrics and `fm6ss status`: never a URL
    target: str  # what may be shown of where it delivers

    def send(self, changes: Sequence[dict[str, Any]], delivery_id: str) -> None:
        """Deliver the batch once, or raise DeliveryError."""


class DeliveryError(RuntimeError):
    """A batch was not delivered; the message is safe to show (no URL, no secret)."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class RedisStreamSink:
    """XADD with the sequence number as the entry id (`SEQ-1`), so a batch sent twice is refused by Redis."""

    def __init__(self, client: Any, stream: str, maxlen: int) -> None:
        self.client, self.stream, self.maxlen = client, stream, maxlen
        self.name = f"redis-stream:{stream}"
        self.target = f"redis stream {stream}"

    def send(self, changes: Sequence[dict[str, Any]], delivery_id: str) -> None:
        for change in changes:
            fields = {k: json.dumps(v) if isinstance(v, dict) else str(v) for k, v in change.items()}
            try:
                self.client.xadd(
                    self.stream, fields, id=f"{change['seq']}-1", maxlen=self.maxlen, approximate=True
                )
            except redis.ResponseError as exc:
                if "equal or smaller" not in str(exc):
                    raise  # anything but "already there" is a real failure


def webhook_body(changes: Sequence[dict[str, Any]]) -> bytes:
    """The body of one delivery: the same bytes on every try of a batch."""
    envelope = {"type": "changes", "timestamp": changes[-1]["created_at"], "data": {"changes": list(changes)}}
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


class WebhookSink:
    """POSTs a batch as JSON, signed over `id.timestamp.body` with the shared secret (HMAC-SHA256)."""

    def __init__(self, name: str, url: str, secret: str, client: httpx.Client) -> None:
        self.name, self.url, self.client = name, url, client
        self.signer = Signer(secret)
        self.target = origin(url)
        logging.getLogger("httpx").addFilter(_HideUrl(self))  # httpx logs each request's whole URL

    def send(self, changes: Sequence[dict[str, Any]], delivery_id: str) -> None:
        body = webhook_body(changes)
        now = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": delivery_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self.signer.sign(delivery_id, now, body),
        }
        import httpx

        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {self._scrub(str(exc))[:300]}") from None
        if response.status_code >= 300:
            raise DeliveryError(f"HTTP {response.status_code}", _retry_after(response))

    def _scrub(self, text: str) -> str:
        """A text without the URL: its path and query may be the secret."""
        import httpx

        for form in (self.url, str(httpx.URL(self.url))):
            text = text.replace(form, f"{self.target}/… ({self.name})")
        path = httpx.URL(self.url).path
        if len(path) > 1:
            text = text.replace(path, "/…")
        return masked_text(text)


class _HideUrl(logging.Filter):
    """Rewrites a log record that quotes a webhook's URL (httpx's "HTTP Request: POST URL ...")."""

    def __init__(self, sink: WebhookSink) -> None:
        super().__init__()
        self.sink = sink

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.sink._scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None
