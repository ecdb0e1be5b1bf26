"""Store, API: the push side of the change feed as the OpenAPI description shows it (its `webhooks`
section): what a receiver gets, how it is signed, and what its answer means. Nothing is served here; the
deliveries are made by the relay (operations/relay.py, operations/sinks.py).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import FastAPI, Header
from pydantic import BaseModel, Field

from services.store.records.schemas import ChangeOut

DESCRIPTION = """\
A batch of change-feed rows, oldest first, POSTed to each URL of `FM6SS_WEBHOOK_URLS`.

**Signature** (Standard Webhooks): `webhook-signature` is `v1,` + base64 of HMAC-SHA256, keyed with the \
secret `FM6SS_WEBHOOK_SECRET` (`whsec_` + base64), over `{webhook-id}.{webhook-timestamp}.{body}`; \
verify it on the raw body (the `standardwebhooks` packages do) and refuse a timestamp more than five \
minutes off.

**Answer** with any 2xx once the batch is stored: the receiver's cursor then moves past its last `seq`. \
Anything else (or no answer within 10 s) is a failure: the same batch, with the same `webhook-id`, is sent \
again after a backoff (5 s doubling to one hour, with jitter; a `Retry-After` in seconds is honoured), and \
no later change is sent to that receiver meanwhile. Other receivers are not held up.

**Ordering and duplicates**: batches to one receiver are sent one at a time, in `seq` order. Delivery is \
at least once: skip a `webhook-id` already handled, or any change whose `seq` is not above the last one \
stored. **Resuming**: `GET /changes?after=SEQ` returns the same rows; a receiver that lost data asks \
there, or the operator runs `fm6ss relay rewind NAME --after SEQ`.
"""


class ChangeBatch(BaseModel):
    changes: list[ChangeOut] = Field(description="rows of the change feed, in `seq` order")


class ChangeDelivery(BaseModel):
    """The body of one delivery; byte for byte the same on every try of a batch."""

    type: Literal["changes"] = "changes"
    timestamp: str = Field(description="when the batch's last change was written (ISO 8601, UTC)")
    data: ChangeBatch


def describe_push(api: FastAPI) -> None:
    """Add the webhook contract to the app's OpenAPI description."""

    @api.webhooks.post(
        "changes",
        operation_id="changes_webhook",
        summary="A batch of changes, signed",
        description=DESCRIPTION,
        status_code=204,
        responses={204: {"description": "stored; any 2xx will do"}},
    )
    def changes(
        body: ChangeDelivery,
        webhook_id: Annotated[
            str,
            Header(
                alias="webhook-id",
                description="the batch's id, `fm6ss-changes-FIRST-LAST`: the same on every try",
            ),
        ],
        webhook_timestamp: Annotated[
            int, Header(alias="webhook-timestamp", description="when this try was sent, Unix seconds")
        ],
        webhook_signature: Annotated[
            str,
            Header(
                alias="webhook-signature",
                description="`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`; several may be "
                "space-separated",
            ),
        ],
    ) -> None:
        """Never called: the route only documents what a receiver gets."""
