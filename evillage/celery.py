"""The Celery application: workers run `celery -A evillage worker`, the scheduler `celery -A evillage beat`."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evillage.settings")

app = Celery("evillage")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def close_unusable_connections(task: Any = None, **kwargs: Any) -> None:
    """Between tasks, what Django does between requests: close a connection only if broken or too old.

    Celery's Django fix-up would otherwise close the database connection before and after every task
    (unless `CELERY_DB_REUSE_MAX`, set in the settings, spaces that out): opening a new one, and warming
    the new server process's caches, cost several times what handling one SMS does. This keeps
    `DATABASE_CONN_MAX_AGE` and the health checks meaningful in workers too.
    """
    if task is not None and getattr(task.request, "is_eager", False):
        return  # run inline by the caller, maybe inside its transaction: its connection is not ours to close
    from django.db import close_old_connections as close_if_unusable_or_obsolete

    close_if_unusable_or_obsolete()
