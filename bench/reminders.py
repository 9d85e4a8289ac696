"""Reminder sweep benchmark: does one sweep cost the same at 10,000 and 1,000,000 incidents?

    python -m bench.reminders [--small 10000] [--large 1000000] [--due 1000] [--runs 5]

Both data sets hold the same `--due` incidents that need a reminder now (resolved
30 hours ago, no postmortem); the rest are older incidents whose reminders are done
(most with a published postmortem, some marked as needing none, some SEV4). The
sweep is measured side by side on both sizes in one run, inside a transaction that
is rolled back, so every run starts from the same state. It prints median
wall-clock time, the ratio large/small, and SQL queries per sweep for a few and for
many due incidents.
"""

import argparse
import statistics
import time
from datetime import UTC, datetime

from bench.django_setup import setup

INCIDENT_COLUMNS = (
    "number, title, severity, status, description, started_at, detected_at, mitigated_at, "
    "resolved_at, restricted, revision, created_at, updated_at, team_id, owner_id, "
    "postmortem_not_needed, postmortem_not_needed_reason, reminder_stage"
)


def _insert_incidents(cursor, *, first: int, count: int, due: bool, team_ids, user_ids, now):
    """Bulk insert with generate_series: a million rows in well under a minute."""
    hours = 30 if due else None
    cursor.execute(
        f"""
        INSERT INTO postmortems_incident ({INCIDENT_COLUMNS})
        SELECT n, 'Incident ' || n || ': elevated errors on checkout',
               CASE WHEN %(due)s THEN (ARRAY['SEV1','SEV2','SEV3'])[1 + n %% 3]
                    ELSE (ARRAY['SEV1','SEV2','SEV3','SEV4'])[1 + n %% 4] END, 'resolved', '',
               started, started + interval '5 minutes', started + interval '40 minutes',
               started + interval '2 hours', false, 0, started, started,
               (%(teams)s::bigint[])[1 + n %% cardinality(%(teams)s::bigint[])],
               (%(users)s::bigint[])[1 + n %% cardinality(%(users)s::bigint[])],
               NOT %(due)s AND n %% 10 = 0,
               CASE WHEN NOT %(due)s AND n %% 10 = 0 THEN 'Drill' ELSE '' END,
               CASE WHEN %(due)s THEN 0 WHEN n %% 10 = 0 OR n %% 4 = 3 THEN 2 ELSE 3 END
        FROM (
            SELECT n, CASE WHEN %(due)s THEN %(now)s - make_interval(hours => %(hours)s + 2)
                           ELSE %(now)s - make_interval(mins => n) - interval '10 days'
                      END AS started
            FROM generate_series(%(first)s, %(last)s) AS n
        ) AS series
        """,
        {"teams": team_ids, "users": user_ids, "due": due, "now": now, "hours": hours or 0,
         "first": first, "last": first + count - 1},
    )  # fmt: skip
    if not due:
        cursor.execute(
            """
            INSERT INTO postmortems_postmortem (incident_id, status, summary, impact,
                contributing_factors, went_well, went_wrong, got_lucky, lessons, created_at,
                updated_at, published_at, stale_reminder_sent)
            SELECT id, 'published', 'Summary', '', '', '', '', '', '', created_at, created_at,
                   created_at + interval '3 days', false
            FROM postmortems_incident
            WHERE number BETWEEN %s AND %s AND NOT postmortem_not_needed AND severity <> 'SEV4'
            """,
            [first, first + count - 1],
        )


def _reset(cursor) -> None:
    cursor.execute(
        "TRUNCATE postmortems_outboundemail, postmortems_actionitem, "
        "postmortems_timelineevent, postmortems_postmortem_authors, postmortems_postmortem_tags, "
        "postmortems_postmortem, postmortems_incident_services, postmortems_incident, "
        "accounts_membership, accounts_team, accounts_user CASCADE"
    )


def _people():
    from accounts.models import Membership, Team, User

    teams = Team.objects.bulk_create([Team(name=f"Team {i}", slug=f"team-{i}") for i in range(50)])
    users = User.objects.bulk_create(
        [
            User(email=f"user{i}@example.com", display_name=f"User {i}", password="!")
            for i in range(2000)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(user=users[i], team=teams[i % 50], role="lead" if i < 50 else "member")
         for i in range(2000)]
    )  # fmt: skip
    return [t.pk for t in teams], [u.pk for u in users]


def _measure(runs: int, now) -> tuple[float, int, int]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from postmortems.notifications.reminders import reminders_sweep

    timings, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured, transaction.atomic():
            started = time.perf_counter()
            result = reminders_sweep(now=now)
            timings.append(time.perf_counter() - started)
            transaction.set_rollback(True)
        queries = len(captured)
        created = len(result.created_ids)
    return statistics.median(timings), queries, created


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = setup()

    from django.db import connection

    # A fixed Wednesday afternoon: no weekly lead digest, so both sizes do the same work.
    now = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)
    with connection.cursor() as cursor:
        _reset(cursor)
        team_ids, user_ids = _people()
        # A few due incidents first: queries per sweep must not grow with due items.
        _insert_incidents(
            cursor, first=1, count=10, due=True, team_ids=team_ids, user_ids=user_ids, now=now
        )
        cursor.execute("ANALYZE")
        few = _measure(2, now)
        _insert_incidents(
            cursor,
            first=11,
            count=args.due - 10,
            due=True,
            team_ids=team_ids,
            user_ids=user_ids,
            now=now,
        )
        filler = args.small - args.due
        _insert_incidents(
            cursor,
            first=args.due + 1,
            count=filler,
            due=False,
            team_ids=team_ids,
            user_ids=user_ids,
            now=now,
        )
        cursor.execute("ANALYZE")
        small = _measure(args.runs, now)
        started = time.perf_counter()
        _insert_incidents(
            cursor,
            first=args.small + 1,
            count=args.large - args.small,
            due=False,
            team_ids=team_ids,
            user_ids=user_ids,
            now=now,
        )
        cursor.execute("ANALYZE")
        load_seconds = time.perf_counter() - started
        large = _measure(args.runs, now)
    rows = [
        ("incidents", f"{args.small:,}", f"{args.large:,}"),
        ("due now", f"{args.due:,}", f"{args.due:,}"),
        ("emails per sweep", f"{small[2]:,}", f"{large[2]:,}"),
        ("sweep, median of runs", f"{small[0] * 1000:.1f} ms", f"{large[0] * 1000:.1f} ms"),
        ("SQL queries per sweep", str(small[1]), str(large[1])),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"Reminder sweep on {url.rsplit('@', 1)[-1]} ({args.runs} runs each)")
    for label, a, b in rows:
        print(f"  {label:<{width}}  {a:>12}  {b:>12}")
    print(f"  ratio large/small: {large[0] / small[0]:.2f}")
    print(f"  SQL queries with 10 due: {few[1]}; with {args.due:,} due: {small[1]}")
    print(f"  (loading {args.large - args.small:,} more incidents took {load_seconds:.0f} s)")


if __name__ == "__main__":
    main()
