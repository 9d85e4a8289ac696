"""What got worse on call, for the weekly lead digest (notifications/digests.py asks
through lib/extensions.py page_extras, page "lead-digest"; config/settings.py wires it).

The last seven days against the seven before, per team: more pages, more out-of-hours
pages, more nights interrupted (one per person and night), and rules that became noisy
(quality/criteria.py's verdict this week and not the week before). Nothing when
nothing got worse. Queries: the pages of both weeks (one aggregate), the night pages
of both weeks, the teams' policies, and the rules' numbers for each week
(quality/selectors.py, four each), whatever the number of teams and firings.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.urls import reverse

from accounts.models import Team
from postmortems.alerting.load.metrics import OutOfHoursPage, nights_interrupted
from postmortems.alerting.load.selectors import team_pages
from postmortems.alerting.oncall.models import OnCallPolicy
from postmortems.alerting.quality.criteria import Verdict
from postmortems.alerting.quality.selectors import rule_quality
from postmortems.notifications.emails import absolute_url

WEEK = timedelta(days=7)


def _nights(policies: dict[int, OnCallPolicy], rows) -> dict[int, int]:
    by_team: dict[int, list[OutOfHoursPage]] = {}
    for team_id, on_call_id, fired_at in rows:
        by_team.setdefault(team_id, []).append(
            OutOfHoursPage(on_call_id, fired_at, None, None, True, True)
        )
    found = {}
    for team_id, pages in by_team.items():
        policy = policies.get(team_id) or OnCallPolicy(team_id=team_id)
        found[team_id] = sum(nights_interrupted(policy, ZoneInfo(policy.time_zone), pages).values())
    return found


def _noisy(team_ids: list[int], since: datetime, until: datetime) -> dict[int, dict]:
    return {
        q.rule.pk: {"rule": q.rule, "numbers": q.numbers}
        for q in rule_quality(team_ids=team_ids, since=since, until=until)
        if Verdict.NOISY in q.problems
    }


def oncall_changes_for_lead_digest(*, teams: list[Team], now: datetime) -> dict:
    """{"oncall_worse": {team_id: {"title", "lines", "url"}}} for the teams whose
    on-call got worse this week."""
    if not teams:
        return {}
    team_ids = [team.pk for team in teams]
    slugs = {team.pk: team.slug for team in teams}
    week_ago, two_weeks_ago = now - WEEK, now - 2 * WEEK
    this_week = Q(fired_at__gte=week_ago)
    counted = {
        row.pop("team_id"): row
        for row in team_pages(team_ids=team_ids, since=two_weeks_ago, until=now)
        .values("team_id")
        .annotate(
            n_pages=Count("pk", filter=this_week),
            n_pages_before=Count("pk", filter=~this_week),
            n_out_of_hours=Count("pk", filter=this_week & Q(out_of_hours=True)),
            n_out_of_hours_before=Count("pk", filter=~this_week & Q(out_of_hours=True)),
        )
        .order_by()
    }
    night_rows = list(
        team_pages(team_ids=team_ids, since=two_weeks_ago, until=now)
        .filter(at_night=True)
        .values_list("team_id", "on_call_id", "fired_at")
    )
    policies = {p.team_id: p for p in OnCallPolicy.objects.filter(team_id__in=team_ids)}
    nights = _nights(policies, [r for r in night_rows if r[2] >= week_ago])
    nights_before = _nights(policies, [r for r in night_rows if r[2] < week_ago])
    noisy = _noisy(team_ids, week_ago, now)
    noisy_before = _noisy(team_ids, two_weeks_ago, week_ago)

    lines: dict[int, list[str]] = {}
    for team_id, row in counted.items():
        for label, now_n, before_n in (
            ("Pages", row["n_pages"], row["n_pages_before"]),
            ("Out-of-hours pages", row["n_out_of_hours"], row["n_out_of_hours_before"]),
            ("Nights interrupted", nights.get(team_id, 0), nights_before.get(team_id, 0)),
        ):
            if now_n > before_n:
                lines.setdefault(team_id, []).append(
                    f"{label}: {now_n}, up from {before_n} the week before."
                )
    for rule_id, found in noisy.items():
        if rule_id in noisy_before:
            continue
        rule, numbers = found["rule"], found["numbers"]
        lines.setdefault(rule.team_id, []).append(
            f"{rule.name} became noisy: {numbers.firings - numbers.actionable} of "
            f"{numbers.firings} firings needed no one to act."
        )
    return {
        "oncall_worse": {
            team_id: {
                "title": "On call got worse this week",
                "lines": team_lines,
                "url": absolute_url(reverse("pm-oncall-load", kwargs={"team": slugs[team_id]})),
            }
            for team_id, team_lines in lines.items()
        }
    }
