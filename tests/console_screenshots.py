"""The README's pictures of the console: the demo's crawl, served by `fm6ss api`, shot in headless
Chromium. `make screenshots` runs it and writes docs/console-*.png.

    python -m tests.console_screenshots [--out docs]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from selenium.webdriver.common.by import By

from tests.browser import Browser
from tests.console_data import ROOT, run_demo, serve_api

SHOTS = (  # file, page, window width, window height
    ("console-agreements.png", "/ui/agreements", 1280, 1180),
    ("console-agreement.png", "/ui/agreements/2", 1280, 1400),
    ("console-phone.png", "/ui/agreements", 390, 844),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fm6ss-shots-") as tmp:
        data = run_demo(Path(tmp))
        with serve_api(data, Path(tmp) / "api.log") as url:
            for name, page, width, height in SHOTS:
                browser = Browser(width, height)
                try:
                    if width < 500:  # a phone: Chromium's window is wider than its smallest viewport
                        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True}
                        browser.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
                    browser.driver.get(url + page)
                    browser.driver.find_element(By.TAG_NAME, "main")
                    browser.driver.save_screenshot(str(out / name))
                finally:
                    browser.close()
                print(out / name)


if __name__ == "__main__":
    main()
