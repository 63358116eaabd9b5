"""Celery tasks of the domain: the layers' debounced refresh after reports, and the nightly full rebuild.

Debouncing: `schedule_layer_refresh` (run on commit of a report) queues one `refresh_pending_layers` task
`LAYERS_DEBOUNCE_SECONDS` ahead, unless one is already due — a Redis flag, set with NX, says so. The task
drops the flag before claiming the keys, so a key recorded after the claim always gets a run of its own.
The keys themselves live in the database (`PendingLayerRefresh`): if the broker is down, or the flag
outlives a lost task, the five-minute beat entry and the nightly rebuild still take them.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import redis
from celery import shared_task
from django.conf import settings

from evillage import layers
from evillage.celery import app

logger = logging.getLogger(__name__)


def _flag() -> str:
    # Per queue: two deployments, or two test runs, sharing one Redis do not debounce each other.
    return f"{app.conf.task_default_queue}:evillage-layers-refresh-due"


def _redis() -> redis.Redis:
    return _client(settings.REDIS_URL)


@functools.cache
def _client(url: str) -> redis.Redis:
    """One client (and its connection pool) per process and URL: a report must not pay for a new connection."""
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def schedule_layer_refresh() -> None:
    """Queue one refresh of the pending keys, unless one is already due. Never raises: a key left
    behind is taken by the next run or the beat entry."""
    countdown = settings.LAYERS_DEBOUNCE_SECONDS
    client = _redis()
    try:
        # The flag outlives the countdown a little, so that a lost task delays the next one, never blocks it.
        if not client.set(_flag(), "1", nx=True, ex=countdown + 60):
            return
        try:
            refresh_pending_layers.apply_async(countdown=countdown)
        except Exception:
            client.delete(_flag())
            raise
    except Exception:
        logger.exception("Could not queue the layer refresh; the periodic run will take the pending keys")


@shared_task(ignore_result=True)
def refresh_pending_layers() -> int:
    client = _redis()
    try:
        client.delete(_flag())
    except Exception:
        logger.warning("Could not clear the layer refresh flag; it expires by itself", exc_info=True)
    try:
        return layers.refresh_pending(wait=False)
    except layers.LayersBusy:
        # Reports are applying their differences: the keys wait for a moment between them.
        schedule_layer_refresh()
        return 0


@shared_task(ignore_result=True)
def refresh_all_layers() -> dict[str, Any]:
    summary = layers.refresh_layers()
    return {"periods": len(summary.periods), "area_rows": summary.area_rows, "village_rows": summary.village_rows}
