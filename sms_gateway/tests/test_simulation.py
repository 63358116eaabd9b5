"""The traffic simulation: the generator (pure, seeded) read back by the real parser, and the command posting
to a live server's webhook."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from sms_gateway.models import InboxMessage
from sms_gateway.protocol import DEFAULT_CATALOGUE, parse
from sms_gateway.simulation import (
    DEFAULT_MIX,
    VALID_REPORTS,
    Kind,
    SimChief,
    check_loopback,
    generate_traffic,
    month_days,
    parse_mix,
    post_traffic,
)
from sms_gateway.testing.redis_server import free_port

CHIEFS = [SimChief(f"+2289{n:07d}", f"KOZ-{n:04d}", 9.3 + n / 1000, 1.1 + n / 2000) for n in range(300)]


def traffic(count: int = 3000, period: str = "2026-03", seed: int = 11, **options):  # type: ignore[no-untyped-def]
    return generate_traffic(CHIEFS, count, period=period, seed=seed, **options)


def test_the_same_seed_gives_the_same_messages():
    assert traffic(500, duplicates=0.05, unknown=0.02) == traffic(500, duplicates=0.05, unknown=0.02)
    assert [m.text for m in traffic(500, seed=12)] != [m.text for m in traffic(500)]


def test_kinds_come_in_the_shares_of_the_mix():
    messages = traffic(4000, unknown=0.01)
    counts = Counter(m.kind for m in messages)

    assert counts[Kind.UNKNOWN] == 40
    for kind, share in DEFAULT_MIX.items():
        assert counts[kind] / 4000 == pytest.approx(share * 0.99, abs=0.02), kind


def test_a_mix_given_draws_only_its_kinds():
    mix = parse_mix("report=3, positional=1")
    assert mix == {Kind.REPORT: 3.0, Kind.POSITIONAL: 1.0}
    assert {m.kind for m in traffic(500, mix=mix)} == {Kind.REPORT, Kind.POSITIONAL}
    for bad in ("spam=1", "report=x", "unknown=1", "report=0"):
        with pytest.raises(ValueError):
            parse_mix(bad)


@pytest.mark.parametrize("period", ["2026-03", "2026-01"])
def test_every_valid_report_is_read_without_error_for_its_month(period):
    today = dt.date.fromisoformat(f"{period}-01")  # what the handler gives the parser for a message of that month
    reports = [m for m in traffic(3000, period=period, unknown=0.02) if m.kind in VALID_REPORTS]

    for message in reports:
        result = parse(message.text, DEFAULT_CATALOGUE, today)
        assert (result.command, result.errors) == ("report", ()), message.text
        assert result.period == message.period, message.text
    periods = Counter(m.period for m in reports)
    assert periods[period] > 0.8 * len(reports) and 0 < periods[month_before(period)] < 0.1 * len(reports)


def test_chiefs_type_in_many_ways():
    texts = [m.text for m in traffic(3000) if m.kind in VALID_REPORTS]

    assert any(t.islower() for t in texts) and any(t.isupper() for t in texts)
    assert any("é" in t or "É" in t for t in texts)  # accents
    assert any("EAU1ELEC0" in t.upper() for t in texts)  # everything glued
    assert any(t.upper().startswith(("EAU", "FORAGE")) for t in texts)  # no command word
    assert any(t.upper().startswith("RAP 1 0") or t.upper().startswith("RAP 0 1") for t in texts)  # positional


def test_typo_reports_are_read_with_a_correction():
    today = dt.date(2026, 3, 1)
    typos = [m for m in traffic(3000) if m.kind is Kind.TYPO]

    assert typos
    for message in typos:
        warnings = [w.code for w in parse(message.text, DEFAULT_CATALOGUE, today).warnings]
        assert "typo_corrected" in warnings, message.text


def test_invalid_messages_are_refused_and_the_others_read():
    today = dt.date(2026, 3, 1)
    expected = {Kind.GPS: "gps", Kind.ALERT: "alert", Kind.HELP: "help"}

    for message in traffic(3000):
        result = parse(message.text, DEFAULT_CATALOGUE, today)
        if message.kind is Kind.INVALID:
            assert result.errors, message.text
        elif message.kind in expected:
            assert (result.command, result.errors) == (expected[message.kind], ()), message.text


def test_repeated_deliveries_reuse_the_provider_id_and_fields_after_the_first():
    messages = traffic(1000, duplicates=0.03)
    first_seen: dict[str, int] = {}
    repeats = []
    for position, message in enumerate(messages):
        if message.duplicate:
            repeats.append(message)
            original = messages[first_seen[message.provider_id]]
            assert message.form() == original.form() and not original.duplicate
        else:
            assert message.provider_id not in first_seen
            first_seen[message.provider_id] = position

    assert len(repeats) == 30 and len(messages) == 1030 and len(first_seen) == 1000


def test_dates_fall_inside_the_month_and_unknown_numbers_are_no_chiefs():
    messages = traffic(2000, period="2026-02", unknown=0.05)
    first, last = month_days("2026-02")
    phones = {c.phone for c in CHIEFS}

    assert all(first <= m.date.date() <= last for m in messages)
    assert all(m.date_text[:10] == m.date.date().isoformat() for m in messages)
    assert [m.date for m in messages] == sorted(m.date for m in messages)
    assert {m.sender in phones for m in messages if m.kind is Kind.UNKNOWN} == {False}
    assert {m.sender in phones for m in messages if m.kind is not Kind.UNKNOWN} == {True}
    assert {m.form()["networkCode"] for m in messages} == {"61501", "61503"}
    days = (dt.date(2026, 2, 3), dt.date(2026, 2, 5))
    assert {m.date.date() for m in traffic(300, period="2026-02", days=days)} == set(month_range(*days))


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000", "http://localhost:8000/", "http://[::1]:80", "http://127.0.0.2"]
)
def test_loopback_urls_are_accepted(url):
    check_loopback(url)


@pytest.mark.parametrize("url", ["http://10.0.0.1:8000", "https://93.184.216.34", "ftp://127.0.0.1", "127.0.0.1:8000"])
def test_other_urls_are_refused(url):
    with pytest.raises(ValueError):
        check_loopback(url)


def test_posting_gives_up_when_nothing_answers():
    url = f"http://127.0.0.1:{free_port()}/sms/at/inbound/x/"
    result = post_traffic(traffic(50), url, concurrency=2, timeout=1, give_up_after=5)

    assert result.sent == 0 and result.aborted and sum(result.errors.values()) >= 5


# --- The command, against a live server ---


@pytest.mark.django_db(transaction=True)
def test_the_command_posts_the_month_and_each_message_is_stored_once(world, live_server):
    command = simulate(live_server.url, "--messages", "40", "--duplicates", "0.1", "--unknown", "0.1")

    summary = command.summary
    assert summary["sent"] == 44 and summary["duplicates_sent"] == 4
    assert summary["statuses"] == {200: 44} and summary["answers"] == {"accepted": 40, "duplicate": 4}
    assert InboxMessage.objects.count() == 40
    assert InboxMessage.objects.values("provider_id").distinct().count() == 40
    chiefs = {chief.phone for chief in world.chiefs.values()}
    senders = Counter(sender in chiefs for sender in InboxMessage.objects.values_list("sender", flat=True))
    assert senders == {True: 36, False: 4}
    assert all(m.provider_date.strftime("%Y-%m") == "2026-03" for m in InboxMessage.objects.all())


@pytest.mark.django_db(transaction=True)
def test_the_command_sends_one_message_per_active_chief_by_default_at_the_rate_given(world, live_server):
    command = simulate(live_server.url, "--duplicates", "0", "--unknown", "0", "--rate", "20")

    assert command.summary["sent"] == 3 == InboxMessage.objects.count()
    assert command.summary["elapsed_seconds"] >= 0.1  # the third leaves 2/20 s after the first
    assert set(InboxMessage.objects.values_list("sender", flat=True)) == {c.phone for c in world.chiefs.values()}


@pytest.mark.django_db(transaction=True)
def test_the_command_fails_when_the_server_accepts_nothing(world, live_server):
    with pytest.raises(CommandError, match="--token"):
        simulate(live_server.url, "--messages", "3", "--token", "not-the-secret")
    assert not InboxMessage.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_command_refuses_a_server_elsewhere(world):
    with pytest.raises(CommandError, match="allow-remote"):
        simulate("http://192.0.2.10:8000", "--messages", "5")
    assert not InboxMessage.objects.exists()


def simulate(url: str, *args: str):  # type: ignore[no-untyped-def]
    from sms_gateway.management.commands.simulate_traffic import Command

    command = Command()
    out = io.StringIO()
    call_command(command, "--url", url, "--period", "2026-03", "--seed", "5", "--no-progress", *args, stdout=out)
    assert "Envoyés" in out.getvalue()
    return command


def month_before(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
