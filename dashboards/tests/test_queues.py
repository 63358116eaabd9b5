"""The work queues' pages: who sees which items, who may decide on which, CSRF on every form, one decision
per item, and a bounded number of queries however long the queue."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.contrib.gis.geos import Point
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboards.tests.conftest import ROLES, client_for
from evillage.models import Alert, CandidateStatus, Chief, ChiefRole, ChiefStatus, LocationCandidate
from evillage.periods import period_of_moment
from evillage.services import record_alert, record_location, record_report, request_registration
from sms_gateway.inbox import quarantine_number
from sms_gateway.models import InboxMessage, OutboxMessage, QuarantinedNumber
from tests.builders import make_village

NOW = timezone.now() - dt.timedelta(hours=1)
LISTS = ["index", "non-reporting", "conflicts", "numbers", "registrations", "alerts"]
ASSET = re.compile(r"""<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)\"""")


def inbox(sender: str, text: str, chief: Chief | None = None, village_code: str | None = None, **extra) -> InboxMessage:  # type: ignore[no-untyped-def]
    parse_result = {"command": "register", "village_code": village_code} if village_code else {"command": "help"}
    return InboxMessage.objects.create(
        provider_id=uuid.uuid4().hex,
        sender=sender,
        recipient="12345",
        text=text,
        chief=chief,
        parse_result=parse_result,
        **extra,
    )


class Items:
    """One open item of every queue in each prefecture, and one quarantined number that named no village."""

    def __init__(self, world) -> None:  # type: ignore[no-untyped-def]
        self.world = world
        # Conflicts: Lama's chief sends a point in the other canton; Bangéli's chief a point in Kozah.
        self.conflict = {
            "kozah": record_location(world.chiefs["lama"], Point(1.4, 9.6, srid=4326), received_at=NOW),
            "bassar": record_location(world.chiefs["bassar"], Point(1.3, 9.5, srid=4326), received_at=NOW),
        }
        assert {c.status for c in self.conflict.values()} == {CandidateStatus.CONFLICT}
        inbox(world.chiefs["lama"].phone, "GPS 9.6 1.4", world.chiefs["lama"], provider_date=NOW)
        # Registrations (Tcharé's village seat is free; Bangéli's is taken, so a canton chief asks for it).
        self.pending = {
            "kozah": request_registration("+22891000001", "KOZ-0002", "Akou Mensah"),
            "bassar": request_registration("+22891000002", "BAS-0001", "Kodjo Alou"),
        }
        Chief.objects.filter(pk=self.pending["bassar"].pk).update(role=ChiefRole.CANTON_CHIEF)
        self.alert = {
            "kozah": record_alert(world.chiefs["lama"], "forage en panne", received_at=NOW),
            "bassar": record_alert(world.chiefs["bassar"], "pont coupe", received_at=NOW),
        }
        # Quarantined numbers: two named a village of a prefecture (INSCR), one named none.
        self.number = {}
        for owner, phone, code in [("kozah", "+22892000001", "KOZ-0002"), ("bassar", "+22892000002", "BAS-0001")]:
            inbox(phone, f"INSCR {code}", village_code=code)
            self.number[owner] = quarantine_number(phone)
        inbox("+22892000003", "bonjour")
        self.number["unnamed"] = quarantine_number("+22892000003")

    def registration_post(self, owner: str) -> dict[str, str]:
        return (
            {"village": "koz-0002", "full_name": "Ama Kpatcha", "role": ChiefRole.VILLAGE_CHIEF}
            if owner == "kozah"
            else {"village": "BAS-0001", "full_name": "Essi Bawa", "role": ChiefRole.CANTON_CHIEF}
        )


@pytest.fixture
def items(world):  # type: ignore[no-untyped-def]
    return Items(world)


def url(name: str, pk: int | None = None) -> str:
    return reverse(f"queues:{name}", args=[pk] if pk is not None else [])


# Lists: who sees what ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LISTS)
def test_lists_ask_anonymous_visitors_to_log_in(items, name):
    response = Client().get(url(name))
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


@pytest.mark.parametrize("name", LISTS)
def test_lists_refuse_a_user_without_jurisdiction(items, clients, name):
    assert clients["nobody"].get(url(name)).status_code == 403


VISIBLE = {"ministry": {"kozah", "bassar"}, "kozah": {"kozah"}, "bassar": {"bassar"}}


@pytest.mark.parametrize("role", ["ministry", "kozah", "bassar"])
def test_each_queue_lists_the_items_of_the_users_prefectures_only(items, clients, role):
    client = clients[role]
    seen = VISIBLE[role]
    pages = {name: client.get(url(name)).content.decode() for name in LISTS[2:]}
    for owner in ("kozah", "bassar"):
        expect = owner in seen
        assert (f'id="conflict-{items.conflict[owner].pk}"' in pages["conflicts"]) is expect
        assert (f'id="registration-{items.pending[owner].pk}"' in pages["registrations"]) is expect
        assert (f'id="alert-{items.alert[owner].pk}"' in pages["alerts"]) is expect
        assert (f'id="number-{items.number[owner].pk}"' in pages["numbers"]) is expect
    # A number that named no village is nobody's yet: every official may claim it.
    assert f'id="number-{items.number["unnamed"].pk}"' in pages["numbers"]


@pytest.mark.parametrize(("role", "expected"), [("ministry", (3, 2, 3, 2, 2)), ("kozah", (2, 1, 2, 1, 1))])
def test_the_index_counts_the_open_items_of_each_queue(items, clients, role, expected):
    html = clients[role].get(url("index")).content.decode()
    counts = dict(re.findall(r'data-queue="([a-z-]+)">(\d+)<', html))
    order = ["non-reporting", "conflicts", "numbers", "registrations", "alerts"]
    assert tuple(int(counts[name]) for name in order) == expected


# Non-reporting villages --------------------------------------------------------------------------------


def non_reporting_codes(html: str) -> set[str]:
    table = html.split('<table class="queue-table">')[1]
    return set(re.findall(r"<td>((?:KOZ|BAS)-\d{4})</td>", table))


def test_non_reporting_villages_of_this_month_in_the_users_scope(world, clients):
    period = period_of_moment(timezone.now())
    record_report(world.chiefs["tchare"], period=period, values={"water": 1}, received_at=NOW)
    assert non_reporting_codes(clients["kozah"].get(url("non-reporting")).content.decode()) == {"KOZ-0001"}
    assert non_reporting_codes(clients["ministry"].get(url("non-reporting")).content.decode()) == {
        "KOZ-0001",
        "BAS-0001",
    }
    # Last month nobody reported.
    earlier = url("non-reporting") + "?period=" + period_of_moment(timezone.now() - dt.timedelta(days=40))
    assert non_reporting_codes(clients["kozah"].get(earlier).content.decode()) == {"KOZ-0001", "KOZ-0002"}


def test_a_prefecture_where_every_village_reported_shows_an_empty_queue(world, clients):
    period = period_of_moment(timezone.now())
    for name in ("lama", "tchare"):
        record_report(world.chiefs[name], period=period, values={"water": 1}, received_at=NOW)
    response = clients["kozah"].get(url("non-reporting"))
    assert response.status_code == 200
    assert non_reporting_codes(response.content.decode()) == set()


def test_non_reporting_villages_filter_by_canton_and_map_them_as_one_geojson_layer(world, clients):
    html = clients["kozah"].get(url("non-reporting") + f"?zone={world.lama.pk}").content.decode()
    assert non_reporting_codes(html) == {"KOZ-0001"}
    table = html.index('<table class="queue-table">')
    script = html[:table] + html[html.index("</table>", table) :]
    assert "KOZ-0001" in script and "KOZ-0002" not in script  # the map's layer, filtered too
    assert html.count("L.geoJson(") == 2 and "L.marker(" not in html  # the villages, and the canton's outline
    assert '"name": "Lama"' in script and '"name": "Kozah"' not in script
    assert [link for link in ASSET.findall(html) if not link.startswith("/static/")] == []


@pytest.mark.parametrize("zone", ["bassar", "kara"])
def test_an_area_outside_the_scope_is_not_found(world, clients, zone):
    assert clients["kozah"].get(url("non-reporting") + f"?zone={getattr(world, zone).pk}").status_code == 404
    assert clients["kozah"].get(url("non-reporting") + "?zone=999999").status_code == 404


# Actions: who may decide on what -----------------------------------------------------------------------


def act(items, action: str, owner: str):  # type: ignore[no-untyped-def]
    """(url, data) of an action on the item of `owner`'s prefecture."""
    target = {
        "conflict-accept": items.conflict,
        "conflict-reject": items.conflict,
        "registration-approve": items.pending,
        "registration-refuse": items.pending,
        "alert-handle": items.alert,
        "number-register": items.number,
    }[action][owner]
    data = items.registration_post(owner) if action == "number-register" else {}
    return url(action, target.pk), data, target


def decision(target) -> tuple:  # type: ignore[no-untyped-def]
    """What a decision changes on an item: who, when, and the status."""
    target = type(target).objects.get(pk=target.pk)
    if isinstance(target, LocationCandidate):
        return target.status, target.decided_by_id, target.decided_at
    if isinstance(target, Chief):
        return target.status, target.decided_by_id, target.decided_at
    if isinstance(target, Alert):
        return target.handled_by_id, target.handled_at
    assert isinstance(target, QuarantinedNumber)
    return target.resolved_by_id, target.resolved_at, target.chief_id


ACTIONS = [
    "conflict-accept",
    "conflict-reject",
    "registration-approve",
    "registration-refuse",
    "alert-handle",
    "number-register",
]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("owner", ["kozah", "bassar"])
def test_every_action_is_scoped_to_the_users_prefectures(items, action, role, owner):
    client = client_for(items.world, role)
    path, data, target = act(items, action, owner)
    before = decision(target)
    outbox = OutboxMessage.objects.count()
    response = client.post(path, data)
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    elif role == "nobody":
        assert response.status_code == 403
    elif role == "ministry" or role == owner:
        assert response.status_code == 302, response.content.decode()[:2000]
        after = decision(target)
        assert after != before and items.world.users[role].pk in after
        return
    else:
        assert response.status_code == 404
    assert decision(target) == before and OutboxMessage.objects.count() == outbox


@pytest.mark.parametrize("action", ACTIONS)
def test_guessed_ids_of_no_item_are_not_found(items, clients, action):
    assert clients["ministry"].post(url(action, 987654), {}).status_code == 404


@pytest.mark.parametrize("name", LISTS)
def test_lists_take_no_posts(items, clients, name):
    assert clients["kozah"].post(url(name)).status_code == 405


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_take_no_gets(items, clients, action):
    path, _data, _target = act(items, action, "kozah")
    assert clients["kozah"].get(path).status_code == 405


# CSRF ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_refuses_a_post_without_its_csrf_token(items, action):
    client = Client(enforce_csrf_checks=True)
    client.force_login(items.world.users["kozah"])
    path, data, target = act(items, action, "kozah")
    before = decision(target)
    assert client.post(path, data).status_code == 403
    assert decision(target) == before


@pytest.mark.parametrize("name", ["conflicts", "numbers", "registrations", "alerts"])
def test_every_form_on_the_pages_carries_its_csrf_token(items, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(items.world.users["kozah"])
    html = client.get(url(name)).content.decode()
    forms = re.findall(r'<form method="post" action="/files/.*?</form>', html, flags=re.S)
    assert forms
    assert all('name="csrfmiddlewaretoken"' in form for form in forms)
    # The token of the page is accepted: the form works.
    action = re.search(r'<form method="post" action="(/files/[^"]+)"', html).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = {"csrfmiddlewaretoken": token}
    if name == "numbers":
        data |= {"village": "KOZ-0002", "full_name": "Ama Kpatcha", "role": ChiefRole.VILLAGE_CHIEF}
    assert client.post(action, data).status_code == 302


# One decision per item ------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_a_second_click_says_it_was_decided_and_changes_nothing(items, clients, action):
    path, data, target = act(items, action, "kozah")
    first = clients["kozah"].post(path, data, follow=True)
    assert first.status_code == 200
    decided = decision(target)
    outbox = OutboxMessage.objects.count()
    second = clients["ministry"].post(path, data, follow=True)
    assert second.status_code == 200
    assert "Déjà traité par kozah" in second.content.decode()
    assert decision(target) == decided and OutboxMessage.objects.count() == outbox


def test_accepting_a_conflict_moves_the_village_and_says_so(items, clients):
    candidate = items.conflict["kozah"]
    response = clients["kozah"].post(url("conflict-accept", candidate.pk), follow=True)
    assert "Position acceptée" in response.content.decode()
    candidate.village.refresh_from_db()
    assert candidate.village.location.coords == pytest.approx((1.4, 9.6))
    assert f'id="conflict-{candidate.pk}"' not in response.content.decode()


def test_a_conflict_shows_both_points_the_distance_and_its_sms(items, clients):
    html = clients["kozah"].get(url("conflicts")).content.decode()
    card = html.split(f'id="conflict-{items.conflict["kozah"].pk}"')[1].split("</article>")[0]
    assert "9.50000, 1.10000" in card and "9.60000, 1.40000" in card
    assert re.search(r"<dd class=\"distance\">34[.,]7 km</dd>", card), card
    assert "« GPS 9.6 1.4 »" in card
    assert "hors de son canton" in card


def test_approving_and_refusing_registrations_send_their_sms(items, clients):
    clients["kozah"].post(url("registration-approve", items.pending["kozah"].pk))
    clients["bassar"].post(url("registration-refuse", items.pending["bassar"].pk))
    assert "Bienvenue" in OutboxMessage.objects.get(to="+22891000001").text
    assert "refusee" in OutboxMessage.objects.get(to="+22891000002").text


def test_a_conflicting_approval_is_explained_and_kept_pending(world, clients):
    pending = request_registration("+22891000009", "KOZ-0001", "Autre Chef")  # Lama's seat is taken
    response = clients["kozah"].post(url("registration-approve", pending.pk), follow=True)
    assert "Kossi Amegan" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == ChiefStatus.PENDING


def test_registering_a_number_in_a_village_outside_the_scope_is_refused_in_the_form(items, clients):
    number = items.number["unnamed"]
    response = clients["kozah"].post(
        url("number-register", number.pk), {"village": "BAS-0001", "full_name": "X", "role": "canton"}
    )
    assert response.status_code == 400
    assert "Aucun village de code « BAS-0001 » dans votre juridiction" in response.content.decode()
    number.refresh_from_db()
    assert number.is_open and not Chief.objects.filter(phone=number.phone).exists()


def test_a_quarantined_number_shows_its_messages(items, clients):
    html = clients["kozah"].get(url("numbers")).content.decode()
    card = html.split(f'id="number-{items.number["kozah"].pk}"')[1].split("</article>")[0]
    assert "« INSCR KOZ-0002 »" in card
    assert '<option value="KOZ-0002">' in html and "BAS-0001" not in html.split("<datalist")[1].split("</datalist>")[0]


def test_alerts_are_newest_first_and_filter_by_state(world, items, clients):
    newer = record_alert(world.chiefs["tchare"], "ecole fermee", received_at=NOW + dt.timedelta(minutes=5))
    clients["kozah"].post(url("alert-handle", items.alert["kozah"].pk))
    open_html = clients["kozah"].get(url("alerts")).content.decode()
    assert f'id="alert-{newer.pk}"' in open_html and f'id="alert-{items.alert["kozah"].pk}"' not in open_html
    handled = clients["kozah"].get(url("alerts") + "?state=traitees").content.decode()
    assert f'id="alert-{items.alert["kozah"].pk}"' in handled and "Traitée par kozah" in handled
    everything = clients["kozah"].get(url("alerts") + "?state=toutes").content.decode()
    assert everything.index(f'id="alert-{newer.pk}"') < everything.index(f'id="alert-{items.alert["kozah"].pk}"')


# Query counts ---------------------------------------------------------------------------------------------


@pytest.fixture
def many(world):  # type: ignore[no-untyped-def]
    """Forty of everything in Kozah."""
    for n in range(40):
        village = make_village(f"KOZ-1{n:03d}", f"Village {n}", 1.1 + n * 0.001, 9.4, world.lama, world.kozah)
        chief = Chief.objects.create(full_name=f"Chef {n}", phone=f"+228900{n:05d}", village=village)
        record_location(chief, Point(1.4, 9.6, srid=4326), received_at=NOW - dt.timedelta(minutes=n))
        inbox(chief.phone, "GPS 9.6 1.4", chief, provider_date=NOW - dt.timedelta(minutes=n))
        record_alert(chief, f"alerte {n}", received_at=NOW - dt.timedelta(minutes=n))
        request_registration(f"+228910{n:05d}", village.code, f"Demandeur {n}")
        phone = f"+228920{n:05d}"
        for k in range(3):
            inbox(phone, f"message {k}", village_code=village.code if k == 0 else None)
        quarantine_number(phone)
    return world


# Login (session, user, official, prefectures), then a few queries per page, whatever the queue's length.
@pytest.mark.parametrize(
    ("name", "most"),
    [("index", 9), ("non-reporting", 11), ("conflicts", 8), ("numbers", 8), ("registrations", 6), ("alerts", 6)],
)
def test_lists_of_many_items_run_a_bounded_number_of_queries(many, clients, django_assert_max_num_queries, name, most):
    client = clients["kozah"]
    with django_assert_max_num_queries(most):
        response = client.get(url(name))
    assert response.status_code == 200
    if name != "index":  # a full page of the queue was shown
        assert response.context["page"].paginator.count == 40 + (name == "non-reporting") * 2


def test_queue_rows_link_to_their_village_page(world):
    page = client_for(world, "kozah").get("/files/villages-sans-rapport/").content.decode()
    assert f'href="/villages/{world.villages["lama"].code}/"' in page
