"""A real Celery worker for tests: `celery -A evillage worker` in a subprocess, pointed where the test says.

    worker = CeleryWorker(broker_url=..., queue=..., env={"AFRICASTALKING_API_URL": fake.base_url}).start()
    ...
    worker.kill()   # SIGKILL, as a crash would
    worker.stop()   # SIGTERM, then SIGKILL if it lingers

The worker reads the test database (its name comes from Django's connection after pytest-django created it),
so tests using it must commit: `@pytest.mark.django_db(transaction=True)`. `use_broker` points this process's
publishing at the same broker and queue, so that what a view queues on commit reaches that worker.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

from django.db import connection

from evillage.celery import app

ROOT = Path(__file__).resolve().parent.parent.parent


def database_url() -> str:
    """A DATABASE_URL for the database this process is using (under pytest: the test database)."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


@contextlib.contextmanager
def use_broker(broker_url: str, queue: str) -> Iterator[None]:
    """Publish from this process to `broker_url`, queue `queue`, until the block ends."""
    saved = app.conf.broker_url, app.conf.task_default_queue

    def switch(url: str, name: str) -> None:
        app.conf.broker_url = url
        app.conf.task_default_queue = name
        # The connection and producer pools were built for the old URL.
        app._pool = None
        app.amqp._producer_pool = None

    switch(broker_url, queue)
    try:
        yield
    finally:
        switch(*saved)


def wait_until(condition: Callable[[], object], timeout: float = 20.0, interval: float = 0.05, what: str = "") -> None:
    """Poll `condition` until it is true; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout}s waiting for {what or condition}")
        time.sleep(interval)


class CeleryWorker:
    def __init__(
        self,
        *,
        broker_url: str,
        queue: str,
        env: dict[str, str] | None = None,
        pool: str = "solo",
        concurrency: int = 1,
    ) -> None:
        self.broker_url = broker_url
        self.queue = queue
        self.pool = pool
        self.concurrency = concurrency
        self.extra_env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "evillage.settings",
                "DATABASE_URL": database_url(),
                "REDIS_URL": self.broker_url,
                "CELERY_QUEUE": self.queue,
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30.0) -> CeleryWorker:
        with self.log_path.open("ab") as log:
            log.write(f"--- start {time.strftime('%H:%M:%S')} ---\n".encode())
        offset = self.log_path.stat().st_size
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "evillage",
            "worker",
            "--pool",
            self.pool,
            "--concurrency",
            str(self.concurrency),
            "--queues",
            self.queue,
            "--hostname",
            f"test-{uuid.uuid4().hex[:8]}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ]
        log = self.log_path.open("ab")
        # Its own process group: kill() takes prefork children with it, as a machine crash would.
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=self.environment(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()

        def ready() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"Celery worker exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            return " ready." in self.log_path.read_text(errors="replace")[offset:]

        wait_until(ready, timeout=timeout, what="the Celery worker to be ready")
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker and its children: no shutdown, no acknowledgement, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def __enter__(self) -> CeleryWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
