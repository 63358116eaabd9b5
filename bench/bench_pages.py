"""The national map page in headless Chromium, served as in production (gunicorn, debug off, WhiteNoise):
how long until the map has drawn its layer, and how many bytes crossed the wire (no base tiles configured).

Each load is a fresh browser context (empty cache), logged in by cookie; the login itself is not timed. "Ready"
is the moment national.js marks the map drawn (`#map-controls[data-features]`). Also measured: a load with a
warm cache, one over an emulated slow mobile link (1.6 Mbit/s down, 750 kbit/s up, 150 ms latency), and the
switch to the heaviest level, the 393 cantons, without reloading the page.
"""

from __future__ import annotations

import io
import statistics
import tempfile
import time
from typing import Any

from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from bench.servers import Gunicorn, throwaway_queue
from evillage.layers import refresh_layers
from evillage.models import Chief, ChiefStatus, Role
from evillage.periods import period_of_moment
from evillage.services import record_report
from geo.models import Village
from tests.browser import CHROMIUM_ARGS, log_in
from tests.builders import make_user

RUNS = 7
REPORTING_CHIEFS = 1500
READY = "#map-controls[data-features]"
SLOW_MOBILE = {"offline": False, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 93_750}


def _load(context: Any, url: str, throttle: dict[str, Any] | None = None) -> tuple[float, int, int]:
    """One load of `url` in `context`: (ms until ready, bytes transferred, requests)."""
    page = context.new_page()
    sizes: list[int] = []
    page.on("requestfinished", lambda request: sizes.append(_transferred(request)))
    if throttle:
        session = context.new_cdp_session(page)
        session.send("Network.enable")
        session.send("Network.emulateNetworkConditions", throttle)
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
    elapsed = (time.perf_counter() - started) * 1000
    features = int(page.get_attribute(READY, "data-features") or 0)
    assert features == 39, f"{features} prefectures drawn"
    page.close()
    return elapsed, sum(sizes), len(sizes)


def _switch_to_cantons(context: Any, url: str) -> tuple[float, int]:
    """The heaviest layer the page offers, the 393 cantons: (ms from the choice to the map drawn, bytes)."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(READY, timeout=60_000)
    sizes: list[int] = []
    page.on("requestfinished", lambda request: sizes.append(_transferred(request)))
    started = time.perf_counter()
    page.select_option("#level", "canton")
    page.wait_for_selector('#map-controls[data-shown*="level=canton"][data-features="393"]', timeout=60_000)
    elapsed = (time.perf_counter() - started) * 1000
    page.close()
    return elapsed, sum(sizes)


def _transferred(request: Any) -> int:
    sizes = request.sizes()
    return int(sizes["responseBodySize"]) + int(sizes["responseHeadersSize"])


def run() -> dict[str, Any]:
    call_command("load_national_dataset", stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
    now = timezone.now()
    period = period_of_moment(now)
    chiefs = Chief.objects.filter(status=ChiefStatus.ACTIVE).order_by("pk")[:REPORTING_CHIEFS]
    for n, chief in enumerate(chiefs):
        values = {"water": n % 3 != 0, "electricity": n % 4 == 0, "network": n % 3}
        record_report(chief, period=period, values=values, received_at=now)
    refresh_layers()
    make_user("bench-ministere", Role.MINISTRY)

    with tempfile.TemporaryDirectory(prefix="evillage-bench-static-") as static_root:
        # What the deployed image has: the static files gathered and gzipped (Dockerfile).
        with override_settings(STATIC_ROOT=static_root):
            call_command("collectstatic", interactive=False, verbosity=0)
        return {"villages": Village.objects.count(), **_measure(static_root)}


def _measure(static_root: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with (
        throwaway_queue("pages") as queue,
        Gunicorn(queue=queue, DJANGO_STATIC_ROOT=static_root) as web,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        login = browser.new_context()
        log_in(login.new_page(), web.url, "bench-ministere", "/carte/")
        cookies = login.cookies()
        login.close()
        url = f"{web.url}/carte/"

        cold = []
        for _ in range(RUNS):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            context.add_cookies(cookies)
            cold.append(_load(context, url))
            context.close()

        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_cookies(cookies)
        _load(context, url)
        warm = _load(context, url)
        cantons = _switch_to_cantons(context, url)
        context.close()

        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        context.add_cookies(cookies)
        slow = _load(context, url, SLOW_MOBILE)
        context.close()
        browser.close()
    times = [ms for ms, _, _ in cold]
    return {
        "runs": RUNS,
        "cold_ready_median_ms": round(statistics.median(times), 1),
        "cold_ready_max_ms": round(max(times), 1),
        "cold_transferred_kib": round(cold[-1][1] / 1024, 1),
        "cold_requests": cold[-1][2],
        "warm_ready_ms": round(warm[0], 1),
        "warm_transferred_kib": round(warm[1] / 1024, 1),
        "cantons_switch_ms": round(cantons[0], 1),
        "cantons_transferred_kib": round(cantons[1] / 1024, 1),
        "slow_mobile_ready_ms": round(slow[0], 1),
        "slow_mobile_link": "1.6 Mbit/s down, 150 ms",
    }
