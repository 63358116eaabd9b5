"""The database backend's health check: no round trip while the connection is sound, the old one when not."""

from __future__ import annotations

import select
import time

import psycopg
import pytest
from django.db import DataError, close_old_connections, connection, transaction

from sms_gateway.models import InboxMessage


def _last_query_of(pid: int) -> str:
    """What the server last ran for that connection, seen from another one."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        return other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def _terminate(pid: int) -> None:
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def _wait_until_told(timeout: float = 5.0) -> None:
    """Until the server's farewell has reached this side of the socket."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if select.select([connection.connection.fileno()], [], [], 0.05)[0]:
            return


@pytest.mark.django_db(transaction=True)
def test_a_sound_idle_connection_is_checked_without_asking_the_server():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'the last query'")
    pid = connection.connection.info.backend_pid

    assert connection.is_usable()

    assert _last_query_of(pid) == "SELECT 'the last query'"


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_dropped_is_replaced_at_the_next_request():
    connection.ensure_connection()
    dropped = connection.connection.info.backend_pid
    _terminate(dropped)
    _wait_until_told()

    assert not connection.is_usable()
    # What a request does (Django's test client skips it): old connections are looked at when it starts, and
    # its first query checks the connection's health, which replaces it: the query runs, no error.
    close_old_connections()
    assert InboxMessage.objects.count() == 0
    assert connection.connection.info.backend_pid != dropped


@pytest.mark.django_db(transaction=True)
def test_a_connection_inside_a_failed_transaction_is_asked_and_found_unusable():
    with transaction.atomic():
        with connection.cursor() as cursor, pytest.raises(DataError, match="division by zero"):
            cursor.execute("SELECT 1 / 0")
        assert not connection.is_usable()  # the server refuses the SELECT 1 until the rollback
        transaction.set_rollback(True)
    assert connection.is_usable()
