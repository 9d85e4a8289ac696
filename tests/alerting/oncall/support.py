"""Rotations for the on-call tests: a team's members in order, frozen moments."""

import datetime as dt
from pathlib import Path

import time_machine

from accounts.models import Membership
from postmortems.alerting.oncall.models import Rotation
from postmortems.alerting.oncall.services import rotation_create, rotation_members_set
from tests.factories import MembershipFactory

FEEDS = Path(__file__).resolve().parent.parent / "oncall_feeds"
UTC = dt.UTC
# A Wednesday, before Europe's clocks go back (Sunday 25 October 2026).
NOW = dt.datetime(2026, 10, 14, 12, 0, tzinfo=UTC)


def frozen(moment: dt.datetime = NOW):
    return time_machine.travel(moment, tick=False)


def people(team, names: list[str], role: str = Membership.Role.MEMBER) -> list:
    return [MembershipFactory(team=team, role=role, user__display_name=name).user for name in names]


def make_rotation(team, members: list, *, now: dt.datetime = NOW, **fields) -> Rotation:
    fields = {
        "name": "Primary",
        "time_zone": "Europe/Berlin",
        "handoff_weekday": Rotation.Weekday.MONDAY,
        "handoff_hour": 10,
        "starts_on": dt.date(2026, 10, 5),
        **fields,
    }
    rotation = rotation_create(team=team, by=None, now=now, **fields)
    if members:
        rotation_members_set(rotation=rotation, user_ids=[u.pk for u in members], now=now)
    return rotation
