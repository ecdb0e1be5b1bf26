"""A downstream consumer of FM6SS partnership watch's change feed, in two ways.

    python examples/consumer.py follow --api http://127.0.0.1:8000 --state feed.cursor [--once]
        reads GET /changes from the last sequence number it saw (kept in the state file), prints each
        change as one JSON line, and waits for more (or stops once caught up with --once).

    FM6SS_WEBHOOK_SECRET=whsec_... python examples/consumer.py serve --port 9000 --out changes.jsonl
        receives the webhook deliveries (POST /hook), checks each signature with the standardwebhooks
        package, skips what it already has, appends each change to the output file, and answers 204.

Both need only httpx and standardwebhooks (`pip install httpx standardwebhooks`). Either can resume after
a stop: `follow` from its state file; a webhook receiver from the highest `seq` it stored, asking
`GET /changes?after=SEQ` for anything it missed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
from standardwebhooks import Webhook, WebhookVerificationError


def follow(api: str, state: Path, once: bool, token: str | None, every_s: float = 5.0) -> int:
    """Print every change after the one recorded in `state`; returns how many were printed."""
    after = int(state.read_text()) if state.exists() else 0
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    printed = 0
    with httpx.Client(base_url=api, headers=headers, timeout=30) as client:
        while True:
            page = client.get("/changes", params={"after": after, "limit": 500})
            page.raise_for_status()
            body = page.json()
            for change in body["items"]:
                print(json.dumps(change, ensure_ascii=False), flush=True)
                printed += 1
            if body["next_after"] != after:
                after = body["next_after"]
                state.write_text(str(after))  # after printing: a crash repeats a page, never skips one
                continue
            if once:
                return printed
            time.sleep(every_s)


class Store:
    """The receiver's side: changes appended to a JSON-lines file, duplicates skipped by `seq`."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.last = 0
        if out.exists():
            for line in out.read_text(encoding="utf-8").splitlines():
                self.last = max(self.last, json.loads(line)["seq"])

    def add(self, changes: list[dict[str, Any]]) -> int:
        fresh = [c for c in changes if c["seq"] > self.last]
        with self.out.open("a", encoding="utf-8") as f:
            for change in fresh:
                f.write(json.dumps(change, ensure_ascii=False) + "\n")
        if fresh:
            self.last = fresh[-1]["seq"]
        return len(fresh)


def receiver(secret: str, store: Store) -> type[BaseHTTPRequestHandler]:
    verifier = Webhook(secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            try:  # the raw body, as received: a signature is over bytes, not over parsed JSON
                delivery = verifier.verify(body, dict(self.headers.items()))
            except WebhookVerificationError as exc:
                self._answer(401, f"refused: {exc}")
                return
            added = store.add(delivery["data"]["changes"])
            print(f"{self.headers['webhook-id']}: {added} new change(s)", file=sys.stderr, flush=True)
            self._answer(204)

        def _answer(self, status: int, text: str = "") -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    modes = parser.add_subparsers(dest="mode", required=True)
    poll = modes.add_parser("follow", help="read GET /changes from a saved position")
    poll.add_argument("--api", required=True, help="the API's base URL")
    poll.add_argument("--state", type=Path, required=True, help="file keeping the last sequence number")
    poll.add_argument("--once", action="store_true", help="stop once caught up")
    poll.add_argument("--token", default=os.environ.get("FM6SS_API_READ_TOKEN"), help="read token, if set")
    serve = modes.add_parser("serve", help="receive signed webhook deliveries")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--out", type=Path, required=True, help="JSON-lines file the changes are added to")
    args = parser.parse_args()
    if args.mode == "follow":
        follow(args.api, args.state, args.once, args.token)
        return
    secret = os.environ.get("FM6SS_WEBHOOK_SECRET")
    if not secret:
        parser.error("set FM6SS_WEBHOOK_SECRET to the secret the webhooks are signed with")
    server = HTTPServer((args.host, args.port), receiver(secret, Store(args.out)))
    print(f"listening on http://{args.host}:{args.port}/hook", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
