"""The prefecture and village pages: who may open them, what they show, and how many queries they cost."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from dashboards.places.conversation import MESSAGES_SHOWN
from dashboards.places.history import HISTORY_MONTHS
from dashboards.tests.conftest import client_for
from evillage.layers import refresh_layers
from evillage.models import Chief, ChiefRole, ChiefStatus
from evillage.periods import period_of_moment, shift
from evillage.services import record_report
from geo.models import BoundarySet, Level, LocationSource, LocationStatus
from sms_gateway.models import InboxMessage, InboxStatus, OutboxKind, OutboxMessage, OutboxStatus
from tests.builders import box, make_area

ASSET = re.compile(r"""<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)\"""")
NOW = timezone.now()
THIS_MONTH = period_of_moment(NOW)


def cells(html: str, indicator: str) -> dict[str, str]:
    """The history chart's cells of one indicator, by period: each cell's opening tag."""
    row = re.search(rf'<tr data-indicator="{indicator}">(.*?)</tr>', html, re.S)
    assert row, f"no history row for {indicator}"
    return {m.group(2): m.group(1) for m in re.finditer(r'(<td [^>]*data-period="([0-9-]+)"[^>]*>)', row.group(1))}


# Who may open what -----------------------------------------------------------------------------------

OWN, OTHER, FORBIDDEN, LOGIN = 200, 404, 403, 302
# url, then what the ministry, the Kozah official, the Bassar official and `nobody` get.
MATRIX = [
    ("/prefectures/KOZ/", OWN, OWN, OTHER, FORBIDDEN),
    ("/prefectures/BAS/", OWN, OTHER, OWN, FORBIDDEN),
    ("/villages/KOZ-0001/", OWN, OWN, OTHER, FORBIDDEN),
    ("/villages/KOZ-0002/", OWN, OWN, OTHER, FORBIDDEN),
    ("/villages/BAS-0001/", OWN, OTHER, OWN, FORBIDDEN),
    # Codes that name no prefecture or village are the same 404 as those of another prefecture.
    ("/prefectures/TG-K/", OTHER, OTHER, OTHER, FORBIDDEN),  # a region
    ("/prefectures/KOZ-C01/", OTHER, OTHER, OTHER, FORBIDDEN),  # a canton
    ("/prefectures/NOPE/", OTHER, OTHER, OTHER, FORBIDDEN),
    ("/villages/KOZ-9999/", OTHER, OTHER, OTHER, FORBIDDEN),
    ("/villages/koz-0001/", OTHER, OTHER, OTHER, FORBIDDEN),
]


@pytest.mark.parametrize(("url", "ministry", "kozah", "bassar", "nobody"), MATRIX)
def test_each_role_opens_exactly_the_places_of_its_jurisdiction(world, url, ministry, kozah, bassar, nobody):
    for role, expected in (("ministry", ministry), ("kozah", kozah), ("bassar", bassar), ("nobody", nobody)):
        response = client_for(world, role).get(url)
        assert response.status_code == expected, (role, url)
    anonymous = client_for(world, "anonymous").get(url)
    assert anonymous.status_code == LOGIN
    assert anonymous["Location"] == f"/connexion/?next={url}"


def test_a_prefecture_of_an_old_boundary_set_is_not_found(world):
    old = BoundarySet.objects.create(name="2009", is_active=False)
    make_area(old, Level.PREFECTURE, "OLD", "Ancienne", box(1.0, 9.3, 1.5, 9.8), world.kara)
    assert client_for(world, "ministry").get("/prefectures/OLD/").status_code == 404


def test_an_official_of_another_prefecture_learns_nothing_of_a_village_not_even_its_chief(world):
    response = client_for(world, "bassar").get("/villages/KOZ-0001/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Kossi Amegan" not in body and "+22890112233" not in body and "Lama-Tessi" not in body


# The prefecture page -----------------------------------------------------------------------------------


def test_the_prefecture_page_loads_its_villages_from_the_api_not_inline(world):
    response = client_for(world, "kozah").get("/prefectures/KOZ/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html and "Préfecture de Kozah" in html
    controls = re.search(r'<form[^>]*id="map-controls"[^>]*>', html, re.S).group(0)
    assert 'data-villages-url="/api/v1/villages/?prefecture=KOZ"' in controls
    assert 'data-cantons-url="/api/v1/areas/?level=canton&amp;parent=KOZ"' in controls
    assert 'data-village-url="/villages/__code__/"' in controls
    # No village, chief or phone in the HTML: they come from the API, under the same jurisdiction.
    for text in ("Lama-Tessi", "KOZ-0001", "Kossi Amegan", "+22890112233"):
        assert text not in html
    # The indicators, the first one chosen, and the names and colours of their values for the legend.
    assert '<option value="water" selected>Eau</option>' in html
    config = json.loads(
        re.search(r'<script id="prefecture-config" type="application/json">(.*?)</script>', html).group(1)
    )
    assert [c["label"] for c in config["indicators"]["water"]["classes"]] == ["Non", "Oui"]
    assert [c["label"] for c in config["indicators"]["network"]["classes"]] == ["Aucun", "Faible", "Bon"]
    assert config["labels"]["stale"] == "valeur ancienne"


def test_the_prefecture_page_keeps_the_indicator_asked_for_and_ignores_an_unknown_one(world):
    client = client_for(world, "kozah")
    assert '<option value="network" selected>' in client.get("/prefectures/KOZ/?indicator=network").content.decode()
    html = client.get("/prefectures/KOZ/?indicator=<script>").content.decode()
    assert (
        '<option value="water" selected>' in html and "<script>" not in html.split("<select")[1].split("</select>")[0]
    )


def test_the_prefecture_page_draws_its_border_and_loads_markercluster_from_our_static_files(world, settings):
    settings.MAP_TILES_URL = ""
    html = client_for(world, "kozah").get("/prefectures/KOZ/").content.decode()
    assets = ASSET.findall(html)
    assert [a for a in assets if not a.startswith("/static/")] == []
    assert [a for a in assets if finders.find(a.removeprefix("/static/")) is None] == []
    names = {a.removeprefix("/static/") for a in assets}
    assert {
        "vendor/leaflet-markercluster/leaflet.markercluster.js",
        "vendor/leaflet-markercluster/MarkerCluster.css",
        "vendor/leaflet-markercluster/MarkerCluster.Default.css",
        "dashboards/prefecture.js",
    } <= names
    # Kozah's square, and the map fitted to it.
    assert 'data-bounds="[[9.3, 1.0], [9.8, 1.5]]"' in html
    assert "[[1.0, 9.3], [1.5, 9.3], [1.5, 9.8], [1.0, 9.8], [1.0, 9.3]]" in html


def test_the_api_the_prefecture_page_reads_gives_each_village_its_state_and_staleness(world):
    """What prefecture.js colours by: the value, and whether it is stale (hollow on the map)."""
    old = shift(THIS_MONTH, -4)
    record_report(world.chiefs["lama"], period=THIS_MONTH, values={"water": 1}, received_at=NOW)
    record_report(world.chiefs["tchare"], period=old, values={"water": 0}, received_at=NOW - dt.timedelta(days=120))
    record_report(world.chiefs["bassar"], period=THIS_MONTH, values={"water": 1}, received_at=NOW)
    refresh_layers(now=NOW)
    response = client_for(world, "kozah").get(
        "/api/v1/villages/?prefecture=KOZ&indicator=water", HTTP_ACCEPT="application/geo+json"
    )
    states = {f["properties"]["code"]: f["properties"] for f in json.loads(response.content)["features"]}
    assert set(states) == {"KOZ-0001", "KOZ-0002"}
    assert (states["KOZ-0001"]["value"], states["KOZ-0001"]["is_stale"]) == (1, False)
    assert (states["KOZ-0002"]["value"], states["KOZ-0002"]["is_stale"], states["KOZ-0002"]["period"]) == (0, True, old)


def test_the_prefecture_page_runs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    client = client_for(world, "kozah")
    # Session, user, official and its prefectures, the prefecture with its outline, the indicators.
    with django_assert_max_num_queries(6):
        assert client.get("/prefectures/KOZ/").status_code == 200


# The village page --------------------------------------------------------------------------------------


def test_the_village_page_shows_its_chiefs_with_role_phone_and_status(world):
    Chief.objects.create(
        full_name="Ancien Chef",
        phone="+22891000000",
        village=world.villages["lama"],
        role=ChiefRole.VILLAGE_CHIEF,
        status=ChiefStatus.RETIRED,
    )
    html = client_for(world, "kozah").get("/villages/KOZ-0001/").content.decode()
    chiefs = html.split('id="chiefs"')[1].split("</section>")[0]
    assert "Kossi Amegan" in chiefs and "Chef de village" in chiefs and "Actif" in chiefs
    assert 'href="tel:+22890112233"' in chiefs
    assert "Ancien Chef" in chiefs and "Retiré" in chiefs
    assert chiefs.index("Kossi Amegan") < chiefs.index("Ancien Chef")  # the active chief first
    assert "Essowè Kpatcha" not in chiefs  # another village's


def test_the_village_page_says_where_its_location_came_from(world):
    village = world.villages["tchare"]
    village.location_source = LocationSource.SMS_GPS
    village.location_status = LocationStatus.CONFLICT
    village.location_note = "hors de son canton"
    village.save()
    html = client_for(world, "ministry").get("/villages/KOZ-0002/").content.decode()
    location = html.split('id="location"')[1].split("</section>")[0]
    assert "GPS envoyé par SMS" in location and "En conflit" in location and "hors de son canton" in location
    assert "9.60000, 1.40000" in location
    assert "Chef de canton" in html  # Tcharé's chief reports as canton chief
    assert 'href="/prefectures/KOZ/"' in html and "canton de Tcharé" in html


def test_the_history_chart_colours_each_month_by_its_latest_value_and_marks_corrections(world):
    chief = world.chiefs["lama"]
    last_month = shift(THIS_MONTH, -1)
    early = NOW - dt.timedelta(days=40)
    record_report(chief, period=last_month, values={"water": 0, "network": 0}, received_at=early)
    # A second report of the same month corrects the water only: network's 0 still counts.
    record_report(chief, period=last_month, values={"water": 1}, received_at=early + dt.timedelta(hours=2))
    record_report(chief, period=THIS_MONTH, values={"water": 0, "network": 1}, received_at=NOW)
    html = client_for(world, "kozah").get("/villages/KOZ-0001/").content.decode()

    water, network = cells(html, "water"), cells(html, "network")
    assert len(water) == HISTORY_MONTHS and list(water)[-1] == THIS_MONTH
    assert 'data-value="1"' in water[last_month] and 'data-replaced="0"' in water[last_month]
    assert "is-corrected" in water[last_month]
    assert "remplace « Non » reçu le" in water[last_month]
    assert 'data-value="0"' in water[THIS_MONTH] and "is-corrected" not in water[THIS_MONTH]
    assert 'data-value="0"' in network[last_month] and "is-corrected" not in network[last_month]
    assert 'data-value="1"' in network[THIS_MONTH] and "Faible" in network[THIS_MONTH]
    # A month without a report is empty, and a month before the window is not shown.
    assert "is-empty" in water[shift(THIS_MONTH, -2)] and "data-value" not in water[shift(THIS_MONTH, -2)]
    assert shift(THIS_MONTH, -HISTORY_MONTHS) not in water
    # The colours of the values, as the legend and the prefecture map give them.
    assert "--cell:#1a9641" in water[last_month] and "--cell:#d7191c" in water[THIS_MONTH]
    assert "--cell:#f2c40f" in network[THIS_MONTH]


def test_a_village_without_reports_says_so(world):
    html = client_for(world, "kozah").get("/villages/KOZ-0001/").content.decode()
    assert "Aucun rapport sur cette période." in html
    assert "Aucun message." in html


def _inbox(sender: str, text: str, minutes_ago: int, chief: Chief | None = None, **extra) -> InboxMessage:  # type: ignore[no-untyped-def]
    return InboxMessage.objects.create(
        provider_id=f"at-{sender}-{minutes_ago}-{text}",
        sender=sender,
        recipient="20880",
        text=text,
        received_at=NOW - dt.timedelta(minutes=minutes_ago),
        chief=chief,
        **extra,
    )


def _outbox(to: str, text: str, minutes_ago: int, **extra) -> OutboxMessage:  # type: ignore[no-untyped-def]
    message = OutboxMessage.objects.create(to=to, text=text, **extra)
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=NOW - dt.timedelta(minutes=minutes_ago))
    return message


def test_the_village_page_lists_its_chiefs_messages_in_and_out_newest_first_in_french(world):
    lama = world.chiefs["lama"]
    question = _inbox(lama.phone, "EAU OUI RES BON", 30, chief=lama, status=InboxStatus.DONE)
    _outbox(lama.phone, "Merci, rapport enregistre.", 29, in_reply_to=question, status=OutboxStatus.DELIVERED)
    _outbox(lama.phone, "Rappel : envoyez votre rapport.", 60 * 24, kind=OutboxKind.REMINDER, status=OutboxStatus.DEAD)
    _inbox(lama.phone, "EAU ???", 10, chief=lama, status=InboxStatus.FAILED)
    # Another village's chief, in and out.
    other = world.chiefs["tchare"]
    _inbox(other.phone, "MESSAGE DE TCHARE", 5, chief=other)
    _outbox(other.phone, "REPONSE A TCHARE", 4)
    html = client_for(world, "kozah").get("/villages/KOZ-0001/").content.decode()
    messages = html.split('id="messages"')[1].split("</section>")[0]
    rows = re.findall(r"<tr class=\"(is-incoming|is-outgoing)\">(.*?)</tr>", messages, re.S)
    texts = [re.findall(r"<td[^>]*>(.*?)</td>", row)[3] for _direction, row in rows]
    assert texts == ["EAU ???", "Merci, rapport enregistre.", "EAU OUI RES BON", "Rappel : envoyez votre rapport."]
    assert [direction for direction, _row in rows] == ["is-incoming", "is-outgoing", "is-incoming", "is-outgoing"]
    assert "Échec" in rows[0][1] and "Reçu" in rows[0][1]
    assert "Remis" in rows[1][1] and "Réponse" in rows[1][1] and "Envoyé" in rows[1][1]
    assert "Traité" in rows[2][1]
    assert "Abandonné" in rows[3][1] and "Rappel" in rows[3][1]


def test_a_phone_that_changed_hands_shows_no_other_villages_messages(world):
    """Lama's former chief's number now belongs to Bangéli's chief, in Bassar: Kozah sees none of it."""
    lama = world.villages["lama"]
    former = Chief.objects.create(
        full_name="Ancien Chef", phone="+22891000000", village=lama, status=ChiefStatus.RETIRED
    )
    bassar = world.chiefs["bassar"]
    bassar.phone = former.phone
    bassar.save()
    _inbox(former.phone, "ANCIEN MESSAGE DE LAMA", 60 * 24 * 300, chief=former)
    sent_to_bassar = _inbox(former.phone, "MESSAGE DE BANGELI", 60, chief=bassar)
    _outbox(former.phone, "REPONSE A BANGELI", 59, in_reply_to=sent_to_bassar)
    html = client_for(world, "kozah").get("/villages/KOZ-0001/").content.decode()
    assert "ANCIEN MESSAGE DE LAMA" in html
    assert "BANGELI" not in html


def test_the_message_list_is_bounded(world):
    lama = world.chiefs["lama"]
    for minutes in range(MESSAGES_SHOWN + 5):
        _inbox(lama.phone, f"MSG {minutes}", minutes, chief=lama)
        _outbox(lama.phone, f"REP {minutes}", minutes)
    html = client_for(world, "kozah").get("/villages/KOZ-0001/").content.decode()
    assert html.count('<tr class="is-incoming">') + html.count('<tr class="is-outgoing">') == MESSAGES_SHOWN
    assert ">MSG 0<" in html and f">MSG {MESSAGES_SHOWN}<" not in html


def test_the_village_page_costs_the_same_queries_with_two_years_of_reports(world, django_assert_max_num_queries):
    """Session, user, official, its prefectures, the village, its chiefs, the indicators, the history's values,
    the inbox, the outbox: ten, however many reports and messages."""
    client = client_for(world, "kozah")
    lama = world.chiefs["lama"]
    with django_assert_max_num_queries(10):
        assert client.get("/villages/KOZ-0001/").status_code == 200
    for months_ago in range(HISTORY_MONTHS):
        period = shift(THIS_MONTH, -months_ago)
        received = NOW - dt.timedelta(days=30 * months_ago)
        record_report(lama, period=period, values={"water": 0, "network": 2}, received_at=received)
        record_report(lama, period=period, values={"water": 1}, received_at=received + dt.timedelta(hours=1))
        _inbox(lama.phone, f"RAPPORT {period}", 60 * 24 * 30 * months_ago, chief=lama)
        _outbox(lama.phone, f"MERCI {period}", 60 * 24 * 30 * months_ago)
    with django_assert_max_num_queries(10):
        html = client.get("/villages/KOZ-0001/").content.decode()
    assert html.count("is-corrected") == HISTORY_MONTHS + 1  # each water cell, and the legend's swatch
    assert len([c for c in cells(html, "network").values() if 'data-value="2"' in c]) == HISTORY_MONTHS


def test_an_area_less_village_page_still_renders(world):
    """Bangéli has no canton: the page says its prefecture and region only."""
    html = client_for(world, "bassar").get("/villages/BAS-0001/").content.decode()
    assert "Bangéli" in html and "Yao Bawa" in html and "canton de" not in html
    assert 'href="/prefectures/BAS/"' in html
