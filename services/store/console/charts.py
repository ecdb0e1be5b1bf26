"""The console's two pictures, as geometry its templates draw in SVG on the server: no script runs in
the browser, so the pages keep a policy that allows none.

The timeline is a bar per month; the partner network is laid out by networkx's force-directed layout
(Fruchterman-Reingold), seeded, so the same data draws the same picture.
"""

from __future__ import annotations

import calendar
import itertools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import networkx as nx

from services.store.db.overview import Network

T = TypeVar("T")
WIDTH, HEIGHT = 720, 200
PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT = 12, 170, 36


@dataclass(frozen=True)
class Bar:
    month: str
    count: int
    x: float
    y: float
    width: float
    height: float
    first_day: str
    last_day: str
    label: str | None  # a year under its first bar


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]
    peak: int
    undated: int
    ticks: list[tuple[float, int]]  # (y, value) of the horizontal guides


def _months(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def timeline(counts: list[tuple[str, int]], undated: int) -> Timeline:
    """A bar for every month from the first signing to the last, empty months included."""
    if not counts:
        return Timeline([], 0, undated, [])
    by_month = dict(counts)
    months = _months(counts[0][0], counts[-1][0])
    peak = max(by_month.values())
    step = (WIDTH - PLOT_LEFT) / len(months)
    scale = (PLOT_BOTTOM - PLOT_TOP) / peak
    bars = []
    for i, month in enumerate(months):
        n = by_month.get(month, 0)
        year, mon = int(month[:4]), int(month[5:])
        bars.append(
            Bar(
                month=month,
                count=n,
                x=round(PLOT_LEFT + i * step + step * 0.1, 2),
                y=round(PLOT_BOTTOM - n * scale, 2),
                width=round(max(step * 0.8, 0.5), 2),
                height=round(n * scale, 2),
                first_day=f"{month}-01",
                last_day=f"{month}-{calendar.monthrange(year, mon)[1]:02d}",
                label=str(year) if (mon == 1 or i == 0) and _room(i, months, step) else None,
            )
        )
    guides = sorted({peak, math.ceil(peak / 2)} - {0})
    return Timeline(bars, peak, undated, [(round(PLOT_BOTTOM - v * scale, 2), v) for v in guides])


def _room(i: int, months: list[str], step: float) -> bool:
    """A year label needs about 32 px: over long spans, only every few years get one."""
    years_apart = max(1, math.ceil(32 / (step * 12)))
    return i == 0 or int(months[i][:4]) % years_apart == 0


LABELLED = 18  # partners named under their circle; the others say who they are on hover


@dataclass(frozen=True)
class Node:
    id: int
    label: str
    name: str
    family: bool
    agreements: int
    x: float
    y: float
    r: float


@dataclass(frozen=True)
class Link:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float
    agreements: int
    title: str


@dataclass(frozen=True)
class Picture:
    nodes: list[Node]
    links: list[Link]
    width: int
    height: int


def network(data: Network, width: int = 720, height: int = 400) -> Picture:
    """Nodes sized by agreements (area), links by agreements signed together."""
    graph = nx.Graph()
    for edge in data.edges:
        graph.add_edge(edge.family_id, edge.partner_id, weight=edge.agreements)
    if not graph:
        return Picture([], [], width, height)
    # The family is one signer: its entities are tied together for the layout alone, so partners that
    # signed with different entities still share one picture instead of drifting apart.
    family = sorted({e.family_id for e in data.edges})
    for a, b in itertools.pairwise(family):
        graph.add_edge(a, b, weight=max(e.agreements for e in data.edges))
    pos = nx.spring_layout(graph, seed=7, weight="weight", k=2.4 / math.sqrt(len(graph)), iterations=35)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    margin = 48

    def place(v: float, low: float, high: float, size: int) -> float:
        span = (high - low) or 1.0
        return round(margin + (v - low) / span * (size - 2 * margin), 1)

    top = max(data.agreements.values(), default=1)
    named = set(sorted(data.agreements, key=lambda i: -data.agreements[i])[:LABELLED])
    nodes = {}
    for org_id, (x, y) in pos.items():
        org = data.organizations[org_id]
        count = data.agreements.get(org_id, 0)
        label = org.acronym or org.name
        nodes[org_id] = Node(
            id=org_id,
            label=(label if len(label) <= 22 else label[:21] + "…") if org.family or org_id in named else "",
            name=org.name,
            family=org.family,
            agreements=count,
            x=place(x, min(xs), max(xs), width),
            y=place(y, min(ys), max(ys), height),
            r=round(6 + 18 * math.sqrt(count / top), 1),
        )
    strongest = max(e.agreements for e in data.edges)
    links = [
        Link(
            a.x,
            a.y,
            b.x,
            b.y,
            round(1 + 4 * e.agreements / strongest, 1),
            e.agreements,
            f"{a.name} – {b.name}: {e.agreements}",
        )
        for e in data.edges
        for a, b in [(nodes[e.family_id], nodes[e.partner_id])]
    ]
    # Family entities drawn last, so the hubs sit on top of their partners' links.
    ordered = sorted(nodes.values(), key=lambda n: (n.family, n.agreements))
    return Picture(ordered, links, width, height)


class Pictures:
    """Pictures already drawn, kept while the change feed stays where it was: every change to an
    agreement writes a change row, so a new last row means the store moved and they are drawn again.
    Counting and laying out ten thousand agreements is most of a page's time; reading the feed's head is
    one index lookup."""

    def __init__(self, size: int = 128) -> None:
        self.size, self.head, self.items = size, -1, OrderedDict[Hashable, Any]()
        self.lock = threading.Lock()

    def get(self, head: int, key: Hashable, draw: Callable[[], T]) -> T:
        with self.lock:
            if head != self.head:
                self.items.clear()
                self.head = head
            if key in self.items:
                self.items.move_to_end(key)
                found: T = self.items[key]
                return found
        picture = draw()
        with self.lock:
            if head == self.head:
                self.items[key] = picture
                while len(self.items) > self.size:
                    self.items.popitem(last=False)
        return picture
