"""On-call load page benchmark: the page through the full Django stack vs its own SQL.

    python -m bench.oncall_load [--firings 1000000] [--teams 50] [--rules 500]
                                [--runs 30] [--no-generate] [--markdown]

Loads --teams teams (each with a lead, six people, an on-call policy in one of four
time zones, a weekly rotation of five with a secondary, or of three in every fifth
team, and a year of weekly shifts), --rules alert rules spread over the teams, and
--firings firings over the past year, all in PostgreSQL: the small tables through the
ORM, the firings with one INSERT ... SELECT over generate_series, each firing marked
out of hours and at night in its team's zone and attributed to the primary of the
shift it fired in (as the receivers do). The random numbers come from PostgreSQL's
random() after setseed(), so every run loads the same rows.

Then it measures, with django.test.Client (middleware, view, template; DEBUG off),
p50 and p95 of --runs requests after a warm-up:
- a trivial signed-in page (My work of a person who owns nothing),
- the on-call load page of the busiest team for last month, as its lead,
- its compensation CSV,
- the lead dashboard of the same team as its lead (with the on-call sections), again
  with their numbers not in the cache (as on the first view after
  HEALTH_LIVE_SECONDS), and as a member (without them): the cost of the sections on
  the same data.
Each page's statements are captured once and re-run on a cursor ("all SQL p50").
Limit = trivial page p50 + the page's all SQL p50; the goal is p50 / limit <= 1.5 and
p95 under 150 ms. The data lives in its own database (BENCH_DATABASE_URL, default
postmortems_bench_oncall), apart from the other benchmarks.
"""

import argparse
import os
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bench.page_timing import (
    ms,
    page_getter,
    render_table,
    set_limits,
    signed_in_client,
    time_page,
)
from bench.search import machine

GOAL_P95, GOAL_RATIO = 0.150, 1.5
WARMUP = 3
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/postmortems_bench_oncall"
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]
PEOPLE_PER_TEAM = 6
DAYS = 365

# One statement: each firing's rule (so its team and integration), when it fired,
# how it was sent, what became of it; marked in the team's zone by its policy's hours,
# and given the primary of the shift it fired in (index pm_shift_rotation_start).
FIRINGS_SQL = """
WITH rules AS (
    SELECT r.id, r.team_id, r.integration_id, row_number() OVER (ORDER BY r.id) - 1 AS n
    FROM postmortems_alertrule r
), drawn AS (
    SELECT g, %(start)s::timestamptz + random() * interval '%(days)s days' AS fired_at,
           floor(random() * (SELECT count(*) FROM rules))::int AS rule_n,
           random() AS sent, random() AS outcome
    FROM generate_series(1, %(firings)s) AS g
)
INSERT INTO postmortems_firing (
    rule_id, team_id, integration_id, external_key, latest, labels, severity_sent,
    severity, channel, runbook_url, source_url, fired_at, acknowledged_at, resolved_at,
    acknowledged_by, resolved_by, notified, repeats, flapping, acted_on, out_of_hours,
    at_night, on_call_id, rotation_id, created_at, updated_at
)
SELECT rules.id, rules.team_id, rules.integration_id, 'bench-' || d.g, true, '{}',
       CASE WHEN d.sent < 0.5 THEN 'critical' ELSE 'warning' END,
       CASE WHEN d.sent < 0.5 THEN 'SEV2' ELSE 'SEV3' END,
       CASE WHEN d.sent < 0.5 THEN 'phone' ELSE 'chat' END,
       '', '', d.fired_at,
       CASE WHEN d.outcome < 0.6 THEN d.fired_at + interval '3 minutes' END,
       CASE WHEN d.outcome < 0.97 THEN d.fired_at + d.outcome * interval '2 hours' END,
       '', '', '[]', 0, d.outcome > 0.9, d.outcome < 0.4,
       extract(isodow FROM local.at) > 5 OR extract(hour FROM local.at) < p.workday_start
           OR extract(hour FROM local.at) >= p.workday_end,
       extract(hour FROM local.at) >= p.night_start OR extract(hour FROM local.at) < p.night_end,
       (SELECT s.user_id FROM postmortems_shift s
        WHERE s.rotation_id = rot.id AND s.role = 'primary' AND s.starts_at <= d.fired_at
        ORDER BY s.starts_at DESC LIMIT 1),
       rot.id, d.fired_at, d.fired_at
FROM drawn d
JOIN rules ON rules.n = d.rule_n
JOIN postmortems_oncallpolicy p ON p.team_id = rules.team_id
JOIN postmortems_rotation rot ON rot.team_id = rules.team_id
CROSS JOIN LATERAL (SELECT d.fired_at AT TIME ZONE p.time_zone AS at) AS local
"""


def generate(*, firings: int, teams: int, rules: int, log=print) -> None:
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import Membership, Team, User
    from postmortems.alerting.models import AlertIntegration
    from postmortems.alerting.oncall.models import (
        OnCallPolicy,
        Rotation,
        RotationMember,
        Shift,
    )
    from postmortems.models import AlertRule, Firing

    now = timezone.now()
    start = (now - dt.timedelta(days=DAYS)).replace(microsecond=0)
    with transaction.atomic():
        Firing.objects.all().delete()
        Shift.objects.all().delete()
        AlertRule.objects.all().delete()
        AlertIntegration.objects.all().delete()
        Rotation.objects.all().delete()
        OnCallPolicy.objects.all().delete()
        Team.objects.filter(slug__startswith="oncall-").delete()
        User.objects.filter(email__endswith="@oncall.bench").delete()
        made = Team.objects.bulk_create(
            Team(name=f"On-call team {n:02d}", slug=f"oncall-{n:02d}") for n in range(teams)
        )
        people = User.objects.bulk_create(
            User(email=f"p{t:02d}-{i}@oncall.bench", display_name=f"Person {t:02d}-{i}")
            for t in range(teams)
            for i in range(PEOPLE_PER_TEAM)
        )
        Membership.objects.bulk_create(
            Membership(
                team=team, user=people[t * PEOPLE_PER_TEAM + i],
                role=Membership.Role.LEAD if i == 0 else Membership.Role.MEMBER,
            )
            for t, team in enumerate(made)
            for i in range(PEOPLE_PER_TEAM)
        )  # fmt: skip
        OnCallPolicy.objects.bulk_create(
            OnCallPolicy(team=team, time_zone=ZONES[t % len(ZONES)]) for t, team in enumerate(made)
        )
        rotations = Rotation.objects.bulk_create(
            Rotation(
                team=team, name="Primary", time_zone=ZONES[t % len(ZONES)],
                starts_on=start.date(),
            )
            for t, team in enumerate(made)
        )  # fmt: skip
        members, shifts = [], []
        for t, rotation in enumerate(rotations):
            size = 3 if t % 5 == 0 else 5
            crew = people[t * PEOPLE_PER_TEAM + 1 : t * PEOPLE_PER_TEAM + 1 + size]
            members += [
                RotationMember(rotation=rotation, user=u, position=i) for i, u in enumerate(crew)
            ]
            for week in range(DAYS // 7 + 2):
                begins = start + dt.timedelta(weeks=week)
                ends = begins + dt.timedelta(weeks=1)
                for role, offset in (("primary", 0), ("secondary", 1)):
                    user = crew[(week + offset) % size]
                    shifts.append(
                        Shift(
                            rotation=rotation, role=role, user=user, starts_at=begins, ends_at=ends
                        )
                    )
        RotationMember.objects.bulk_create(members)
        Shift.objects.bulk_create(shifts, batch_size=2000)
        integrations = AlertIntegration.objects.bulk_create(
            AlertIntegration(team=team, kind="alertmanager", name="Prometheus", rotation=rotation)
            for team, rotation in zip(made, rotations, strict=True)
        )
        AlertRule.objects.bulk_create(
            AlertRule(
                integration=integrations[n % teams], team=made[n % teams], name=f"Rule{n:03d}",
                runbook_url="" if n % 7 == 0 else "https://runbooks.example.com/r",
            )
            for n in range(rules)
        )  # fmt: skip
        log(f"{teams} teams, {len(people)} people, {len(shifts)} shifts, {rules} rules")
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.42)")
            cursor.execute(FIRINGS_SQL % {"start": f"'{start.isoformat()}'", "days": DAYS,
                                          "firings": int(firings)})  # fmt: skip
        log(f"{firings:,} firings in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE postmortems_firing")
        cursor.execute("VACUUM ANALYZE postmortems_shift")


@dataclass
class Row:
    label: str
    page_p50: float
    page_p95: float
    cpu_p50: float
    all_sql_p50: float
    queries: int
    limit: float | None = None

    @property
    def to_limit(self) -> float | None:
        return self.page_p50 / self.limit if self.limit else None

    @property
    def meets_goal(self) -> bool:
        return self.page_p95 < GOAL_P95 and (self.to_limit is None or self.to_limit <= GOAL_RATIO)


def measure(*, runs: int) -> tuple[list[Row], str]:
    import datetime as dt

    from django.core.cache import cache
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import Membership
    from bench.dashboard import trivial_user
    from postmortems.alerting.load.selectors import default_month, month_load
    from postmortems.models import Firing

    month_ago = timezone.now() - dt.timedelta(days=31)
    busiest = (
        Firing.objects.filter(fired_at__gte=month_ago, channel="phone")
        .values("team_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    if busiest is None:
        raise SystemExit("No pages in the last month: generate the data first.")
    lead = Membership.objects.select_related("team", "user").get(
        team_id=busiest["team_id"], role=Membership.Role.LEAD
    )
    member = Membership.objects.filter(team=lead.team, role=Membership.Role.MEMBER).first()
    team = lead.team
    month = default_month(timezone.now(), ZoneInfo(team.oncall_policy.time_zone))
    load_url = reverse("pm-oncall-load", kwargs={"team": team.slug})
    csv_url = reverse("pm-oncall-load-csv", kwargs={"team": team.slug})
    dashboard = f"{reverse('pm-dashboard')}?team={team.slug}"
    pages_in_month = month_load(team=team, month=month, now=timezone.now()).pages
    targets = [
        ("trivial page (My work, owns nothing)", trivial_user(), reverse("pm-my-work")),
        (f"on-call load page, {team.slug}, {month:%Y-%m}", lead.user, load_url),
        ("compensation CSV, the same month", lead.user, csv_url),
        ("dashboard as the team's lead (with on-call)", lead.user, dashboard),
        ("the same, on-call numbers not cached", lead.user, dashboard),
        ("dashboard as a member (without on-call)", member.user, dashboard),
    ]
    rows = []
    for label, user, url in targets:
        uncached = label.endswith("not cached")

        def forget_oncall_numbers() -> None:  # as on the first view after HEALTH_LIVE_SECONDS
            cache.delete(f"dashboard-oncall:{team.pk}")

        get = page_getter(
            signed_in_client(user), url, before=forget_oncall_numbers if uncached else None
        )
        timing = time_page(get, runs=runs, warmup=WARMUP)
        rows.append(
            Row(
                label=label,
                page_p50=timing.page_p50,
                page_p95=timing.page_p95,
                cpu_p50=timing.cpu_p50,
                all_sql_p50=timing.all_sql_p50,
                queries=timing.queries,
            )
        )
    set_limits(rows)
    return rows, f"{team.slug}: {pages_in_month:,} pages in {month:%B %Y}"


def table(rows: list[Row], *, markdown: bool = False) -> str:
    header = ["page", "p50", "p95", "CPU p50", "all SQL p50", "queries", "limit",
              "p50 / limit", "goal"]  # fmt: skip
    lines = [
        [row.label, ms(row.page_p50), ms(row.page_p95), ms(row.cpu_p50),
         ms(row.all_sql_p50), str(row.queries), ms(row.limit) if row.limit else "-",
         f"{row.to_limit:.2f}" if row.to_limit else "-", "yes" if row.meets_goal else "no"]
        for row in rows
    ]  # fmt: skip
    return render_table(header, lines, markdown=markdown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firings", type=int, default=1_000_000)
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--rules", type=int, default=500)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-generate", action="store_true", help="measure the loaded data")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("BENCH_DATABASE_URL", DEFAULT_URL)
    from bench.django_setup import setup

    setup("postgres")
    if not args.no_generate:
        started = time.perf_counter()
        generate(firings=args.firings, teams=args.teams, rules=args.rules)
        print(f"Generated in {time.perf_counter() - started:.0f} s")
    from postmortems.models import Firing

    print(f"{Firing.objects.count():,} firings; machine: {machine('postgres')}")
    rows, shown = measure(runs=args.runs)
    print(shown)
    print(table(rows))
    if args.markdown:
        print()
        print(table(rows, markdown=True))


if __name__ == "__main__":
    main()
