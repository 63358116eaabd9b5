"""PostGIS, as Django's backend, with a health check that asks the server only when something happened.

Django checks a persistent connection before each request (`CONN_HEALTH_CHECKS`) with a `SELECT 1`: one
more round trip to PostgreSQL for every webhook call, where the work is one INSERT. A server that drops a
connection (a restart, `pg_terminate_backend`, an idle timeout) says so: it sends an error and closes the
socket, which then has something to read. An idle connection with nothing to read is taken as usable
without asking; one with something to read, or in any other state, is asked, as Django does. A server gone
without a word (its host lost) is found by the request's first query, as it would be a moment after a
`SELECT 1`; the connection is then replaced at the end of that request.
"""

from __future__ import annotations

import select

from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISDatabaseWrapper
from psycopg.pq import TransactionStatus


class DatabaseWrapper(PostGISDatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed:
            return False
        if connection.info.transaction_status == TransactionStatus.IDLE:
            try:
                readable, _, _ = select.select([connection.fileno()], [], [], 0)
            except (OSError, ValueError):
                return False
            if not readable:
                return True
        return super().is_usable()
