"""Archive search benchmark: the search page through the full Django stack vs its bare SQL.

    python -m bench.search [--sizes 1000,10000,100000] [--database postgres|sqlite|both]
                           [--runs 30] [--seed 42] [--markdown]

For each size (smallest first) the generator (bench/generate.py) loads the data, then
for each query in QUERIES it measures, after a warm-up:
- the page: GET /archive/?... with django.test.Client, signed in (force_login) as a
  regular member of one team, so the visibility filter applies: middleware, view,
  search, template; p50 and p95 of --runs requests;
- the bare SQL: the page's statements are captured once (CaptureQueriesContext), and the
  search's own statements (window of matching ids with its facets, link counts, the page of
  postmortems: see find_search_statements) are re-run directly
  with a cursor, --runs times; the ratio page p50 / SQL p50 says how much the page
  adds on top of the search itself. "All SQL" re-runs every statement the page issued
  (session, user, facets, prefetches...): page minus all SQL is Python and template time;
- SQL statements per page, which must not grow with the data;
- CPU p50: this process's CPU time per request (the page's Python, less the wait on
  the database), steadier than wall time on a machine others share;
- the page's *limit*: the p50 of a trivial signed-in page (My work of a person who owns
  nothing, as bench/dashboard.py measures it) plus the page's own SQL (all SQL p50);
  p50 / limit above 1 is Python of the page's own.
DEBUG stays off (timed requests run without query logging). `--database both` runs
each database in its own process (Django is set up once per process) and prints one
table per database. The goal (PostgreSQL, 100,000 postmortems): every page within 2x
of its bare SQL and p95 under 100 ms.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

from bench.generate import generate

# (label, archive GET parameters). The words come from bench/vocabulary.toml: "database" is
# common, "chrony" rare (one rare incident kind), and the phrase is in deploy timelines.
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("common word", {"q": "database"}),
    ("rare word", {"q": "chrony"}),
    ("phrase", {"q": '"rolled back the deploy"'}),
    ("exclusion", {"q": "database -failover"}),
    ("OR", {"q": "dns OR certificate"}),
    ("word + service + severity", {"q": "database", "service": "core-infrastructure",
                                   "severity": "SEV2"}),
    ("tag, no query", {"tag": "capacity"}),
]  # fmt: skip
GOAL_RATIO, GOAL_P95 = 2.0, 0.100
WARMUP = 3

Log = Callable[[str], None]


@dataclass
class Row:
    database: str
    size: int
    label: str
    params: str
    hits: int
    page_p50: float  # seconds
    page_p95: float
    sql_p50: float  # the search's own statements
    all_sql_p50: float  # every statement the page issued
    queries: int
    cpu_p50: float = 0.0  # this process's CPU time per request (time.process_time)
    limit: float | None = None  # a trivial signed-in page's p50 + all SQL p50

    @property
    def to_limit(self) -> float | None:
        return self.page_p50 / self.limit if self.limit else None

    @property
    def ratio(self) -> float:
        return self.page_p50 / self.sql_p50 if self.sql_p50 else float("inf")

    @property
    def meets_goal(self) -> bool:
        return self.ratio <= GOAL_RATIO and self.page_p95 < GOAL_P95


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: with 30 runs, p95 is the second slowest."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def bench_user():
    """A regular member of exactly one team: not an admin, not a lead."""
    from django.db.models import Count, Q

    from accounts.models import User

    return (
        User.objects.filter(is_superuser=False, is_staff=False)
        .annotate(
            teams_n=Count("memberships"),
            leads=Count("memberships", filter=Q(memberships__role="lead")),
        )
        .filter(teams_n=1, leads=0)
        .order_by("pk")
        .first()
    )


def measure(
    size: int, *, runs: int, seed: int = 42, warmup: int = WARMUP, log: Log | None = None
) -> list[Row]:
    """Generate `size` postmortems on the current database, then measure every query."""
    say = log or (lambda message: None)
    started = time.perf_counter()
    generate(size, seed=seed, log=say)
    say(f"{size:,} postmortems generated in {time.perf_counter() - started:.0f} s")
    return measure_queries(size=size, runs=runs, warmup=warmup, log=say)


def measure_queries(
    *, size: int, runs: int, warmup: int = WARMUP, log: Log | None = None
) -> list[Row]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.dashboard import trivial_user

    say = log or (lambda message: None)
    trivial_client = Client()
    trivial_client.force_login(trivial_user())
    my_work = reverse("pm-my-work")
    trivial = statistics.median(
        _timings(runs, warmup=warmup, action=partial(_get, trivial_client, my_work))
    )
    say(f"  trivial page (My work, owns nothing) p50 {trivial * 1000:.1f} ms")
    client = Client()
    client.force_login(bench_user())
    rows = []
    for label, params in QUERIES:
        url = f"{reverse('pm-archive')}?{urlencode(params)}"
        for _ in range(warmup):
            _get(client, url)
        with CaptureQueriesContext(connection) as captured:
            _get(client, url)
        statements = [query["sql"] for query in captured.captured_queries]
        window_sql, searched = find_search_statements(statements)
        hits = window_hits(_run_sql([window_sql])[0]) if window_sql else 0
        page, cpu = wall_and_cpu(runs, partial(_get, client, url))
        bare = _timings(runs, warmup=warmup, action=partial(_run_sql, searched))
        every = _timings(runs, warmup=warmup, action=partial(_run_sql, statements))
        row = Row(
            database=connection.vendor,
            size=size,
            label=label,
            params=urlencode(params),
            hits=hits,
            page_p50=statistics.median(page),
            page_p95=percentile(page, 0.95),
            sql_p50=statistics.median(bare),
            all_sql_p50=statistics.median(every),
            queries=len(statements),
            cpu_p50=statistics.median(cpu),
        )
        row.limit = trivial + row.all_sql_p50
        say(
            f"  {label:<26} page p50 {row.page_p50 * 1000:7.1f} ms  ratio {row.ratio:5.1f}  "
            f"p50 / limit {row.to_limit:.2f}"
        )
        rows.append(row)
    return rows


def find_search_statements(statements: list[str]) -> tuple[str | None, list[str]]:
    """The window statement and every statement of the search itself.

    The search is: the window with its facets (the newest RESULT_WINDOW matching ids
    and the facet counts over them, one statement starting WITH m AS MATERIALIZED),
    the capped link counts of a tag or service filter (COUNT(*) over tag or service
    links) and the results query (postmortem columns, ending with a LIMIT). Session,
    user, catalog and the hits' links are not.
    """
    window, search = None, []
    for sql in statements:
        text = sql.strip()
        select_list = text.split(" FROM ", 1)[0]
        if text.upper().startswith("WITH M AS MATERIALIZED"):
            window = window or sql
            search.append(sql)
            continue
        links = _IS_LINK_COUNT.search(text)
        results = '"postmortems_postmortem"."id"' in select_list and _ENDS_WITH_LIMIT.search(text)
        if links or results:
            search.append(sql)
    return window, search


_IS_LINK_COUNT = re.compile(
    r'^SELECT COUNT\(\*\) FROM \(SELECT "postmortems_(postmortem_tags|incident_services)"'
)
_ENDS_WITH_LIMIT = re.compile(r"\sLIMIT \d+(\s+OFFSET \d+)?$", re.IGNORECASE)


def window_hits(rows: list[tuple]) -> int:
    """How many matches the window statement's rows hold (its rows of kind 'id')."""
    return sum(1 for row in rows if row[0] == "id")


def _get(client, url: str) -> None:
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")


def _run_sql(statements: list[str]) -> list[list[tuple]]:
    from django.db import connection

    out = []
    with connection.cursor() as cursor:
        for sql in statements:
            # The captured SQL has its parameters inlined (the way the backend sent them).
            cursor.execute(sql)
            out.append(cursor.fetchall())
    return out


def _timings(runs: int, *, warmup: int, action: Callable[[], object]) -> list[float]:
    for _ in range(warmup):
        action()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return timings


def wall_and_cpu(runs: int, action: Callable[[], object]) -> tuple[list[float], list[float]]:
    """Wall and CPU time (this process's) of each of `runs` calls of `action`."""
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return wall, cpu


def machine(database: str) -> dict[str, str]:
    import sqlite3

    import django
    from django.db import connection

    info = {
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    if database == "postgres":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            info["postgres"] = cursor.fetchone()[0]
    return info


def run(
    database: str, sizes: list[int], runs: int, seed: int, *, generate_data: bool = True
) -> tuple[list[Row], dict]:
    """Set up Django on the benchmark database and measure every size (this process)."""
    os.environ["DEBUG"] = "false"  # timings without query logging or debug pages
    from bench.django_setup import setup

    target = setup(database=database)
    from django.conf import settings

    assert not settings.DEBUG
    log(f"{database}: {target.rsplit('@', 1)[-1]}")
    rows = []
    if not generate_data:  # measure the data already loaded, once, labelled with its size
        from postmortems.models.reviews import Postmortem

        loaded = Postmortem.objects.filter(status=Postmortem.Status.PUBLISHED).count()
        return measure_queries(size=loaded, runs=runs, log=log), machine(database)
    for size in sorted(sizes):
        rows.extend(measure(size, runs=runs, seed=seed, log=log))
    return rows, machine(database)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


HEADERS = ["size", "query", "hits", "page p50", "page p95", "CPU p50", "SQL p50", "ratio",
           "all SQL p50", "queries", "goal", "limit", "p50 / limit"]  # fmt: skip


def _cells(row: Row) -> list[str]:
    return [
        f"{row.size:,}", row.label, f"{row.hits:,}", _ms(row.page_p50), _ms(row.page_p95),
        _ms(row.cpu_p50), _ms(row.sql_p50), f"{row.ratio:.1f}x", _ms(row.all_sql_p50),
        str(row.queries), "yes" if row.meets_goal else "no",
        _ms(row.limit) if row.limit else "-", f"{row.to_limit:.2f}" if row.to_limit else "-",
    ]  # fmt: skip


def text_table(rows: list[Row]) -> str:
    table = [HEADERS, *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]
    lines = []
    for n, line in enumerate(table):
        cells = [
            cell.ljust(width) if i == 1 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown_table(rows: list[Row]) -> str:
    lines = [
        "| " + " | ".join(HEADERS) + " |",
        "| " + " | ".join("---" if i == 1 else "---:" for i in range(len(HEADERS))) + " |",
    ]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in rows]
    return "\n".join(lines)


def queries_per_size(rows: list[Row]) -> str:
    """SQL statements per page at each size: the same numbers at every size, or a problem."""
    by_size: dict[int, list[int]] = {}
    for row in rows:
        by_size.setdefault(row.size, []).append(row.queries)
    lines = [f"  {size:>9,}: {', '.join(map(str, counts))}" for size, counts in by_size.items()]
    constant = len({tuple(counts) for counts in by_size.values()}) == 1
    verdict = "constant" if constant else "NOT constant: look for a query per row"
    return "SQL statements per page, in query order, by size (" + verdict + ")\n" + "\n".join(lines)


def report(results: dict[str, tuple[list[Row], dict]], *, runs: int, markdown: bool) -> None:
    for database, (rows, info) in results.items():
        versions = ", ".join(f"{key} {value}" for key, value in info.items())
        print(f"\nArchive search on {database} ({runs} runs each; {versions})\n")
        print(text_table(rows))
        print()
        print(queries_per_size(rows))
        largest = [row for row in rows if row.size == max(r.size for r in rows)]
        missed = [row.label for row in largest if not row.meets_goal]
        print(
            f"Goal at {largest[0].size:,} (ratio <= {GOAL_RATIO:.0f}x, p95 < "
            f"{GOAL_P95 * 1000:.0f} ms): " + (f"missed by {', '.join(missed)}" if missed else "met")
        )
    if markdown:
        print("\n<!-- markdown for bench/README.md -->")
        for database, (rows, info) in results.items():
            versions = ", ".join(f"{key} {value}" for key, value in info.items())
            print(f"\n{database} ({runs} runs each; {versions}):\n")
            print(markdown_table(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--database", choices=("postgres", "sqlite", "both"), default="postgres")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--markdown", action="store_true", help="also print markdown tables")
    parser.add_argument(
        "--no-generate",
        action="store_true",
        help="measure the data already in the benchmark database (one size)",
    )
    parser.add_argument("--json", help=argparse.SUPPRESS)  # child process output (--database both)
    args = parser.parse_args()
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",")]

    databases = ["postgres", "sqlite"] if args.database == "both" else [args.database]
    results: dict[str, tuple[list[Row], dict]] = {}
    if len(databases) == 1:
        results[databases[0]] = run(
            databases[0], sizes, args.runs, args.seed, generate_data=not args.no_generate
        )
    else:
        # One process per database: Django's settings are fixed once it is set up.
        for database in databases:
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                command = [sys.executable, "-m", "bench.search", "--database", database,
                           "--sizes", args.sizes, "--runs", str(args.runs),
                           "--seed", str(args.seed), "--json", out.name]  # fmt: skip
                subprocess.run(command, check=True)
                data = json.loads(Path(out.name).read_text())
            results[database] = ([Row(**row) for row in data["rows"]], data["machine"])
    if args.json:
        rows, info = results[databases[0]]
        data = {"rows": [asdict(row) for row in rows], "machine": info}
        Path(args.json).write_text(json.dumps(data))
        return
    report(results, runs=args.runs, markdown=args.markdown)


if __name__ == "__main__":
    main()
