"""E-Village: the Django project and the core domain (chiefs, reports, layers, jurisdiction)."""

from __future__ import annotations

from evillage.celery import app as celery_app

__all__ = ["celery_app"]
