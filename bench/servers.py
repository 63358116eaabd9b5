"""Servers the benchmarks start: gunicorn as production runs it, on a free loopback port, against the bench
database, and a Celery queue of their own on the project's Redis (deleted afterwards).

    with Gunicorn(queue=queue) as web:       # gunicorn -c gunicorn.conf.py evillage.wsgi:application
        requests.post(web.url + ...)

The environment is production's (debug off, a secret key, the token), so that the figures are those of the
deployed service, not of a developer's settings.
"""

from __future__ import annotations

import os
import runpy
import secrets
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings

from sms_gateway.testing.redis_server import free_port
from sms_gateway.testing.worker import database_url, wait_until

ROOT = Path(__file__).resolve().parent.parent
TOKEN = secrets.token_urlsafe(24)  # the webhook's secret for this run


def production_env(queue: str, **extra: str) -> dict[str, str]:
    """Settings of a deployed service, on the bench database, publishing to `queue`."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "evillage.settings",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(32),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "AFRICASTALKING_WEBHOOK_TOKEN": TOKEN,
        "AFRICASTALKING_USERNAME": "bench",
        "AFRICASTALKING_API_KEY": "bench-api-key",
        "SMS_BACKEND": "console",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def gunicorn_settings() -> dict[str, object]:
    """What gunicorn.conf.py gives in this environment: workers, threads, worker class."""
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    return {key: conf[key] for key in ("workers", "threads", "worker_class")}


class Gunicorn:
    """`gunicorn -c gunicorn.conf.py` in a subprocess of its own, bound to a free loopback port."""

    def __init__(self, queue: str, **env: str) -> None:
        self.port = free_port()
        self.env = production_env(queue, GUNICORN_BIND=f"127.0.0.1:{self.port}", **env)
        self.log_path = Path(tempfile.mkstemp(prefix="gunicorn-bench-", suffix=".log")[1])
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def process_group(self) -> int | None:
        """The group of gunicorn and its workers (a session of its own), for counting their CPU time."""
        return self.process.pid if self.process is not None else None

    def start(self, timeout: float = 60.0) -> Gunicorn:
        command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "evillage.wsgi:application"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until(self._answers, timeout=timeout, interval=0.2, what=f"gunicorn on port {self.port}")
        return self

    def _answers(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log()[-3000:]}")
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/")
            connection.getresponse().read()
        except OSError:
            return False
        finally:
            connection.close()
        return True

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> Gunicorn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def throwaway_queue(prefix: str) -> Iterator[str]:
    """A Celery queue name nobody else reads; its Redis keys are deleted at the end."""
    name = f"evillage-bench-{prefix}-{uuid.uuid4().hex[:8]}"
    try:
        yield name
    finally:
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(match=f"{name}*"):
            client.delete(key)
        client.close()
