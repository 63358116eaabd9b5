"""The Celery application: workers run `celery -A evillage worker`, the scheduler `celery -A evillage beat`."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evillage.settings")

app = Celery("evillage")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
