"""A throwaway `redis-server` on a free local port, for tests that stop the broker on purpose.

Never the project's shared Redis: stopping that one would break every other test and worker.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time

from sms_gateway.testing.worker import wait_until


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThrowawayRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self) -> ThrowawayRedis:
        """Start (or start again, on the same port: clients reconnect to the same URL)."""
        executable = shutil.which("redis-server")
        assert executable, "redis-server is not installed (make services installs it)"
        command = [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.directory]
        command += ["--save", "", "--appendonly", "no"]  # nothing written: it is thrown away
        self.process = subprocess.Popen(  # noqa: S603 - a fixed program and arguments
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=10, what=f"redis-server on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        deadline = time.monotonic() + 5
        while self._answers() and time.monotonic() < deadline:
            time.sleep(0.05)

    def __enter__(self) -> ThrowawayRedis:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
