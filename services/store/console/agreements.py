"""Console: the agreements (filters, cursor pages, the timeline of signings and the partner network) and
one agreement with everything that supports it. Rows become records through the API's own presenters."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from services.store.console import charts
from services.store.console.web import (
    Uow,
    date_param,
    first_link,
    id_param,
    kept_query,
    next_link,
    render,
    text_param,
    window,
)
from services.store.db.models import Change
from services.store.records.presenters import (
    agreement_detail,
    agreement_lines,
    merged_into,
    organization_out,
)

router = APIRouter(include_in_schema=False)

FILTERS = ("party", "theme", "kind", "place", "lang", "outlet", "q")
DATES = ("signed_from", "signed_to")
NETWORK_PARTNERS = 30


def read_filters(request: Request) -> tuple[dict[str, Any], dict[str, str]]:
    """The list's filters as the repository takes them, and as the form shows them back."""
    params = request.query_params
    shown = {name: params.get(name, "") for name in (*FILTERS, *DATES, "organization")}
    filters: dict[str, Any] = {
        name: text_param(params.get(name), name, 8 if name == "lang" else 200) for name in FILTERS
    }
    for name in DATES:
        filters[name] = date_param(params.get(name), name)
    # An organization's number: its page's timeline bars open the month of its own agreements.
    filters["organization"] = id_param(params.get("organization"), "organization")
    return filters, shown


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse(f"{request.scope.get('root_path', '')}/agreements", status_code=303)


@router.get("/agreements")
def agreements(request: Request, uow: Uow, cursor: str | None = None, limit: int | None = None) -> Response:
    filters, shown = read_filters(request)
    page = window(cursor, limit)
    rows = uow.agreements.listed(filters, page.after, page.limit + 1, page.newest)
    pictures, head, key = request.app.state.pictures, uow.feed.last_seq(), tuple(sorted(filters.items()))
    timeline = pictures.get(
        head, ("timeline", key), lambda: charts.timeline(*uow.overview.signings_by_month(filters))
    )
    network = pictures.get(
        head, ("network", key), lambda: charts.network(uow.overview.network(filters, NETWORK_PARTNERS))
    )
    chosen = uow.organizations.many([filters["organization"]]) if filters["organization"] else []
    return render(
        request,
        "agreements.html",
        title="Agreements",
        organization=organization_out(chosen[0]) if chosen else None,
        records=agreement_lines(uow, rows[: page.limit]),
        filters=shown,
        filtered=any(v is not None for v in filters.values()),
        next=next_link(request.url.path, shown, rows, page),
        first=first_link(request.url.path, shown) if cursor else None,
        timeline=timeline,
        bar_filters=kept_query(filters, leave_out=DATES),
        network=network,
    )


@router.get("/agreements/{agreement_id}")
def agreement(request: Request, agreement_id: int, uow: Uow) -> Response:
    row = uow.agreements.get(agreement_id) if 0 < agreement_id < 2**31 else None
    if row is None:
        target = merged_into(uow, agreement_id) if 0 < agreement_id < 2**31 else None
        if target is None:
            raise HTTPException(404, f"There is no agreement {agreement_id}.")
        root = request.scope.get("root_path", "")
        return RedirectResponse(f"{root}/agreements/{target}", status_code=308)
    record = agreement_detail(uow, row)
    evidence: dict[str, list[Any]] = defaultdict(list)
    for item in record.evidence:
        evidence[item.field].append(item)
    party_ids = {o.key: o.id for o in uow.agreements.parties(agreement_id)}
    return render(
        request,
        "agreement.html",
        title=" + ".join(p.acronym or p.name for p in record.parties) or f"Agreement {agreement_id}",
        record=record,
        party_ids=party_ids,
        outlets={s.url: s.outlet for s in record.sources},
        evidence=dict(evidence),
        fields=_fields(record),
        history=[_change(c) for c in _with_diffs(uow.overview.history(agreement_id))],
        merged=[(c.entity_id, c.created_at) for c in uow.overview.merged_here(agreement_id)],
    )


def _fields(record: Any) -> list[tuple[str, str, str | None]]:
    """(field name as evidence names it, label, value shown) for the record's own fields."""
    signed = record.signed_on and f"{record.signed_on} ({record.signed_on_precision or '?'})"
    return [
        ("kind", "Kind", record.kind),
        ("signed_on", "Signed", signed),
        ("place", "Place", record.place),
        ("event", "Event", record.event),
        ("theme", "Themes", ", ".join(record.themes) or None),
    ]


# Fields whose change a reader notices; version and times change with every row.
_WATCHED = ("parties", "kind", "signed_on", "place", "event", "themes", "signatories", "people", "sources")


def _with_diffs(changes: list[Change]) -> list[tuple[Change, list[str]]]:
    out = []
    before: dict[str, Any] = {}
    for change in changes:
        after = change.payload or {}
        changed = [f for f in _WATCHED if f in after and after.get(f) != before.get(f)]
        out.append((change, changed if before or change.action != "created" else []))
        if change.action != "deleted":
            before = after
    return out


def _change(item: tuple[Change, list[str]]) -> dict[str, Any]:
    change, changed = item
    note = ""
    if change.action == "deleted" and (change.payload or {}).get("merged_into"):
        note = f"merged into {change.payload['merged_into']}"
    elif changed:
        note = "changed: " + ", ".join(f.replace("_", " ") for f in changed)
    return {
        "seq": change.seq,
        "action": change.action,
        "version": change.version,
        "at": change.created_at,
        "note": note,
    }
