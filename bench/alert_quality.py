"""The team's alert page and a rule's firings at 1,000,000 stored firings (PostgreSQL).

    python -m bench.alert_quality [--firings 1000000] [--teams 50] [--runs 30]
                                  [--no-generate] [--markdown]

Loads bench.generate's teams, people and incidents (`--postmortems`, small: the
firings are what grow here), then one integration per team, ten rules per team and
`--firings` firings over the last 90 days in the shapes of bench/alert_firings.toml,
with one INSERT ... SELECT over generate_series (seeded with setseed, so one seed
gives the same firings). Firings tied to an incident point at a random incident
(restricted ones included), so their delays are not realistic; the pages' cost does
not depend on them.

Then GET, with django.test.Client (middleware, view, template; DEBUG off), as a lead
of one team: the team's alert page over 30 and 90 days, and the firings of the team's
heaviest rule (the first page and the tenth), beside a trivial signed-in page (My work
of a person who owns nothing). As in bench.dashboard, each page's statements are
captured once and re-run bare on a cursor ("all SQL"); its *limit* is the trivial
page's p50 plus its all SQL p50. Goal: p50 at most 1.5x the limit, p95 under 150 ms.
"""

import argparse
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.alert_shapes import DAYS, KINDS, RULE_NAMES
from bench.dashboard import trivial_user
from bench.page_timing import (
    ms,
    page_getter,
    render_table,
    set_limits,
    signed_in_client,
    time_page,
)
from bench.search import machine

GOAL_P95, GOAL_TO_LIMIT = 0.150, 1.5
WARMUP = 3

FIRINGS_SQL = """
INSERT INTO postmortems_firing (
    rule_id, team_id, integration_id, external_key, latest, labels, severity_sent,
    severity, channel, runbook_url, source_url, fired_at, acknowledged_at, resolved_at,
    acknowledged_by, resolved_by, notified, repeats, flapping, incident_id, acted_on,
    judged_actionable, out_of_hours, at_night, created_at, updated_at
)
SELECT f.rule_id, f.team_id, f.integration_id, 'fp-' || f.rule_id || '-' || f.g, f.g = f.n,
    jsonb_build_object('alertname', f.name, 'severity', f.severity_sent,
                       'instance', 'host-' || (f.g %% 40)),
    f.severity_sent, f.severity,
    CASE WHEN f.r_page < f.page THEN 'phone' ELSE 'chat' END,
    CASE WHEN f.r_runbook < f.runbook THEN 'https://runbooks.example.com/' || f.name ELSE '' END,
    '', f.fired_at,
    CASE WHEN f.acted THEN f.fired_at + interval '3 minutes' END,
    f.fired_at + (5 + f.r_length * 120) * interval '1 minute',
    CASE WHEN f.acted THEN 'oncall@example.com' ELSE '' END, '', '[]'::jsonb,
    floor(f.r_repeats * (f.repeats + 1))::int, f.r_flap < f.flapping, i.id,
    f.acted OR i.id IS NOT NULL, NULL,
    extract(isodow FROM f.fired_at) > 5 OR extract(hour FROM f.fired_at) NOT BETWEEN 9 AND 16,
    extract(hour FROM f.fired_at) >= 22 OR extract(hour FROM f.fired_at) < 7,
    f.fired_at, f.fired_at
FROM (
    SELECT p.*, g, random() AS r_page, random() AS r_runbook, random() < p.actionable AS acted,
        random() AS r_length, random() AS r_repeats, random() AS r_flap,
        CASE WHEN random() < p.tied THEN 1 + floor(random() * %(incidents)s)::int END AS inc,
        %(now)s - random() * %(days)s * interval '1 day' AS fired_at
    FROM bench_rule_plan p CROSS JOIN LATERAL generate_series(1, p.n) AS g
) f
LEFT JOIN bench_incident i ON i.rn = f.inc
"""


def generate_alerts(
    firings: int, *, teams: int, postmortems: int, seed: int, log=print
) -> dict[str, int]:
    """Empty the tables, load bench.generate's data, then the alert history."""
    from django.db import connection, transaction

    from accounts.models import Team
    from bench.generate import Shape, generate
    from postmortems.alerting.firings.models import AlertRule
    from postmortems.alerting.models import AlertIntegration
    from postmortems.models.incidents import Incident

    if connection.vendor != "postgresql":
        raise SystemExit("The alert history loads with PostgreSQL's generate_series.")
    counts = generate(postmortems, seed=seed, log=log, shape=Shape(teams=teams, people=teams * 20))
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    weights = [kind for kind in KINDS for _ in range(kind.rules)]
    total = sum(kind.weight for kind in weights) * teams
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        team_rows = list(Team.objects.order_by("pk"))
        integrations = AlertIntegration.objects.bulk_create(
            [
                AlertIntegration(
                    team=team,
                    name=f"Prometheus {team.name}",
                    code=uuid.UUID(int=rng.getrandbits(128)),
                    severity_map={"critical": "SEV1", "warning": "SEV3"},
                )
                for team in team_rows
            ]
        )
        rules = AlertRule.objects.bulk_create(
            [
                AlertRule(
                    integration=integration,
                    team_id=integration.team_id,
                    name=name,
                    runbook_url=f"https://runbooks.example.com/{name}" if kind.runbook else "",
                    first_seen_at=now - timedelta(days=DAYS),
                    last_seen_at=now,
                )
                for integration in integrations
                for name, kind in zip(RULE_NAMES, weights, strict=True)
            ]
        )
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        cursor.execute(
            "CREATE TEMP TABLE bench_rule_plan (rule_id bigint, team_id bigint, "
            "integration_id bigint, name text, n int, severity_sent text, severity text, "
            "page real, runbook real, actionable real, flapping real, tied real, repeats int) "
            "ON COMMIT DROP"
        )
        plan = []
        for index, rule in enumerate(rules):
            kind = weights[index % len(weights)]
            n = round(firings * kind.weight / total)
            plan.append((rule.pk, rule.team_id, rule.integration_id, rule.name, n,
                         kind.severity_sent, kind.severity, kind.page, kind.runbook,
                         kind.actionable, kind.flapping, kind.tied, kind.repeats))  # fmt: skip
        cursor.executemany(
            "INSERT INTO bench_rule_plan VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            plan,
        )
        cursor.execute(
            "CREATE TEMP TABLE bench_incident ON COMMIT DROP AS "
            "SELECT row_number() OVER (ORDER BY id) AS rn, id FROM postmortems_incident"
        )
        cursor.execute("CREATE INDEX ON bench_incident (rn)")
        cursor.execute(
            FIRINGS_SQL, {"incidents": Incident.objects.count(), "now": now, "days": DAYS}
        )
        counts["firings"] = cursor.rowcount
    counts["alert_rules"] = len(rules)
    log(f"  {counts['firings']:,} firings loaded in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        # Tests load inside a transaction, where VACUUM cannot run.
        vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        cursor.execute(f"{vacuum} postmortems_firing")
    return counts


@dataclass
class Row:
    label: str
    firings: int  # the firings the page reads (the window's, of the team or the rule)
    page_p50: float
    page_p95: float
    cpu_p50: float
    all_sql_p50: float
    queries: int
    limit: float | None = None  # the trivial page's p50 + all SQL p50

    @property
    def to_limit(self) -> float | None:
        return self.page_p50 / self.limit if self.limit else None

    @property
    def meets_goal(self) -> bool:
        within = self.to_limit is None or self.to_limit <= GOAL_TO_LIMIT
        return self.page_p95 < GOAL_P95 and within


def pages() -> list[tuple[str, object, str, int]]:
    """(label, viewer, URL, firings read) of each page measured."""
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import Membership
    from postmortems.alerting.firings.models import AlertRule, Firing

    lead = (
        Membership.objects.filter(role=Membership.Role.LEAD, user__is_superuser=False)
        .select_related("user", "team")
        .order_by("pk")
        .first()
    )
    team = lead.team
    now = timezone.now()
    in_days = lambda days: Firing.objects.filter(  # noqa: E731
        team=team, fired_at__gte=now - timedelta(days=days)
    ).count()
    rule = (
        AlertRule.objects.filter(team=team)
        .annotate(n=Count("firings"))
        .order_by("-n", "pk")
        .first()
    )
    rule_in_30 = Firing.objects.filter(rule=rule, fired_at__gte=now - timedelta(days=30)).count()
    alerts = reverse("pm-team-alerts", args=[team.slug])
    firings = reverse("pm-alert-rule-firings", args=[team.slug, rule.pk])
    return [
        ("trivial page (My work, owns nothing)", trivial_user(), reverse("pm-my-work"), 0),
        ("team alert page, 30 days", lead.user, f"{alerts}?days=30", in_days(30)),
        ("team alert page, 90 days", lead.user, f"{alerts}?days=90", in_days(90)),
        ("heaviest rule's firings, page 1", lead.user, f"{firings}?days=30", rule_in_30),
        ("heaviest rule's firings, page 10", lead.user, f"{firings}?days=30&page=10", rule_in_30),
    ]


def measure(*, runs: int, warmup: int = WARMUP) -> list[Row]:
    rows = []
    for label, user, url, firings in pages():
        timing = time_page(page_getter(signed_in_client(user), url), runs=runs, warmup=warmup)
        rows.append(
            Row(
                label=label,
                firings=firings,
                page_p50=timing.page_p50,
                page_p95=timing.page_p95,
                cpu_p50=timing.cpu_p50,
                all_sql_p50=timing.all_sql_p50,
                queries=timing.queries,
            )
        )
    set_limits(rows)
    return rows


def table(rows: list[Row], *, markdown: bool = False) -> str:
    header = ["page", "firings read", "p50", "p95", "CPU p50", "all SQL p50", "queries",
              "limit", "p50 / limit", "goal"]  # fmt: skip
    lines = [
        [row.label, f"{row.firings:,}", ms(row.page_p50), ms(row.page_p95), ms(row.cpu_p50),
         ms(row.all_sql_p50), str(row.queries), ms(row.limit) if row.limit else "-",
         f"{row.to_limit:.2f}" if row.to_limit else "-",
         ("yes" if row.meets_goal else "no") if row.limit else "-"]
        for row in rows
    ]  # fmt: skip
    return render_table(header, lines, markdown=markdown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firings", type=int, default=1_000_000)
    parser.add_argument("--teams", type=int, default=50)
    parser.add_argument("--postmortems", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-generate", action="store_true", help="measure the loaded data")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()

    from bench.django_setup import setup

    setup("postgres")
    if not args.no_generate:
        started = time.perf_counter()
        counts = generate_alerts(
            args.firings, teams=args.teams, postmortems=args.postmortems, seed=args.seed
        )
        print(f"Generated in {time.perf_counter() - started:.0f} s: {counts}")
    from postmortems.alerting.firings.models import AlertRule, Firing

    print(
        f"{Firing.objects.count():,} firings, {AlertRule.objects.count()} rules; "
        f"machine: {machine('postgres')}"
    )
    rows = measure(runs=args.runs)
    print(table(rows))
    if args.markdown:
        print()
        print(table(rows, markdown=True))


if __name__ == "__main__":
    main()
