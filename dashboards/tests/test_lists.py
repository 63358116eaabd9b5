"""Reports and chiefs: paginated JSON lists with filters."""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.tests.conftest import PERIOD, RECEIVED
from evillage.services import record_report


def results(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_reports_are_paginated_newest_first_with_their_values(reported, clients):
    later = RECEIVED + dt.timedelta(days=1)
    record_report(reported.chiefs["lama"], period=PERIOD, values={"water": 0}, received_at=later)
    page = results(clients["ministry"].get("/api/v1/reports/?page_size=2"))
    assert page["count"] == 4
    assert page["next"].endswith("page=2&page_size=2")
    first = page["results"][0]
    assert (first["village"], first["values"], first["period"]) == ("KOZ-0001", {"water": 0}, PERIOD)
    assert first["chief"] == "Kossi Amegan" and "phone" not in json.dumps(first)
    second = results(clients["ministry"].get("/api/v1/reports/?page_size=2&page=2"))
    assert second["next"] is None and len(second["results"]) == 2


def test_reports_filters(reported, clients):
    client = clients["ministry"]
    assert results(client.get("/api/v1/reports/?period=2024-04"))["count"] == 0
    assert results(client.get("/api/v1/reports/?period_from=2024-05&period_to=2024-05"))["count"] == 3
    assert results(client.get("/api/v1/reports/?indicator=electricity"))["count"] == 0
    assert results(client.get("/api/v1/reports/?indicator=water&canton=KOZ-C01"))["count"] == 1
    assert results(client.get("/api/v1/reports/?search=kpatcha"))["results"][0]["village"] == "KOZ-0002"


def test_a_report_page_runs_a_constant_number_of_queries(reported, clients):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert clients["kozah"].get("/api/v1/reports/").status_code == 200
        return len(captured)

    before = count()
    for month in range(1, 5):
        record_report(reported.chiefs["lama"], period=f"2024-0{month}", values={"water": 1}, received_at=RECEIVED)
    assert count() == before


def test_chiefs_show_phones_to_the_ministry_and_filter(reported, clients):
    page = results(clients["ministry"].get("/api/v1/chiefs/?prefecture=KOZ&ordering=full_name"))
    assert [row["full_name"] for row in page["results"]] == ["Essowè Kpatcha", "Kossi Amegan"]
    assert page["results"][1]["phone"] == "+22890112233"
    assert results(clients["ministry"].get("/api/v1/chiefs/?role=canton"))["count"] == 1
    assert results(clients["ministry"].get("/api/v1/chiefs/?search=99112233"))["results"][0]["village"] == "BAS-0001"


def test_an_invalid_page_is_a_404(reported, clients):
    assert clients["ministry"].get("/api/v1/reports/?page=9").status_code == 404
