"""Alert ingest: alerts per second through the whole stack, in groups of 1 and of 500.

    python -m bench.alert_ingest                               # the documented run
    python -m bench.alert_ingest --singles 200 --storms 4      # a quick look

Builds a private stack (bench/stack.py: PostgreSQL on 55432, Redis on 56379,
gunicorn with --web-concurrency sync workers, a Celery worker and beat) and one
Alertmanager integration, then POSTs Alertmanager webhook bodies (version 4, the
recorded tests/alerting/payloads/alertmanager_firing.json with each alert's own
fingerprint, instance and runbook link) to /hooks/<code>/ with its bearer token from
--clients threads, each on a kept-alive connection, as Alertmanager's notifiers do.
Two shapes, each delivered three times over:
- groups of 1: --singles deliveries, each a group of its own (each opens an incident);
- groups of 500: --storms deliveries, each a group of 500 alerts (one incident each);
first firing (incidents, links, events and firings written), then the same bodies
again (repeats: nothing but the firings' repeat counts), then resolved (incidents
resolved, firings closed). Bodies are serialized before the clock starts. Then, on
the same server, /healthz for --capacity-seconds with the same clients: the ratio of
deliveries per second to /healthz requests per second is a delivery's cost next to a
trivial request. Prints Markdown tables; everything is stopped and removed at the end.
"""

import argparse
import copy
import datetime as dt
import http.client
import json
import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from bench.load import machine
from bench.stack import ROOT, Stack

PAYLOAD = ROOT / "tests" / "alerting" / "payloads" / "alertmanager_firing.json"
STARTS_AT = "2026-11-02T10:42:00Z"
ENDS_AT = "2026-11-02T11:30:00Z"


@dataclass
class Result:
    name: str
    deliveries: int
    alerts: int
    seconds: float
    latencies: list[float]  # ms per delivery
    errors: int

    @property
    def deliveries_per_second(self) -> float:
        return self.deliveries / self.seconds if self.seconds else 0.0

    @property
    def alerts_per_second(self) -> float:
        return self.alerts / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[int(share * (len(ordered) - 1))] if ordered else 0.0


def group_body(group: str, size: int, *, resolved: bool = False) -> bytes:
    """One Alertmanager notification: the group `group` of `size` alerts of one rule."""
    template = json.loads(PAYLOAD.read_text())
    alert = template["alerts"][0]
    alert["annotations"]["runbook_url"] = "https://runbooks.example.com/HighErrorRate"
    alerts = []
    for n in range(size):
        one = copy.deepcopy(alert)
        one["fingerprint"] = f"{group}-{n:04d}"
        one["labels"] = dict(alert["labels"], instance=f"{group}-{n}:8080")
        one["startsAt"] = STARTS_AT
        if resolved:
            one["status"], one["endsAt"] = "resolved", ENDS_AT
        alerts.append(one)
    body = dict(
        template,
        groupKey=f'{{}}/{{severity="critical"}}:{{alertname="HighErrorRate",group="{group}"}}',
        status="resolved" if resolved else "firing",
        alerts=alerts,
    )
    return json.dumps(body).encode()


def post_all(
    base_url: str, path: str, token: str, bodies: list[bytes], clients: int
) -> tuple[float, list[float], int]:
    """POST every body once, from `clients` threads each on its own kept-alive
    connection; returns the seconds taken, each delivery's milliseconds, the errors."""
    target = urlparse(base_url)
    host = target.hostname or "127.0.0.1"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    queue = list(reversed(bodies))

    def work() -> None:
        connection = http.client.HTTPConnection(host, target.port, timeout=300)
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                started = time.perf_counter()
                try:
                    connection.request("POST", path, body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    ok = response.status == 200
                except (OSError, http.client.HTTPException):
                    connection.close()
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors[0] += 0 if ok else 1
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies, errors[0]


def measure(
    base_url: str,
    path: str,
    token: str,
    *,
    singles: int,
    storms: int,
    clients: int,
    storm_size: int = 500,
    log=print,
) -> list[Result]:
    """The six runs: groups of 1 and of `storm_size`, each firing, repeated, resolved."""
    results = []
    for label, count, size in (("1", singles, 1), (f"{storm_size}", storms, storm_size)):
        groups = [f"g{size}-{n:05d}" for n in range(count)]
        firing = [group_body(group, size) for group in groups]
        resolved = [group_body(group, size, resolved=True) for group in groups]
        for step, bodies in (("firing", firing), ("repeat", firing), ("resolved", resolved)):
            name = f"groups of {label}, {step}"
            log(f"{name}: {count} deliveries of {size} alert{'s' if size > 1 else ''}")
            seconds, latencies, errors = post_all(base_url, path, token, bodies, clients)
            results.append(Result(name, count, count * size, seconds, latencies, errors))
    return results


def healthz_rate(base_url: str, clients: int, seconds: float) -> float:
    """/healthz requests per second, `clients` threads without pauses."""
    target = urlparse(base_url)
    host = target.hostname or "127.0.0.1"
    done = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def work() -> None:
        connection = http.client.HTTPConnection(host, target.port, timeout=30)
        count = 0
        while time.perf_counter() < stop:
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            count += 1
        connection.close()
        with lock:
            done[0] += count

    threads = [threading.Thread(target=work) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.perf_counter() - started)


def table(results: list[Result], healthz: float | None = None) -> str:
    lines = [
        "| run | deliveries | alerts | seconds | deliveries/s | alerts/s | p50 | p95 | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.name} | {r.deliveries:,} | {r.alerts:,} | {r.seconds:.1f} "
            f"| {r.deliveries_per_second:.1f} | {r.alerts_per_second:,.0f} "
            f"| {r.percentile(0.5):.0f} ms | {r.percentile(0.95):.0f} ms | {r.errors} |"
        )
    if healthz:
        lines.append("")
        lines.append(f"/healthz: {healthz:,.0f} requests/s with the same clients.")
        for r in results:
            lines.append(
                f"- {r.name}: a delivery costs {healthz / r.deliveries_per_second:,.0f} "
                f"/healthz requests ({statistics.fmean(r.latencies):.0f} ms on average)."
            )
    return "\n".join(lines)


def seed(log=print) -> tuple[str, str, str]:
    """A team and its Alertmanager integration: (receiver path, token, code)."""
    from django.urls import reverse

    from accounts.models import Team
    from postmortems.alerting.integrations import alert_integration_create

    team, _ = Team.objects.get_or_create(slug="ingest-bench", defaults={"name": "Ingest bench"})
    integration, token = alert_integration_create(
        team=team, by=None, kind="alertmanager", name=f"Storm {time.monotonic_ns()}"
    )
    log(f"Integration {integration.code} of team {team.slug}")
    return reverse("pm-alert-receiver", args=[integration.code]), token, str(integration.code)


def counts() -> dict[str, int]:
    from postmortems.models import AlertRule, Firing, Incident

    return {
        "incidents": Incident.objects.count(),
        "firings": Firing.objects.count(),
        "rules": AlertRule.objects.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--singles", type=int, default=2000, help="deliveries of 1 alert")
    parser.add_argument("--storms", type=int, default=40, help="deliveries of 500 alerts")
    parser.add_argument("--clients", type=int, default=4, help="concurrent senders")
    parser.add_argument("--web-concurrency", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--capacity-seconds", type=float, default=20)
    args = parser.parse_args()

    started = time.perf_counter()
    with Stack(web_concurrency=args.web_concurrency) as stack:
        print(f"Stack in {stack.dir}")
        stack.postgres_init()
        stack.redis_start()
        pg_version = stack.psql("SHOW server_version", database="postgres")
        stack.django_setup()
        from django.db import connections

        path, token, _code = seed()
        connections.close_all()
        env = stack.app_env()
        stack.collectstatic(env)
        stack.app_start(env)
        load = Path("/proc/loadavg").read_text().split()[:3]
        warm = [group_body(f"warm-{n}", 5) for n in range(2 * args.web_concurrency)]
        post_all(stack.base_url, path, token, warm, args.clients)
        results = measure(
            stack.base_url,
            path,
            token,
            singles=args.singles,
            storms=args.storms,
            clients=args.clients,
        )
        print("Capacity: /healthz")
        healthz = healthz_rate(stack.base_url, args.clients, args.capacity_seconds)
        server = stack.server_errors()
        log = stack.log_lines("gunicorn")
        first_error = next((line for line in log if "Traceback" in line), "")
        stored = counts()
        connections.close_all()
    print()
    print(
        f"{dt.date.today().isoformat()}, {machine()}, PostgreSQL {pg_version}; gunicorn "
        f"{args.web_concurrency} sync workers, {args.clients} clients; load average "
        f"before the runs {' '.join(load)}."
    )
    print()
    print(table(results, healthz))
    print()
    print(
        f"Stored: {stored['incidents']:,} incidents, {stored['firings']:,} firings, "
        f"{stored['rules']} rule(s). Server log: "
        + (", ".join(f"{k}: {v}" for k, v in server.items()) or "no 5xx, no traceback")
        + "."
    )
    if first_error:
        print(f"\nThe first error in the server log:\n{first_error[:4000]}")
    print(f"\nWhole run: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
