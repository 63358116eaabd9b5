"""Gunicorn, as the web service runs in production: `gunicorn -c gunicorn.conf.py evillage.wsgi:application`.

Read from the environment (listed in .env.example):
- `GUNICORN_BIND`: address to listen on (default 0.0.0.0:8000, inside a container);
- `WEB_CONCURRENCY`: worker processes (default 2 × cores + 1, at most 12: each one keeps its own database
  connection open, `DATABASE_CONN_MAX_AGE`, and PostgreSQL's connections are few);
- `WEB_THREADS`: threads per worker (default 1: sync workers; more: gthread workers, one connection each).

A webhook request is short and mostly waits on PostgreSQL and Redis: processes, not threads, are what
makes it scale on a small machine.
"""

from __future__ import annotations

import os

from evillage.env import env_int, env_str

_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _count(name: str, default: int, maximum: int) -> int:
    """A whole number from the environment; unset or empty (as .env.example leaves it) is the default."""
    return env_int(name, default, minimum=1, maximum=maximum) if os.environ.get(name, "").strip() else default


# All interfaces by default: inside a container, the published port reaches the service that way.
bind = [env_str("GUNICORN_BIND", "0.0.0.0:8000")]
workers = _count("WEB_CONCURRENCY", min(2 * _CORES + 1, 12), maximum=64)
threads = _count("WEB_THREADS", 1, maximum=32)
worker_class = "gthread" if threads > 1 else "sync"

# A request that takes longer than this is killed with its worker (the provider retries the callback).
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, staggered, so that a slow leak never takes the service down.
max_requests = 10000
max_requests_jitter = 1000
# The workers' heartbeat files on a memory file system when there is one (a container's disk can stall).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - a tmpfs, not a shared temp dir
accesslog = "-"
errorlog = "-"
