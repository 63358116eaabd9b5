"""A headless Chromium for page tests: Debian's `chromium`, driven by Playwright, recording every request.

Screenshots go to test-artifacts/ (git-ignored), for a person to look at.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.builders import PASSWORD

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# What a browser on a ministry network without internet must be able to do: nothing reaches out.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


DESKTOP = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


@contextmanager
def browser_page(viewport: dict[str, int] = DESKTOP) -> Iterator[Any]:
    """A Chromium page of `viewport`'s size that records every URL it requests (`page.requests`).

    Playwright's sync API runs an event loop in this thread, where Django refuses database calls:
    open it once the test's data is in place.
    """
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is missing: scripts/setup-system.sh installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=viewport, is_mobile=viewport["width"] < 600)
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.requests = requests
        try:
            yield page
        finally:
            browser.close()


def log_in(page: Any, url: str, username: str, next_path: str) -> None:
    """Log in through the login page and land on `next_path`."""
    page.goto(f"{url}/connexion/?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def assert_stayed_local(page: Any) -> None:
    """Every request stayed on this machine: the page works on a network without internet."""
    hosts = {urlsplit(url).hostname for url in page.requests if not url.startswith("data:")}
    assert hosts <= {"127.0.0.1", "localhost"}, hosts
