"""Load test: simulated people against gunicorn, PostgreSQL, Redis and Celery of its own.

    python -m bench.load --users 50 --minutes 5          # the documented run
    python -m bench.load --users 5 --seconds 20          # a quick look

Builds a private stack (bench/stack.py: PostgreSQL on 55432, Redis on 56379, an SMTP
capture, gunicorn with WEB_CONCURRENCY workers, a Celery worker and beat), seeds it
with --postmortems published reviews (bench/generate.py) and --users people who may
sign in (bench/load_plan.py), then runs locust (bench/locustfile.py, `Person`) headless:
after a warm-up (every step once), the people sign in at --spawn-rate per second, the
statistics start once all have signed in, and the run lasts --minutes after the ramp.
Then, on the same server, it measures capacity: --capacity-users clients without pauses ask only for
/healthz, then only for one postmortem page, alternately, --capacity-seconds each,
twice; the ratio of the two request rates says how much the page costs next to a
trivial view. Prints Markdown tables; everything is stopped and removed at the end.
"""

import argparse
import csv
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench.load_plan import seed, write_plan
from bench.stack import BIN, ROOT, Stack

GOAL_P95_MS = 300
LOCUSTFILE = ROOT / "bench" / "locustfile.py"


@dataclass
class Row:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float
    max: float


def locust_command(
    *,
    host: str,
    plan: Path,
    classes: list[str],
    users: int,
    spawn_rate: float,
    seconds: float,
    prefix: Path,
    request_log: Path | None = None,
    wait: str | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of a headless locust run. Locust patches the
    standard library with gevent, so it always runs in a process of its own."""
    env = {**os.environ, "BENCH_LOAD_PLAN": str(plan), "PYTHONPATH": str(ROOT)}
    if request_log is not None:
        env["BENCH_REQUEST_LOG"] = str(request_log)
    if wait is not None:
        env["BENCH_LOAD_WAIT"] = wait
    args = [
        BIN / "locust", "-f", LOCUSTFILE, "--headless", "--host", host,
        "--users", str(users), "--spawn-rate", str(spawn_rate),
        "--run-time", f"{round(seconds)}s", "--stop-timeout", "10",
        "--csv", prefix, "--only-summary", "--loglevel", "WARNING", *classes,
    ]  # fmt: skip
    return [str(arg) for arg in args], env


def run_locust(*, workdir: Path, seconds: float, **options) -> tuple[list[Row], str]:
    """Run locust to the end; return its per-page statistics and its output."""
    prefix = workdir / f"locust-{time.monotonic_ns()}"
    args, env = locust_command(seconds=seconds, prefix=prefix, **options)
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"locust wrote no statistics:\n{result.stdout}\n{result.stderr}")
    failures = Path(f"{prefix}_failures.csv")
    failed = failures.read_text() if failures.exists() else ""
    return read_stats(stats), result.stdout + result.stderr + failed


def read_stats(path: Path) -> list[Row]:
    rows = []
    with path.open() as file:
        for line in csv.DictReader(file):
            rows.append(
                Row(
                    name=line["Name"],
                    requests=int(line["Request Count"]),
                    failures=int(line["Failure Count"]),
                    rps=float(line["Requests/s"]),
                    p50=_ms(line["50%"]),
                    p95=_ms(line["95%"]),
                    p99=_ms(line["99%"]),
                    max=float(line["Max Response Time"]),
                )
            )
    return rows


def _ms(value: str) -> float:
    return float(value) if value not in {"", "N/A"} else 0.0


@dataclass
class Capacity:
    name: str
    requests: int
    seconds: float
    p50: float
    p95: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def capacity_from_log(path: Path, name: str) -> Capacity:
    """Requests per second between the first and the last answer of `name`, and
    percentiles, from the request log (sign-ins before the first page are left out)."""
    times, durations = [], []
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        if entry["name"] == name and 200 <= entry["status"] < 400:
            times.append(entry["t"])
            durations.append(entry["ms"])
    if len(times) < 2:
        return Capacity(name, len(times), 0.0, 0.0, 0.0)
    durations.sort()
    return Capacity(
        name=name,
        requests=len(times),
        seconds=max(times) - min(times),
        p50=statistics.median(durations),
        p95=durations[int(0.95 * (len(durations) - 1))],
    )


def machine() -> str:
    import django

    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal:")
    )
    return (
        f"`nproc` = {os.cpu_count()}, {memory_kb / 1024**2:.0f} GB RAM, "
        f"Python {platform.python_version()}, Django {django.get_version()}"
    )


def table(rows: list[Row]) -> str:
    lines = [
        "| page | requests | req/s | p50 | p95 | p99 | max | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    pages = [r for r in rows if r.name != "Aggregated" and r.requests]  # not the sign-ins
    ordered = sorted(pages, key=lambda r: -r.requests) + [r for r in rows if r.name == "Aggregated"]
    for r in ordered:
        name = "**all requests**" if r.name == "Aggregated" else r.name
        lines.append(
            f"| {name} | {r.requests:,} | {r.rps:.1f} | {r.p50:.0f} ms | {r.p95:.0f} ms "
            f"| {r.p99:.0f} ms | {r.max:.0f} ms | {r.failures} |"
        )
    return "\n".join(lines)


def capacity_table(results: list[Capacity]) -> str:
    lines = [
        "| page | requests | seconds | req/s | p50 | p95 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in results:
        lines.append(
            f"| {c.name} | {c.requests:,} | {c.seconds:.0f} | {c.rps:.1f} "
            f"| {c.p50:.0f} ms | {c.p95:.0f} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--seconds", type=float, help="instead of --minutes, for short runs")
    parser.add_argument("--spawn-rate", type=float, default=2, help="sign-ins per second")
    parser.add_argument("--postmortems", type=int, default=3000)
    parser.add_argument("--web-concurrency", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--capacity-users", type=int, default=8)
    parser.add_argument("--capacity-seconds", type=float, default=20)
    parser.add_argument("--wait", default="1,3", help="seconds between steps: LOW,HIGH")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    seconds = args.seconds if args.seconds else args.minutes * 60

    started = time.perf_counter()
    with Stack(web_concurrency=args.web_concurrency) as stack:
        print(f"Stack in {stack.dir}")
        stack.postgres_init()
        stack.redis_start()
        stack.smtp_start()
        pg_version = stack.psql("SHOW server_version", database="postgres")
        plan_path = stack.dir / "plan.json"
        print(f"Seeding {args.postmortems:,} postmortems and {args.users} people")
        write_plan(_seed(stack, args.postmortems, args.users, args.seed), plan_path)
        env = stack.app_env()
        stack.collectstatic(env)
        stack.app_start(env)
        print("Warm-up: every step once, by as many people as gunicorn has workers x 2")
        run_locust(
            host=stack.base_url,
            plan=plan_path,
            classes=["EveryStepOnce"],
            users=2 * args.web_concurrency,
            spawn_rate=2 * args.web_concurrency,
            seconds=20,
            workdir=stack.dir,
        )
        ramp = args.users / args.spawn_rate
        print(f"Load: {args.users} people for {seconds:.0f} s after a {ramp:.0f} s ramp")
        rows, output = run_locust(
            host=stack.base_url,
            plan=plan_path,
            classes=["Person"],
            users=args.users,
            spawn_rate=args.spawn_rate,
            seconds=ramp + seconds,
            workdir=stack.dir,
            wait=args.wait,
        )
        sign_ins = [line for line in output.splitlines() if line.startswith("sign in")]
        server = stack.server_errors()
        print("Capacity: /healthz and one postmortem page, alternately")
        capacity = _capacity(stack, plan_path, args.capacity_users, args.capacity_seconds)
    aggregate = next(r for r in rows if r.name == "Aggregated")
    print()
    print(
        f"{dt.date.today().isoformat()}, {machine()}, PostgreSQL {pg_version}; "
        f"{args.postmortems:,} published postmortems; gunicorn {args.web_concurrency} "
        f"sync workers; {args.users} people, {seconds:.0f} s after the ramp, "
        f"{args.wait.replace(',', '-')} s between steps."
    )
    print()
    print(table(rows))
    print()
    print("Before the statistics started: " + "; ".join(sign_ins) + ".")
    print()
    goal = aggregate.failures == 0 and aggregate.p95 < GOAL_P95_MS
    print(
        f"Goal (no errors, p95 under {GOAL_P95_MS} ms): {'met' if goal else 'missed'} "
        f"({aggregate.failures} errors, p95 {aggregate.p95:.0f} ms). Server log: "
        + (", ".join(f"{k}: {v}" for k, v in server.items()) or "no 5xx, no traceback")
        + "."
    )
    print()
    print(capacity_table(capacity))
    healthz, page = _sum_capacity(capacity, "/healthz"), _sum_capacity(capacity, "postmortem")
    ratio = page.rps / healthz.rps if healthz.rps else 0.0
    print()
    print(
        f"Postmortem page / healthz throughput: {page.rps:.1f} / {healthz.rps:.1f} req/s "
        f"= **{ratio:.3f}** (1 : {1 / ratio:.0f})."
        if ratio
        else "No capacity measured."
    )
    print(f"\nWhole run: {time.perf_counter() - started:.0f} s")


def _seed(stack: Stack, postmortems: int, people: int, seed_value: int) -> dict:
    """Seed in this process, then let go of the database."""
    from django.db import connections

    stack.django_setup()
    plan = seed(postmortems, people, seed=seed_value, log=lambda message: None)
    connections.close_all()
    return plan


def _capacity(stack: Stack, plan: Path, users: int, seconds: float) -> list[Capacity]:
    results = []
    for _round in range(2):
        for user_class, name in (
            ("HealthzCapacity", "/healthz"),
            ("PostmortemPageCapacity", "postmortem page (capacity)"),
        ):
            log = stack.dir / f"capacity-{user_class}-{_round}.jsonl"
            run_locust(
                host=stack.base_url,
                plan=plan,
                classes=[user_class],
                users=users,
                spawn_rate=users,
                seconds=seconds,
                workdir=stack.dir,
                request_log=log,
            )
            results.append(capacity_from_log(log, name))
    return results


def _sum_capacity(results: list[Capacity], prefix: str) -> Capacity:
    chosen = [c for c in results if c.name.startswith(prefix)]
    return Capacity(
        name=prefix,
        requests=sum(c.requests for c in chosen),
        seconds=sum(c.seconds for c in chosen),
        p50=0.0,
        p95=0.0,
    )


if __name__ == "__main__":
    main()
