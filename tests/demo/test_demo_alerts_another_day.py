"""The demo's alert history seeded on another day than the other demo tests use: the
verdicts and the weekly handoffs do not depend on the weekday, the hour or the UTC
offset of `now`."""

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from postmortems.alerting.oncall.models import Role, Shift
from postmortems.demo.seed import seed_demo
from tests.demo.alert_verdicts import PROBLEMS, problems


@pytest.mark.django_db
def test_the_verdicts_and_the_handoffs_hold_on_another_day():
    """A Sunday night as summer time ends in Berlin: another weekday, another offset."""
    now = datetime(2025, 10, 26, 23, 0, tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        assert seed_demo(now=now) is not None

        assert problems(56, now) == PROBLEMS
    shifts = Shift.objects.filter(rotation__team__slug="platform", role=Role.PRIMARY)
    ordered = list(shifts.order_by("starts_at"))
    assert len(ordered) == 15
    for before, after in itertools.pairwise(ordered):
        assert before.ends_at == after.starts_at
    assert {s.starts_at.astimezone(ZoneInfo("Europe/Berlin")).time() for s in ordered} == {time(10)}
    # The week summer time ends in is an hour longer in UTC.
    assert timedelta(weeks=1, hours=1) in {s.ends_at - s.starts_at for s in ordered}
