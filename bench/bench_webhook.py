"""The inbound webhook under load, beside a bare Django view that only inserts the same row.

Both run under gunicorn as production does (`gunicorn.conf.py`: WEB_CONCURRENCY workers, persistent database
connections), on free loopback ports, against the bench database. The webhook runs exactly as deployed:
token check, form, `INSERT … ON CONFLICT`, and on commit the wake-up of the inbox's drain on Redis (on a
throwaway queue, deleted afterwards). No worker reads that queue, so after the first request a drain stays
due and the wake-up is one `SET NX` that finds the flag set, as it mostly does in production under load,
where a drain is running; the flag expires every 30 s and the next request publishes a drain again. The
bare view (bench/bare_urls.py) is Django's request cycle and one INSERT: the ceiling the webhook is held
against. What processing costs is the month's benchmark (bench_month.py).

Eight clients post simulated chiefs' messages (`sms_gateway.simulation`) as fast as answers come, in short
rounds that alternate between the two servers, so that both see the same machine. The ratio is the median,
over the pairs of rounds, of the webhook's throughput over the bare view's in the round right after: on a
machine shared with other work, whose load comes and goes, two adjacent rounds see nearly the same machine,
where the medians of each server's rounds may come from a quiet moment for one and a busy one for the other.
Targets (2 cores): the webhook at least 0.8 × the bare view's throughput, p99 ≤ 20 ms. Printed, not asserted.

Beside the throughput, the CPU time each server's gunicorn spends per request (`server_cpu_ms`, its workers
as counted by the kernel) and what the Python clients spend (`client_cpu_ms`): the first is what the code
costs whatever else the machine is doing; the second is the clients' share of the two cores, which both
servers pay alike.

The clients are Python threads in this process; with `wrk` installed (a load generator in C, Debian's
package), the same bodies are also posted by wrk, whose figures do not include the Python clients' own cost
on a 2-core machine (they are reported apart, as `wrk_…`).
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.servers import TOKEN, Gunicorn, gunicorn_settings, throwaway_queue
from sms_gateway.simulation import SimChief, generate_traffic

CLIENTS = 8
REQUESTS_PER_ROUND = 500
ROUNDS = 10  # per server, alternating, so that both see the machine in the same state
WARM_UP = 200
ALONE = 300  # requests from a single client: the time one request takes when nothing waits
PATH = f"/sms/at/inbound/{TOKEN}/"
HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def run(requests_per_round: int = REQUESTS_PER_ROUND, rounds: int = ROUNDS) -> dict[str, Any]:
    wrk_bodies = WRK_BODIES * WRK_ROUNDS if shutil.which("wrk") else 0
    needed = 2 * (WARM_UP + ALONE + requests_per_round * rounds + wrk_bodies)
    chiefs = [SimChief(f"+22890{n:06d}", f"BEN-{n:04d}", 9.5, 1.1) for n in range(4300)]
    bodies = iter(urlencode(m.form()) for m in generate_traffic(chiefs, needed, period="2026-03", seed=2026))

    def batch(size: int) -> list[str]:
        return [next(bodies) for _ in range(size)]

    bare_settings = {"DJANGO_SETTINGS_MODULE": "bench.settings_bare"}
    with throwaway_queue("webhook") as queue, Gunicorn(queue) as webhook, Gunicorn(queue, **bare_settings) as bare:
        servers = {"webhook": webhook, "bare": bare}
        alone = {}
        for name, server in servers.items():
            _load(server.port, batch(WARM_UP))  # every worker imported and connected
            alone[name] = _load(server.port, batch(ALONE), clients=1)
        measured: dict[str, list[Round]] = {name: [] for name in servers}
        for _ in range(rounds):
            for name, server in servers.items():
                measured[name].append(_load(server.port, batch(requests_per_round), group=server.process_group))
        wrk = _wrk_rounds(servers, batch, WRK_ROUNDS) if shutil.which("wrk") else {}
    figures = {name: _figures(rounds_, alone[name]) for name, rounds_ in measured.items()}
    rates = {name: [len(r.latencies) / r.seconds for r in rounds_] for name, rounds_ in measured.items()}
    ratio = _paired_ratio(rates["webhook"], rates["bare"])
    return {
        **wrk,
        "clients": CLIENTS,
        "requests_per_server": requests_per_round * rounds,
        "gunicorn": gunicorn_settings(),
        **{f"{name}_{key}": value for name, f in figures.items() for key, value in f.items()},
        "throughput_ratio_webhook_to_bare": round(ratio, 2),
        "targets_met": {
            "ratio_at_least_0.8": ratio >= 0.8,
            "webhook_p99_at_most_20ms": figures["webhook"]["p99_ms"] <= 20,
        },
    }


@dataclass
class Round:
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]
    server_cpu: float = 0.0  # seconds, the server's gunicorn and workers
    client_cpu: float = 0.0  # seconds, this process: the client threads


def _load(port: int, bodies: list[str], clients: int = CLIENTS, group: int | None = None) -> Round:
    """Post every body from `clients` threads (a connection each, re-opened when the server closes it);
    with `group`, the process group of the server, also the CPU time it and the clients spent meanwhile."""
    lock = threading.Lock()
    position = 0
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def client() -> None:
        nonlocal position
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        codes: dict[int, int] = {}
        while True:
            with lock:
                if position >= len(bodies):
                    break
                body, position = bodies[position], position + 1
            started = time.perf_counter()
            connection.request("POST", PATH, body=body, headers=HEADERS)
            response = connection.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            codes[response.status] = codes.get(response.status, 0) + 1
            if response.getheader("connection", "").lower() == "close":
                connection.close()
        connection.close()
        with lock:
            latencies.extend(mine)
            for code, count in codes.items():
                statuses[code] = statuses.get(code, 0) + count

    threads = [threading.Thread(target=client) for _ in range(clients)]
    server_cpu, client_cpu = _cpu_seconds(group), _own_cpu_seconds()
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    server_cpu, client_cpu = _cpu_seconds(group) - server_cpu, _own_cpu_seconds() - client_cpu
    return Round(seconds, latencies, statuses, server_cpu, client_cpu)


def _cpu_seconds(group: int | None) -> float:
    """CPU time spent so far by a process group (a gunicorn: the arbiter, its workers and, through the
    arbiter's children's times, the workers it recycled), as Linux counts it; 0 without a group."""
    if group is None:
        return 0.0
    ticks = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                line = stat.read()
        except OSError:
            continue  # gone meanwhile
        fields = line[line.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
        if int(fields[2]) == group:
            ticks += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _paired_ratio(webhook: list[float], bare: list[float]) -> float:
    """The median of the webhook's throughput over the bare view's, round by round (see the module doc)."""
    return statistics.median(w / b for w, b in zip(webhook, bare, strict=True))


def _figures(rounds: list[Round], alone: Round) -> dict[str, Any]:
    latencies = sorted(latency for r in rounds for latency in r.latencies)
    statuses: dict[int, int] = {}
    for r in rounds:
        for code, count in r.statuses.items():
            statuses[code] = statuses.get(code, 0) + count
    rates = [len(r.latencies) / r.seconds for r in rounds]
    return {
        "requests_per_second": round(statistics.median(rates)),
        "rounds_per_second": [round(rate) for rate in rates],
        "server_cpu_ms": round(statistics.median(r.server_cpu / len(r.latencies) for r in rounds) * 1000, 2),
        "client_cpu_ms": round(statistics.median(r.client_cpu / len(r.latencies) for r in rounds) * 1000, 2),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1),
        "statuses": statuses,
        "one_client_p50_ms": round(sorted(alone.latencies)[len(alone.latencies) // 2] * 1000, 1),
    }


# wrk posts each body once (a body posted twice would be a duplicate), from one thread and 8 connections:
# wrk needs far less than a core, so the server gets the machine.
WRK_SCRIPT = """
local bodies, i = {}, 0
for line in io.lines("BODIES") do bodies[#bodies + 1] = line end
function request()
  i = i + 1
  return wrk.format("POST", "PATH", {["Content-Type"] = "application/x-www-form-urlencoded"}, bodies[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status + e.connect + e.read + e.write + e.timeout))
end
"""
WRK_SECONDS = 8
WRK_ROUNDS = 5  # per server, alternating
WRK_BODIES = 20000  # more than 8 s can take at 2,500 requests a second


def _wrk_rounds(servers: dict[str, Any], batch: Any, rounds: int) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    assert wrk is not None
    results: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(rounds):
            for name, server in servers.items():
                bodies = Path(folder, "bodies.txt")
                bodies.write_text("\n".join(batch(WRK_BODIES)) + "\n")
                script = Path(folder, "post.lua")
                script.write_text(WRK_SCRIPT.replace("BODIES", str(bodies)).replace("PATH", PATH))
                command = [wrk, "-t1", f"-c{CLIENTS}", f"-d{WRK_SECONDS}s", "-s", str(script)]
                out = subprocess.run(  # noqa: S603 - our own arguments, a loopback URL
                    [*command, f"http://127.0.0.1:{server.port}/"],
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=WRK_SECONDS + 60,
                ).stdout
                results[name].append(json.loads(out.strip().splitlines()[-1]))
    figures: dict[str, Any] = {}
    rates: dict[str, list[float]] = {}
    for name, runs in results.items():
        rates[name] = [r["requests"] / r["seconds"] for r in runs]
        figures[f"wrk_{name}_requests_per_second"] = round(statistics.median(rates[name]))
        figures[f"wrk_{name}_p50_ms"] = round(statistics.median(r["p50_ms"] for r in runs), 1)
        figures[f"wrk_{name}_p99_ms"] = round(statistics.median(r["p99_ms"] for r in runs), 1)
        figures[f"wrk_{name}_errors"] = sum(int(r["errors"]) for r in runs)
    figures["wrk_throughput_ratio_webhook_to_bare"] = round(_paired_ratio(rates["webhook"], rates["bare"]), 2)
    return figures
