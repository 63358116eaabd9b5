"""Running the same work in several threads at once, as several workers would: for tests of races."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def at_once(work: Callable[[], T], times: int) -> list[T]:
    """Run `work` in `times` threads released together, each on its own database connection; returns their
    results, in no particular order. The first error a thread met is raised once all have finished."""
    start = threading.Barrier(times)
    results: list[T] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            results.append(work())
        except BaseException as error:  # raised below, in the test's thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return results
