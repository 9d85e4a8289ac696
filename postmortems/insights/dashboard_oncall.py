"""The dashboard's on-call sections, beside review health: pages per person over the
last 30 days (postmortems/alerting/load/) and the noisiest rules by the load they
cause (postmortems/alerting/quality/, the rules page's verdicts).

Shown to the team's leads and to admins and staff, as the on-call load page is: the
per-person numbers are theirs to act on. Two queries for the pages (one aggregate, the
names) and up to four for the rules' numbers (quality/selectors.py), however many
firings. The numbers are kept in Django's cache for HEALTH_LIVE_SECONDS, as review
health's moving months are recounted: without it the sections cost the lead's
dashboard 1.8 times a member's at 1,000,000 firings (bench/README.md, "On-call load").
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from accounts.models import Team
from lib.charts import Chart
from postmortems.alerting.load.charts import load_chart
from postmortems.alerting.load.metrics import PersonLoad
from postmortems.alerting.load.selectors import people_pages
from postmortems.alerting.quality.selectors import RuleQuality, rule_quality

DAYS = 30
NOISIEST = 5


@dataclass
class OncallOverview:
    team: Team
    days: int
    people: list[PersonLoad]
    chart: Chart | None
    noisiest: list[RuleQuality]
    load_url: str
    rules_url: str


def _counted(team: Team, now: datetime) -> tuple[list[PersonLoad], list[RuleQuality]]:
    since = now - timedelta(days=DAYS)
    return (
        people_pages(team_ids=[team.pk], since=since, until=now),
        rule_quality(team_ids=[team.pk], since=since, until=now)[:NOISIEST],
    )


def oncall_overview(*, team: Team, now: datetime) -> OncallOverview:
    seconds = settings.HEALTH_LIVE_SECONDS
    key = f"dashboard-oncall:{team.pk}"
    found = cache.get(key) if seconds else None
    if found is None:
        found = _counted(team, now)
        if seconds:
            cache.set(key, found, seconds)
    people, noisiest = found
    chart = (
        load_chart(
            people,
            id="chart-dashboard-oncall",
            title="Pages per person",
            description=f"Pages and out-of-hours pages per person, last {DAYS} days.",
            nights=False,
        )
        if people
        else None
    )
    return OncallOverview(
        team=team,
        days=DAYS,
        people=people,
        chart=chart,
        noisiest=noisiest,
        load_url=reverse("pm-oncall-load", kwargs={"team": team.slug}),
        # The team's alert rules page: each rule with its verdict and numbers.
        rules_url=reverse("pm-team-alerts", kwargs={"team": team.slug}),
    )
