"""An incident of a team in Berlin, and its alerts, for the detection review's tests."""

import datetime as dt

from postmortems.alerting.oncall.models import OnCallPolicy
from tests.factories import AlertRuleFactory, FiringFactory, IncidentFactory, PostmortemFactory

# 03:00 in Berlin (CET, UTC+1) on a Monday: out of the team's working hours.
STARTED = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)


def berlin_policy(team, **fields) -> OnCallPolicy:
    return OnCallPolicy.objects.create(
        team=team, time_zone="Europe/Berlin", late_after_minutes=15, **fields
    )


def incident_with_alert(team, *, ended="SEV3", minutes=12, count=1, **firing):
    """An incident of `team` and `count` firings of DiskAlmostFull tied to it, the first
    `minutes` after it started, paged out of hours."""
    incident = IncidentFactory(team=team, severity=ended, started_at=STARTED)
    postmortem = PostmortemFactory(incident=incident)
    rule = AlertRuleFactory(integration__team=team, name="DiskAlmostFull")
    fields = {
        "severity_sent": "warning",
        "severity": "SEV3",
        "channel": "phone",
        "out_of_hours": True,
        "acted_on": True,
        **firing,
    }
    for index in range(count):
        FiringFactory(
            rule=rule,
            incident=incident,
            fired_at=STARTED + dt.timedelta(minutes=minutes + index),
            **fields,
        )
    return postmortem, rule
