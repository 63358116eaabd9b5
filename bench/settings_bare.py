"""The production settings with one change: the URL map of the bare view (bench/bare_urls.py), for the
webhook benchmark's baseline. Used only by `bench/bench_webhook.py`."""

from __future__ import annotations

from evillage.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
