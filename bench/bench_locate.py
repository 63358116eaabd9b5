"""Placing random points inside Togo in their canton: one point at a time (`Area.objects.containing`)
against one set-based query for all of them (`Area.objects.locate_points`).

4,300 points (one per village) and 430,000 (a hundred reports per village). For 430,000, the
one-at-a-time method is timed on a seeded sample and its total is projected, and labelled so.
"""

from __future__ import annotations

import io
import random
import time
from typing import Any

import numpy as np
import shapely
from django.contrib.gis.geos import Point
from django.core.management import call_command

from fixtures.national import togo_outline
from geo.models import Area, Level, Village

SEED = 4300
SAMPLE_FOR_ONE_AT_A_TIME = 20_000


def random_points_in_togo(count: int, seed: int) -> list[tuple[float, float]]:
    """`count` (lon, lat) points uniformly inside the country's outline (the same for the same seed)."""
    outline = togo_outline()
    shapely.prepare(outline)
    rng = np.random.default_rng(seed)
    west, south, east, north = outline.bounds
    points: list[tuple[float, float]] = []
    while len(points) < count:
        lons = np.round(rng.uniform(west, east, count), 6)
        lats = np.round(rng.uniform(south, north, count), 6)
        inside = shapely.contains_xy(outline, lons, lats)
        points.extend(zip(lons[inside].tolist(), lats[inside].tolist(), strict=True))
    return points[:count]


def one_at_a_time(points: list[tuple[float, float]]) -> tuple[list[int | None], float]:
    found: list[int | None] = []
    started = time.perf_counter()
    for lon, lat in points:
        cantons = Area.objects.containing(Point(lon, lat, srid=4326), level=Level.CANTON)
        # The smallest id on a shared border, as locate_points does.
        found.append(cantons.order_by("pk").values_list("pk", flat=True).first())
    return found, time.perf_counter() - started


def set_based(points: list[tuple[float, float]]) -> tuple[list[int | None], float]:
    started = time.perf_counter()
    found = Area.objects.locate_points(points, Level.CANTON)
    return found, time.perf_counter() - started


def agreement(a: list[int | None], b: list[int | None]) -> dict[str, Any]:
    same = sum(x == y for x, y in zip(a, b, strict=True))
    return {"compared": len(a), "same_answer": same, "share": round(same / len(a), 6)}


def run() -> dict[str, Any]:
    if not Village.objects.exists():
        call_command("load_national_dataset", stdout=io.StringIO(), stderr=io.StringIO(), verbosity=0)
    cantons = Area.objects.active().filter(level=Level.CANTON).count()
    # Warm the database's caches once, with other points, so that neither method pays for a cold start.
    warm_up = random_points_in_togo(1_000, SEED - 1)
    set_based(warm_up)
    one_at_a_time(warm_up)

    small = random_points_in_togo(4_300, SEED)
    small_one, small_one_seconds = one_at_a_time(small)
    small_set, small_set_seconds = set_based(small)

    large = random_points_in_togo(430_000, SEED + 1)
    large_set, large_set_seconds = set_based(large)
    sample_index = sorted(random.Random(SEED).sample(range(len(large)), SAMPLE_FOR_ONE_AT_A_TIME))
    sample_one, sample_seconds = one_at_a_time([large[i] for i in sample_index])
    per_second = len(sample_index) / sample_seconds

    return {
        "cantons": cantons,
        "points_4300": {
            "containing_one_at_a_time": {
                "seconds": round(small_one_seconds, 2),
                "points_per_second": round(len(small) / small_one_seconds),
            },
            "locate_points_one_query": {
                "seconds": round(small_set_seconds, 3),
                "points_per_second": round(len(small) / small_set_seconds),
            },
            "agreement": agreement(small_one, small_set),
            "outside_every_canton": sum(x is None for x in small_set),
        },
        "points_430000": {
            "locate_points_one_query": {
                "seconds": round(large_set_seconds, 2),
                "points_per_second": round(len(large) / large_set_seconds),
            },
            "containing_one_at_a_time": {
                "timed_sample": len(sample_index),
                "sample_seconds": round(sample_seconds, 2),
                "points_per_second": round(per_second),
                "projected_seconds_for_430000": round(len(large) / per_second),
            },
            "agreement_on_sample": agreement(sample_one, [large_set[i] for i in sample_index]),
            "outside_every_canton": sum(x is None for x in large_set),
        },
    }
