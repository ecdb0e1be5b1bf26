"""The console in a real headless Chromium, served by a real `fm6ss api` process over the demo's crawl
plus reports whose headline, outlet, partner name and theme carry markup.

Every page must load with no console error (a CSP violation is one), filters and cursor pages must
work, markup must show as text, and the timeline and the partner network must draw."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import Browser
from tests.console_data import (
    HOSTILE_OUTLET,
    HOSTILE_PARTNER,
    HOSTILE_THEME,
    HOSTILE_TITLE,
    add_hostile,
    run_demo,
    serve_api,
)

READ_TOKEN = "console-read-token-for-tests-1"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = run_demo(tmp_path_factory.mktemp("console"))
    add_hostile(data, count=3)
    return data


@pytest.fixture(scope="module")
def console(store: Path) -> Iterator[str]:
    with serve_api(store, store / "api.log") as url:
        yield f"{url}/ui"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = Browser()
    yield chromium
    chromium.close()


def visit(browser: Browser, url: str) -> None:
    """Open `url`; the page must have logged no error (CSP violations and failed loads included)."""
    browser.console()  # what earlier pages logged is theirs
    browser.driver.get(url)
    assert browser.driver.find_elements(By.TAG_NAME, "main"), f"{url}: {browser.driver.page_source[:300]}"
    errors = [e for e in browser.console() if e["level"] in ("SEVERE", "WARNING")]
    assert errors == [], f"{url}: {errors}"
    assert browser.driver.execute_script("return window.xss === undefined"), url


def texts(browser: Browser, css: str) -> list[str]:
    return [e.text for e in browser.driver.find_elements(By.CSS_SELECTOR, css)]


def test_every_page_loads_clean_and_sends_the_security_headers(console, browser):
    visit(browser, f"{console}/agreements")
    agreement = browser.driver.find_element(By.CSS_SELECTOR, "table.agreements td a.id").get_attribute("href")
    # An SVG link's href is as written (a path), not resolved as an HTML link's is.
    organization = urljoin(
        console, browser.driver.find_element(By.CSS_SELECTOR, "svg a.node").get_dom_attribute("href")
    )
    visit(browser, f"{console}/articles")
    article = browser.driver.find_element(By.CSS_SELECTOR, "td[data-label=Title] a").get_attribute("href")
    visit(browser, f"{console}/runs")
    run = browser.driver.find_element(By.CSS_SELECTOR, "td[data-label=Run] a").get_attribute("href")
    pages = [agreement, organization, article, run]
    pages += [f"{console}/{p}" for p in ("organizations", "sources", "agreements?party=astrazeneca")]
    for url in pages:
        assert url
        visit(browser, url)
    for url in [*pages, f"{console}/agreements/999999", f"{console}/static/console.css", f"{console}/login"]:
        headers = httpx.get(url).headers
        policy = headers["content-security-policy"]
        assert "script-src 'none'" in policy and "frame-ancestors 'none'" in policy, url
        assert "unsafe-inline" not in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "same-origin"


def test_runs_and_sources_show_what_the_demo_crawl_met(console, browser):
    visit(browser, f"{console}/runs")
    browser.driver.find_element(By.CSS_SELECTOR, "td[data-label=Run] a").click()
    reasons = texts(browser, "details summary strong")
    assert {"http_404", "robots_disallowed", "too_large"} <= set(reasons)
    assert all(u.startswith("http://127.0.0.1:") for u in texts(browser, "ul.urls a"))
    visit(browser, f"{console}/sources")
    rows = browser.driver.find_elements(By.CSS_SELECTOR, "table.sources tbody tr")
    assert len(rows) >= 4
    assert any(
        "http_404" in t or "retries_exhausted" in t for t in texts(browser, "td[data-label='Last failure']")
    )


def test_filters_narrow_the_list(console, browser):
    visit(browser, f"{console}/agreements")
    everything = texts(browser, "table.agreements td a.id")
    form = browser.driver.find_element(By.CSS_SELECTOR, "form.filters")
    form.find_element(By.NAME, "party").send_keys("AstraZeneca")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    assert "party=AstraZeneca" in browser.driver.current_url
    assert not browser.console()
    parties = texts(browser, "table.agreements td.parties")
    assert len(parties) == 2 and all("AstraZeneca" in p for p in parties)
    assert len(everything) > len(parties)
    visit(browser, f"{console}/agreements?signed_from=2025-04-01&signed_to=2025-04-30")
    assert texts(browser, "table.agreements td[data-label=Signed]") == ["2025-04-11"]


def test_cursor_pages_walk_every_agreement_once(console, browser):
    visit(browser, f"{console}/agreements")
    expected = texts(browser, "table.agreements td a.id")
    visit(browser, f"{console}/agreements?limit=2")
    seen: list[str] = []
    while True:
        shown = texts(browser, "table.agreements td a.id")
        assert 1 <= len(shown) <= 2
        seen += shown
        following = browser.driver.find_elements(By.CSS_SELECTOR, ".pager a[rel=next]")
        if not following:
            break
        browser.console()
        following[0].click()
        assert not [e for e in browser.console() if e["level"] == "SEVERE"]
        assert "cursor=" in browser.driver.current_url and "limit=2" in browser.driver.current_url
    assert seen == expected and len(set(seen)) == len(seen) == 8


def test_markup_from_pages_shows_as_text(console, browser):
    """Headline, outlet, partner name, theme, a person and sentences: none of it becomes an element."""
    visit(browser, f"{console}/agreements?party=zephyr")
    assert HOSTILE_THEME in texts(browser, "td[data-label=Themes] .tag")
    browser.driver.find_element(By.CSS_SELECTOR, "table.agreements td a.id").click()
    body = browser.driver.find_element(By.TAG_NAME, "main").text
    for hostile in (HOSTILE_OUTLET, HOSTILE_THEME, "<i>Nadia</i> Test", "<script>window.xss"):
        assert hostile in body
    assert any(HOSTILE_PARTNER in t for t in texts(browser, ".parties-full .name"))
    assert any(HOSTILE_TITLE in t for t in texts(browser, "td[data-label=Title] a"))
    for tag in ("script", "img", "b", "i"):
        assert browser.driver.find_elements(By.CSS_SELECTOR, f"main {tag}") == [], tag
    assert not [e for e in browser.console() if e["level"] == "SEVERE"]
    browser.driver.find_element(By.CSS_SELECTOR, ".parties-full a.chip:not(.family)").click()
    assert HOSTILE_PARTNER in browser.driver.find_element(By.TAG_NAME, "h1").text
    visit(browser, f"{console}/articles?q=headline")
    browser.driver.find_element(By.CSS_SELECTOR, "td[data-label=Title] a").click()
    assert HOSTILE_TITLE in browser.driver.find_element(By.TAG_NAME, "h1").text
    assert browser.driver.find_elements(By.CSS_SELECTOR, "main script, main img") == []
    assert browser.driver.execute_script("return window.xss === undefined")


def test_timeline_and_network_draw(console, browser):
    visit(browser, f"{console}/agreements")
    bars = browser.driver.find_elements(By.CSS_SELECTOR, "svg.timeline-svg rect.bar")
    assert len(bars) >= 4 and all(b.size["height"] > 0 and b.size["width"] > 0 for b in bars)
    nodes = browser.driver.find_elements(By.CSS_SELECTOR, "svg.network-svg a.node")
    labels = [n.text for n in nodes]
    assert "FM6SS" in labels and "AstraZeneca" in labels and len(nodes) >= 6
    assert all(n.size["width"] > 0 for n in nodes)
    assert len(browser.driver.find_elements(By.CSS_SELECTOR, "svg.network-svg line.link")) >= 5
    next(n for n in nodes if n.text == "AstraZeneca").click()
    assert "/ui/organizations/" in browser.driver.current_url
    assert "AstraZeneca" in browser.driver.find_element(By.TAG_NAME, "h1").text
    assert browser.driver.find_elements(By.CSS_SELECTOR, "svg.timeline-svg rect.bar")
    assert len(texts(browser, "table.agreements td a.id")) == 2
    # A bar of its timeline opens that month of its own agreements, not of everyone's.
    browser.driver.find_element(By.CSS_SELECTOR, "svg.timeline-svg rect.bar").click()
    assert "organization=" in browser.driver.current_url and "signed_from=" in browser.driver.current_url
    parties = texts(browser, "table.agreements td.parties")
    assert parties and all("AstraZeneca" in p for p in parties)


def test_a_read_token_asks_for_a_login_that_sets_a_strict_cookie(store, browser):
    with serve_api(store, store / "api-token.log", FM6SS_API_READ_TOKEN=READ_TOKEN) as url:
        assert httpx.get(f"{url}/agreements").status_code == 401
        refused = httpx.get(f"{url}/ui/agreements/1")
        assert refused.status_code == 303 and "/ui/login?next=" in refused.headers["location"]
        visit(browser, f"{url}/ui/agreements/1")
        assert browser.driver.current_url.startswith(f"{url}/ui/login")
        browser.driver.find_element(By.NAME, "token").send_keys("not-the-token-at-all")
        browser.driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # the click answers with a new page: wait for it rather than read the old one (a loaded machine)
        wait = WebDriverWait(browser.driver, 20)
        problem = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".problem"))
        assert "not valid" in problem[0].text
        browser.console()  # the 401 of a wrong token is logged as a failed load: expected here
        browser.driver.find_element(By.NAME, "token").send_keys(READ_TOKEN)
        browser.driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        assert browser.driver.current_url == f"{url}/ui/agreements/1"
        cookie = browser.driver.get_cookie("fm6ss_console")
        assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        assert READ_TOKEN not in cookie["value"]
        # Plain HTTP to loopback outside production: not Secure, or the browser would not keep it; it
        # lasts the default 12 hours.
        assert not cookie["secure"] and abs(cookie["expiry"] - time.time() - 12 * 3600) < 300
        visit(browser, f"{url}/ui/sources")
        browser.driver.delete_all_cookies()
