"""A team's on-call policy read as rules: what is out of hours, what is night, which
channel a severity reaches people by. One place for these rules: the receivers mark
each firing with them (firings/ingest.py), the load page and the reports read them."""

from datetime import datetime
from zoneinfo import ZoneInfo

from accounts.models import Team
from lib.prepared import Prepared
from postmortems.alerting.oncall.models import Channel, OnCallPolicy


def team_policy(team: Team | int) -> OnCallPolicy:
    """The team's policy, or the defaults (unsaved) when it has none: one query."""
    team_id = team if isinstance(team, int) else team.pk
    found = _POLICY(team=team_id)
    return found[0] if found else OnCallPolicy(team_id=team_id)


# Read by every editor of a review an alert fired for: compiled once (lib/prepared.py).
_POLICY = Prepared(lambda team: OnCallPolicy.objects.filter(team_id=team).order_by("pk")[:1])


def local(policy: OnCallPolicy, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(policy.time_zone))


def is_out_of_hours(policy: OnCallPolicy, moment: datetime) -> bool:
    """Outside the team's working days and hours, in the team's time zone."""
    here = local(policy, moment)
    if here.weekday() not in policy.work_weekdays:
        return True
    return not policy.workday_start <= here.hour < policy.workday_end


def is_night(policy: OnCallPolicy, moment: datetime) -> bool:
    """In the team's night hours (22:00 to 07:00 by default; a span may wrap midnight)."""
    hour = local(policy, moment).hour
    start, end = policy.night_start, policy.night_end
    if start == end:
        return False
    return start <= hour < end if start < end else hour >= start or hour < end


def channel_for(policy: OnCallPolicy, severity: str) -> str:
    """How an alert of `severity` reaches people; a severity the policy leaves out
    reaches nobody."""
    value = (policy.severity_channels or {}).get(severity, Channel.NONE)
    return value if value in Channel.values else Channel.NONE
