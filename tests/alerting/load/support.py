"""A team in Berlin with a rotation of three and an October of pages (DST ended on
Sunday 25 October 2026 at 03:00 CEST)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from accounts.models import Membership
from postmortems.alerting.oncall.models import OnCallPolicy, Rotation, RotationMember, Shift
from postmortems.alerting.oncall.policy import is_night, is_out_of_hours
from tests.factories import AlertRuleFactory, FiringFactory, MembershipFactory, UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 11, 3, 12, 0, tzinfo=dt.UTC)  # a Tuesday
OCTOBER = dt.date(2026, 10, 1)


def berlin(*args) -> dt.datetime:
    return dt.datetime(*args).replace(tzinfo=BERLIN)


@dataclass
class Oncall:
    team: Any
    policy: OnCallPolicy
    rotation: Rotation
    ana: Any
    bo: Any
    cy: Any
    rule: Any
    lead: Any = None


def add_shift(rotation, user, start: dt.datetime, role="primary", days=7) -> Shift:
    local = start.astimezone(BERLIN)
    end = dt.datetime.combine(local.date() + dt.timedelta(days=days), local.time(), BERLIN)
    return Shift.objects.create(
        rotation=rotation, user=user, role=role, starts_at=start, ends_at=end
    )


def page(oncall: Oncall, user, fired: dt.datetime, minutes: int | None = 20, **extra):
    """A page to `user`, marked out of hours and at night as the receivers mark it."""
    fields = {
        "rule": oncall.rule,
        "fired_at": fired,
        "resolved_at": None if minutes is None else fired + dt.timedelta(minutes=minutes),
        "channel": "phone",
        "on_call": user,
        "rotation": oncall.rotation,
        "out_of_hours": is_out_of_hours(oncall.policy, fired),
        "at_night": is_night(oncall.policy, fired),
    }
    return FiringFactory(**{**fields, **extra})


def build(team) -> Oncall:
    policy = OnCallPolicy.objects.create(team=team, time_zone="Europe/Berlin")
    ana, bo, cy = (
        MembershipFactory(team=team, user__display_name=name).user
        for name in ("Ana Alvarez", "Bo Berg", "Cy Chen")
    )
    rotation = Rotation.objects.create(
        team=team, name="Primary", time_zone="Europe/Berlin", starts_on=dt.date(2026, 9, 28)
    )
    for position, user in enumerate((ana, bo, cy)):
        RotationMember.objects.create(rotation=rotation, user=user, position=position)
    # Mondays 10:00; Ana is primary twice in a row from 19 October (across the DST change).
    weeks = [
        (berlin(2026, 9, 28, 10), ana, bo),
        (berlin(2026, 10, 5, 10), bo, cy),
        (berlin(2026, 10, 12, 10), cy, ana),
        (berlin(2026, 10, 19, 10), ana, bo),
        (berlin(2026, 10, 26, 10), ana, bo),
        (berlin(2026, 11, 2, 10), bo, cy),
    ]
    for start, primary, secondary in weeks:
        add_shift(rotation, primary, start)
        add_shift(rotation, secondary, start, role="secondary")
    rule = AlertRuleFactory(integration__team=team, name="DiskAlmostFull")
    return Oncall(team, policy, rotation, ana, bo, cy, rule)


def lead_of(team):
    return MembershipFactory(team=team, role=Membership.Role.LEAD).user


def staff():
    return UserFactory(is_staff=True)
