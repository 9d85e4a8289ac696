"""Team lead dashboard benchmark: the page through the full Django stack vs its bare SQL.

    python -m bench.dashboard [--postmortems 94000] [--teams 50] [--people 2000]
                              [--items 4-6] [--runs 20] [--no-generate] [--markdown]

The defaults load about 103,000 incidents and 500,000 action items (bench/generate.py)
into the PostgreSQL benchmark database, then measure GET /dashboard/ with
django.test.Client (middleware, view, template; DEBUG off):
- as the lead of one team (the team's own dashboard), and
- as an admin viewing all teams (?team=all);
p50 and p95 of --runs requests after a warm-up. The page's statements are captured
once and re-run directly on a cursor: "aggregate SQL" is the statements that compute
numbers (COUNT, AVG, window functions: the counts, review health, load per owner),
"all SQL" is every statement. Ratio = page p50 / aggregate SQL p50. Queries per page
must not grow with the data. Goal: p95 under 150 ms, within 2x of the bare SQL.

Each page is also held to its *limit*: the p50 of a trivial signed-in page (My work
of a person who owns nothing: session, user, middleware, the base layout) plus the
page's own SQL (all SQL p50). What a page spends above that is its own Python: the
view and its template. The item list (50 rows with their inline actions) and the
expanded row of one item (its extend and reassign forms, as htmx asks for it) are
measured beside the dashboards, since they are mostly item rows.

The CSV export of every item of every team (GET /dashboard/items.csv?team=all&state=all
as the admin, --csv-runs times) is timed too, from the request to its last byte: an
export that outlasts a gunicorn worker's timeout (30 s) would be cut off.

The months of review health whose numbers have settled are stored once (HealthRollup)
and read back; "first view" is the page while they are not stored yet (the first view
of a scope and time zone, before beat's hourly refresh has seen it), measured by
emptying the table before each request. "Aggregates from tables" re-runs the first
view's aggregate statements bare: the page's numbers computed from the tables as if
no month were stored, next to the page that reads them back.
"""

import argparse
import statistics
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from bench.page_timing import (
    ms,
    page_getter,
    render_table,
    set_limits,
    signed_in_client,
    time_page,
)
from bench.search import _run_sql, _timings, machine

GOAL_P95, GOAL_RATIO = 0.150, 2.0
WARMUP = 3


@dataclass
class Row:
    label: str
    items: int  # action items on the teams shown (My work: the person's open items)
    page_p50: float
    page_p95: float
    aggregate_sql_p50: float
    all_sql_p50: float
    queries: int
    # Before the settled months are stored (HealthRollup emptied); None: no health.
    first_view_p50: float | None
    # The first view's aggregate statements, re-run bare: the page's numbers computed
    # from the tables, as if no month were stored. None: no health.
    from_tables_sql_p50: float | None = None
    limit: float | None = None  # a trivial signed-in page's p50 + all SQL p50
    # This process's CPU time per request (time.process_time): the page's Python, less
    # the wait on PostgreSQL; steadier than wall time on a machine others share.
    cpu_p50: float = 0.0

    @property
    def to_limit(self) -> float | None:
        return self.page_p50 / self.limit if self.limit else None

    @property
    def ratio(self) -> float | None:
        """None for a page without aggregates (My work)."""
        return self.page_p50 / self.aggregate_sql_p50 if self.aggregate_sql_p50 else None

    @property
    def ratio_from_tables(self) -> float | None:
        return self.page_p50 / self.from_tables_sql_p50 if self.from_tables_sql_p50 else None

    @property
    def meets_goal(self) -> bool:
        return self.page_p95 < GOAL_P95 and (self.ratio is None or self.ratio <= GOAL_RATIO)


def is_aggregate(sql: str) -> bool:
    """A statement that computes numbers rather than loading rows to show."""
    head = sql.split(" FROM ", 1)[0].upper()
    return any(word in head for word in ("COUNT(", "AVG(", "ROW_NUMBER()"))


TRIVIAL_EMAIL = "bench-owns-nothing@example.com"


def trivial_user():
    """A signed-in person who owns nothing: their My work is the trivial page."""
    from accounts.models import User

    user, _ = User.objects.get_or_create(
        email=TRIVIAL_EMAIL, defaults={"display_name": "Owns Nothing", "time_zone": "UTC"}
    )
    return user


def measure(*, runs: int, warmup: int = WARMUP) -> list[Row]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import Membership, User
    from postmortems.insights.models import HealthRollup
    from postmortems.models.actions import ActionItem

    lead = (
        Membership.objects.filter(role=Membership.Role.LEAD, user__is_superuser=False)
        .select_related("user", "team")
        .order_by("pk")
        .first()
    )
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    url = reverse("pm-dashboard")
    open_item = (
        ActionItem.objects.filter(team=lead.team, status__in=ActionItem.UNFINISHED)
        .select_related("postmortem__incident")
        .order_by("pk")
        .first()
    )
    number = open_item.postmortem.incident.number
    change = reverse("pm-action-change", args=[number, open_item.code])
    items_url = reverse("pm-dashboard-items")
    team_items = ActionItem.objects.filter(team=lead.team).count()
    # (label, viewer, URL, items, shows review health[, headers])
    pages: list[tuple[Any, ...]] = [
        ("trivial page (My work, owns nothing)", trivial_user(), reverse("pm-my-work"), 0, False),
        ("team lead, own team", lead.user, f"{url}?team={lead.team.slug}",
         ActionItem.objects.filter(postmortem__incident__team=lead.team).count(), True),
        ("admin, all teams", admin, f"{url}?team=all", ActionItem.objects.count(), True),
        ("My work, the same lead", lead.user, reverse("pm-my-work"),
         ActionItem.objects.filter(owner=lead.user, status__in=ActionItem.UNFINISHED).count(),
         False),
        ("item list, own team, 50 rows", lead.user, f"{items_url}?team={lead.team.slug}&state=all",
         team_items, False),
        ("one row expanded (htmx)", lead.user, f"{change}?next={url}", 1, False,
         {"HTTP_HX_REQUEST": "true"}),
    ]  # fmt: skip
    rows = []
    for label, user, page_url, items, health, *extra in pages:
        get = page_getter(signed_in_client(user), page_url, extra[0] if extra else None)

        def first_view(get=get):
            HealthRollup.objects.all().delete()
            started = time.perf_counter()
            get()
            return time.perf_counter() - started

        cold = [first_view() for _ in range(max(3, runs // 4))] if health else []
        from_tables = [0.0]
        if health:
            HealthRollup.objects.all().delete()
            with CaptureQueriesContext(connection) as unsettled:
                get()
            computed = [q["sql"] for q in unsettled.captured_queries if is_aggregate(q["sql"])]
            from_tables = _timings(runs, warmup=1, action=partial(_run_sql, computed))
        timing = time_page(get, runs=runs, warmup=warmup)
        aggregates = [sql for sql in timing.statements if is_aggregate(sql)]
        bare = (
            _timings(runs, warmup=warmup, action=partial(_run_sql, aggregates))
            if aggregates
            else [0.0]
        )
        rows.append(
            Row(
                label=label,
                items=items,
                page_p50=timing.page_p50,
                page_p95=timing.page_p95,
                aggregate_sql_p50=statistics.median(bare),
                all_sql_p50=timing.all_sql_p50,
                queries=timing.queries,
                cpu_p50=timing.cpu_p50,
                first_view_p50=statistics.median(cold) if cold else None,
                from_tables_sql_p50=statistics.median(from_tables) or None,
            )
        )
    set_limits(rows)
    return rows


@dataclass
class Export:
    rows: int
    megabytes: float
    seconds: float  # median of the runs, request to last byte

    def __str__(self) -> str:
        return (
            f"CSV export, all teams, every item: {self.rows:,} rows, {self.megabytes:.0f} MB "
            f"in {self.seconds:.1f} s ({self.rows / self.seconds:,.0f} rows/s)"
        )


def measure_export(*, runs: int) -> Export:
    from django.urls import reverse

    from accounts.models import User

    client = signed_in_client(User.objects.filter(is_superuser=True).order_by("pk").first())
    url = f"{reverse('pm-dashboard-csv')}?team=all&state=all"
    timings, rows, size = [], 0, 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        rows, size = -1, 0  # the header is not a row
        for chunk in response.streaming_content:
            rows += chunk.count(b"\n")
            size += len(chunk)
        timings.append(time.perf_counter() - started)
    return Export(rows=rows, megabytes=size / 1e6, seconds=statistics.median(timings))


def table(rows: list[Row], *, markdown: bool = False) -> str:
    header = ["page", "items", "p50", "p95", "CPU p50", "aggregate SQL p50", "ratio", "all SQL p50",
              "queries", "goal", "first view p50", "aggregates from tables p50",
              "ratio to them", "limit", "p50 / limit"]  # fmt: skip
    lines = [
        [row.label, f"{row.items:,}", ms(row.page_p50), ms(row.page_p95), ms(row.cpu_p50),
         ms(row.aggregate_sql_p50) if row.ratio else "-",
         f"{row.ratio:.1f}x" if row.ratio else "-", ms(row.all_sql_p50), str(row.queries),
         "yes" if row.meets_goal else "no",
         ms(row.first_view_p50) if row.first_view_p50 is not None else "-",
         ms(row.from_tables_sql_p50) if row.from_tables_sql_p50 else "-",
         f"{row.ratio_from_tables:.1f}x" if row.ratio_from_tables else "-",
         ms(row.limit) if row.limit else "-", f"{row.to_limit:.2f}" if row.to_limit else "-"]
        for row in rows
    ]  # fmt: skip
    return render_table(header, lines, markdown=markdown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postmortems", type=int, default=94000)
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--items", default="4-6", help="action items per review, LOW-HIGH")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--csv-runs", type=int, default=1, help="0 leaves the export out")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-generate", action="store_true", help="measure the loaded data")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    from bench.django_setup import setup

    setup("postgres")
    if not args.no_generate:
        from bench.generate import Shape, generate

        low, high = (int(n) for n in args.items.split("-"))
        shape = Shape(teams=args.teams, people=args.people, items=(low, high))
        started = time.perf_counter()
        counts = generate(args.postmortems, seed=args.seed, log=print, shape=shape)
        print(f"Generated in {time.perf_counter() - started:.0f} s: {counts}")
    from accounts.models import Team
    from postmortems.models.actions import ActionItem
    from postmortems.models.incidents import Incident

    print(
        f"{Incident.objects.count():,} incidents, {ActionItem.objects.count():,} action items, "
        f"{Team.objects.count()} teams; machine: {machine('postgres')}"
    )
    rows = measure(runs=args.runs)
    print(table(rows))
    if args.csv_runs:
        print(measure_export(runs=args.csv_runs))
    if args.markdown:
        print()
        print(table(rows, markdown=True))


if __name__ == "__main__":
    main()
