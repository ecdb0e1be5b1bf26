"""A real headless Chromium for the console's tests and its screenshots: Debian's `chromium` and
`chromium-driver` (`.ci/run` installs them), driven by Selenium. Missing, it is a failure, not a skip."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


class Browser:
    """Chromium with a fresh profile, reporting its console (CSP violations are console errors)."""

    def __init__(self, width: int = 1280, height: int = 1000) -> None:
        missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
        if missing:
            pytest.fail(f"{', '.join(missing)} missing: apt-get install chromium chromium-driver")
        self.profile = tempfile.mkdtemp(prefix="fm6ss-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.add_argument(f"--window-size={width},{height}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        self.driver.set_page_load_timeout(60)

    def console(self) -> list[dict[str, Any]]:
        """The console entries since the last call."""
        entries: list[dict[str, Any]] = self.driver.get_log("browser")
        return entries

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
