"""A national month: one report from each of the ~4,300 chiefs, from the webhook to stored reports and
queued replies, with one worker.

The national dataset is loaded (unless there already), then gunicorn as production runs it and one Celery
worker (`-c 2`, prefork, the console backend) are started on a throwaway queue. `simulate_traffic` posts one
valid report per active chief (key–value, positional and misspelt ones) from 8 clients, as fast as the
server answers. Timed from the first POST until every inbox row is done and its reply is in the outbox; the
parts are the posting and the processing tail after the last POST. Target (2 cores): ≤ 15 s. Printed, not
asserted. Where the worker's time went is read from its log (Celery's "Task … succeeded in …s" lines): the
seconds its processes spent in each kind of task, summed.
"""

from __future__ import annotations

import io
import re
import time
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db.models import Max

from bench.servers import TOKEN, Gunicorn, production_env, throwaway_queue
from sms_gateway.management.commands.simulate_traffic import Command as SimulateTraffic
from sms_gateway.models import InboxMessage, InboxStatus, OutboxMessage, OutboxStatus
from sms_gateway.testing.worker import CeleryWorker, wait_until

CLIENTS = 8
VALID_REPORTS = "report=0.7,positional=0.2,typo=0.1"


def run() -> dict[str, Any]:
    call_command("load_national_dataset", "--if-empty", stdout=io.StringIO(), stderr=io.StringIO())
    before = InboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0
    ours = InboxMessage.objects.filter(pk__gt=before)
    with throwaway_queue("month") as queue, Gunicorn(queue) as web:
        worker = CeleryWorker(
            broker_url=settings.REDIS_URL, queue=queue, pool="prefork", concurrency=2, env=production_env(queue)
        ).start(timeout=60)
        try:
            simulate = SimulateTraffic()
            # `--token=…`: a token may begin with "-", which argparse would take for an option.
            args = ["--url", web.url, f"--token={TOKEN}", "--seed", "2019", "--mix", VALID_REPORTS]
            args += ["--duplicates", "0", "--unknown", "0", "--concurrency", str(CLIENTS), "--no-progress"]
            call_command(simulate, *args, stdout=io.StringIO())
            posted_at = time.perf_counter()
            summary = simulate.summary
            first_post = posted_at - summary["elapsed_seconds"]
            messages = summary["messages"]

            def all_done() -> bool:
                return ours.filter(status__in=[InboxStatus.DONE, InboxStatus.FAILED]).count() >= messages

            wait_until(all_done, timeout=600, interval=0.05, what="every inbox row processed")
            done_at = time.perf_counter()
            replies = OutboxMessage.objects.filter(in_reply_to__in=ours)
            replies_queued = replies.count()
            sent = replies.filter(status=OutboxStatus.SENT)
            # Bounded: a reply whose send task was lost waits for the sweeper, which is not running here.
            deadline = time.perf_counter() + 120
            while (replies_sent := sent.count()) < replies_queued and time.perf_counter() < deadline:
                time.sleep(0.05)
            sent_at = time.perf_counter()
        finally:
            worker.stop()
    worker_seconds = _seconds_per_task(worker.log())
    worker.log_path.unlink(missing_ok=True)
    total = done_at - first_post
    return {
        "messages": messages,
        "http_statuses": summary["statuses"],
        "clients": CLIENTS,
        "worker": "celery prefork -c 2, console backend",
        "posting_seconds": round(summary["elapsed_seconds"], 2),
        "posting_per_second": summary["rate_per_second"],
        "post_latency_p50_ms": summary["latency_p50_ms"],
        "post_latency_p99_ms": summary["latency_p99_ms"],
        "processing_tail_seconds": round(done_at - posted_at, 2),
        "first_post_to_all_done_seconds": round(total, 2),
        "processed_per_second": round(messages / total),
        "inbox_done": ours.filter(status=InboxStatus.DONE).count(),
        "inbox_failed": ours.filter(status=InboxStatus.FAILED).count(),
        "replies_queued": replies_queued,
        "replies_sent": replies_sent,
        "replies_sent_seconds_after_first_post": round(sent_at - first_post, 2),
        "worker_seconds_per_task": worker_seconds,
        "target_met_15s": total <= 15,
    }


_SUCCEEDED = re.compile(r"Task ([\w.]+)\[[^\]]*\] succeeded in ([0-9.]+)s")


def _seconds_per_task(log: str) -> dict[str, float]:
    seconds: dict[str, float] = defaultdict(float)
    for name, spent in _SUCCEEDED.findall(log):
        seconds[name.rsplit(".", 1)[-1]] += float(spent)
    return {name: round(spent, 1) for name, spent in sorted(seconds.items())}
