"""The console's timeline links over a real store (SQLite and PostgreSQL, through FastAPI's TestClient):
a bar opens its month within the filters shown, on the agreements page and on an organization's."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from services.bus.messages import OrgRef
from services.bus.settings import Settings
from services.store.api.main import create_api
from services.store.console.app import mount_console
from services.store.settings import StoreSettings
from tests.conftest import engine
from tests.integration.test_ingest import AZ, CANCER, FM6SS, MSPS, RARE, candidate, event, ingest

PASTEUR = OrgRef(key="institut-pasteur", name="Institut Pasteur du Maroc", kind="institute")
SOCIAL = (
    "Le ministère et la fondation ont paraphé à Rabat une convention sur la couverture médicale des "
    "étudiants en santé, avec des bourses, des stages hospitaliers et un suivi annuel des promotions. "
)
VACCINES = (
    "Un accord de recherche lie désormais l'institut et la fondation autour des vaccins : essais "
    "cliniques, séquençage des souches locales et formation de biologistes dans les deux laboratoires. "
)


class Bars(HTMLParser):
    """The href of every timeline bar (an SVG link of class bar-link)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("class") == "bar-link":
            self.links.append(found["href"] or "")


def bars(html: str) -> list[dict[str, list[str]]]:
    parser = Bars()
    parser.feed(html)
    assert parser.links, html[:500]
    return [{"path": [urlsplit(h).path], **parse_qs(urlsplit(h).query)} for h in parser.links]


def signed(uow_url: str, name: str, text: str, *parties: OrgRef, on: date, themes: tuple[str, ...]) -> None:
    found = candidate(*parties, signed_on=on, precision="day", themes=themes, place="Rabat")
    ingest(uow_url, event(f"https://news.example/{name}", text * 3, found, published=on))


@pytest.fixture
def ui(env, db_url: str) -> TestClient:
    signed(db_url, "az-1", CANCER, FM6SS, AZ, on=date(2024, 3, 15), themes=("cancer",))
    signed(db_url, "az-2", RARE, FM6SS, AZ, on=date(2024, 5, 2), themes=("rare-diseases",))
    signed(db_url, "msps", SOCIAL, FM6SS, MSPS, on=date(2024, 3, 20), themes=("rare-diseases",))
    signed(db_url, "ipm", VACCINES, FM6SS, PASTEUR, on=date(2024, 4, 9), themes=("cancer",))
    api = create_api(Settings(), engine(db_url), StoreSettings())
    return TestClient(mount_console(api))


def ids(html: str) -> set[str]:
    return {line.split('class="id">')[1].split("<")[0] for line in html.splitlines() if 'class="id">' in line}


def test_a_bar_keeps_the_party_theme_and_text_filters(ui):
    shown = ui.get("/ui/agreements", params={"party": "AstraZeneca", "theme": "cancer", "q": "rabat"})
    assert shown.status_code == 200
    links = bars(shown.text)
    march = next(b for b in links if b["signed_from"] == ["2024-03-01"])
    assert march == {
        "path": ["/ui/agreements"],
        "party": ["AstraZeneca"],
        "theme": ["cancer"],
        "q": ["rabat"],
        "signed_from": ["2024-03-01"],
        "signed_to": ["2024-03-31"],
    }
    # Following it lists March's agreements with AstraZeneca on cancer: one, not March's two.
    opened = ui.get("/ui/agreements", params={k: v[0] for k, v in march.items() if k != "path"})
    assert len(ids(opened.text)) == 1
    # A page already narrowed to dates: the bar's month replaces them, the other filters stay.
    dated = bars(ui.get("/ui/agreements", params={"party": "astrazeneca", "signed_from": "2024-01-01"}).text)
    assert all(b["party"] == ["astrazeneca"] and len(b["signed_from"]) == 1 for b in dated)


def test_an_organizations_bars_open_its_own_agreements_of_the_month(ui):
    everything = ui.get("/ui/agreements", params={"signed_from": "2024-03-01", "signed_to": "2024-03-31"})
    assert len(ids(everything.text)) == 2
    az = ui.get("/ui/organizations", params={"q": "AstraZeneca"}).text
    az_id = az.split('href="/ui/organizations/')[1].split('"')[0]
    page = ui.get(f"/ui/organizations/{az_id}")
    march = next(b for b in bars(page.text) if b["signed_from"] == ["2024-03-01"])
    assert march["organization"] == [az_id] and march["signed_to"] == ["2024-03-31"]
    opened = ui.get("/ui/agreements", params={k: v[0] for k, v in march.items() if k != "path"})
    assert opened.status_code == 200 and len(ids(opened.text)) == 1
    assert "AstraZeneca" in opened.text
    # The list page's own bars and form keep the organization too.
    assert all(b["organization"] == [az_id] for b in bars(opened.text))
    assert f'name="organization" value="{az_id}"' in opened.text


@pytest.mark.parametrize("value", ["abc", "0", "-3", "99999999999"])
def test_an_organization_filter_that_is_no_id_is_a_422_saying_so(ui, value):
    answer = ui.get("/ui/agreements", params={"organization": value})
    assert answer.status_code == 422 and "organization" in answer.text
