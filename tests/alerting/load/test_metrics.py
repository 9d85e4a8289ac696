"""Each on-call load number for a team in Berlin, over October 2026 (DST ended on the
25th), with the clock frozen on 3 November."""

import datetime as dt

import pytest
import time_machine

from postmortems.alerting.load import metrics
from postmortems.alerting.load.selectors import default_month, month_load
from postmortems.alerting.oncall.models import OnCallPolicy
from tests.alerting.load.support import BERLIN, NOW, OCTOBER, berlin, build, page

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def oncall(team):
    found = build(team)
    ana, bo, cy = found.ana, found.bo, found.cy
    # Saturday night 24-25 October, across the clocks going back at 03:00 CEST: one night.
    page(found, ana, berlin(2026, 10, 24, 23, 0))
    page(found, ana, berlin(2026, 10, 25, 1, 30))  # CEST
    page(found, ana, dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC))  # 02:30 CET
    never = page(found, ana, berlin(2026, 10, 25, 6, 30), minutes=None)
    never.acknowledged_at = berlin(2026, 10, 25, 6, 35)
    never.save()
    # Bo: one page in working hours, one in the evening, one running into the morning.
    page(found, bo, berlin(2026, 10, 6, 11, 0))
    page(found, bo, berlin(2026, 10, 6, 19, 0), minutes=30)
    page(found, bo, berlin(2026, 10, 7, 8, 30), minutes=60)
    # Cy: two overlapping evening pages, and one never resolved nor acknowledged.
    page(found, cy, berlin(2026, 10, 15, 20, 0), minutes=60)
    page(found, cy, berlin(2026, 10, 15, 20, 30), minutes=60)
    page(found, cy, berlin(2026, 10, 15, 23, 30), minutes=None)
    # Not pages: a chat alert at night; another month.
    page(found, cy, berlin(2026, 10, 16, 2, 0), channel="chat")
    page(found, ana, berlin(2026, 9, 30, 3, 0))
    return found


def test_last_month_in_the_teams_zone_is_the_default():
    assert default_month(NOW, BERLIN) == OCTOBER
    # 23:30 UTC on 31 October is already November in Berlin: October is "last month".
    assert default_month(dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC), BERLIN) == OCTOBER


def test_each_persons_month(frozen, oncall, django_assert_num_queries):
    # rotations, members, shifts with their pages, latest shifts, pages per person,
    # out-of-hours pages, names (the policy passed in)
    with django_assert_num_queries(7):
        load = month_load(team=oncall.team, month=OCTOBER, now=NOW, policy=oncall.policy)
    people = {p.name: p for p in load.people}
    ana, bo, cy = people["Ana Alvarez"], people["Bo Berg"], people["Cy Chen"]

    # The most pages first, then the most out of hours.
    assert [p.name for p in load.people] == ["Ana Alvarez", "Cy Chen", "Bo Berg"]
    assert (ana.pages, ana.out_of_hours_pages, ana.nights_interrupted) == (4, 4, 1)
    assert (bo.pages, bo.out_of_hours_pages, bo.nights_interrupted) == (3, 2, 0)
    assert (cy.pages, cy.out_of_hours_pages, cy.nights_interrupted) == (3, 3, 1)
    # Ana: 3 x 20 min, and 06:30 to an hour after the 06:35 acknowledgement.
    assert ana.worked_out_of_hours == dt.timedelta(minutes=60 + 65)
    assert ana.time_off_in_lieu == 2.5
    # Bo: the evening's 30 min, and 08:30-09:00 of the page that ran into the morning.
    assert bo.worked_out_of_hours == dt.timedelta(minutes=60)
    assert bo.time_off_in_lieu == 1.0
    # Cy: 20:00-21:30 merged, and the unresolved page counts one hour.
    assert cy.worked_out_of_hours == dt.timedelta(hours=2, minutes=30)
    # Shifts overlapping October, and their hours within it (the DST week is 169 h).
    assert (ana.primary_shifts, ana.secondary_shifts) == (3, 1)
    assert ana.on_call == dt.timedelta(hours=106 + 169 + 134 + 168)
    assert (bo.primary_shifts, bo.secondary_shifts) == (1, 3)
    assert ana.consecutive_shifts == 2
    assert ana.consecutive_until == berlin(2026, 11, 2, 10)
    assert bo.consecutive_shifts == cy.consecutive_shifts == 1
    # Time since the last shift: Bo is on call now (from 2 November), Ana since the 2nd.
    assert bo.on_call_now
    assert not ana.on_call_now
    assert ana.last_shift_end == berlin(2026, 11, 2, 10)


def test_each_shifts_pages_and_busiest_12_hours(frozen, oncall):
    load = month_load(team=oncall.team, month=OCTOBER, now=NOW, policy=oncall.policy)
    primaries = {s.starts_at: s for s in load.shifts if s.role == "primary"}
    dst_week = primaries[berlin(2026, 10, 19, 10)]
    assert (dst_week.person, dst_week.pages, dst_week.out_of_hours_pages) == ("Ana Alvarez", 4, 4)
    # The period from Saturday 22:00 CEST (20:00 UTC, 132 h into the shift) holds all four.
    assert dst_week.busiest_period_pages == 4
    assert dst_week.busiest_period_start == berlin(2026, 10, 24, 22)
    assert dst_week.periods_over == 1
    bo_week = primaries[berlin(2026, 10, 5, 10)]
    assert (bo_week.pages, bo_week.out_of_hours_pages, bo_week.periods_over) == (3, 2, 0)
    secondary = next(s for s in load.shifts if s.role == "secondary")
    assert secondary.pages == 0


def test_pages_nobody_was_on_call_for_are_shown_apart(frozen, oncall):
    page(oncall, None, berlin(2026, 10, 10, 3, 0), rotation=None)
    load = month_load(team=oncall.team, month=OCTOBER, now=NOW, policy=oncall.policy)
    assert load.people[-1].name == "Nobody on call"
    assert load.people[-1].pages == 1
    assert len(load.attributed) == 3


def test_nights_are_named_by_their_evening():
    policy = OnCallPolicy(time_zone="Europe/Berlin")
    assert metrics.night_of(policy, BERLIN, berlin(2026, 10, 25, 2, 30)) == dt.date(2026, 10, 24)
    assert metrics.night_of(policy, BERLIN, berlin(2026, 10, 24, 23)) == dt.date(2026, 10, 24)
    policy.night_start, policy.night_end = 0, 6  # a night that does not wrap
    assert metrics.night_of(policy, BERLIN, berlin(2026, 10, 25, 2)) == dt.date(2026, 10, 25)


def test_a_page_counts_at_most_four_hours_and_an_unresolved_one_an_hour():
    fired = berlin(2026, 10, 24, 23)
    long = metrics.OutOfHoursPage(1, fired, None, fired + dt.timedelta(days=2), True, True)
    never = metrics.OutOfHoursPage(1, fired, None, None, True, True)
    assert metrics.page_work(long) == (fired, fired + dt.timedelta(hours=4))
    assert metrics.page_work(never) == (fired, fired + dt.timedelta(hours=1))


def test_time_off_rounds_up_to_half_hours():
    assert metrics.suggested_time_off(dt.timedelta(0)) == 0
    assert metrics.suggested_time_off(dt.timedelta(minutes=1)) == 0.5
    assert metrics.suggested_time_off(dt.timedelta(minutes=30)) == 0.5
    assert metrics.suggested_time_off(dt.timedelta(minutes=31)) == 1.0


def test_weeks_in_a_row_forgive_the_dst_hour_and_a_short_gap():
    spans = [
        (berlin(2026, 10, 19, 10), berlin(2026, 10, 26, 10)),  # 169 h
        (berlin(2026, 10, 26, 10, 30), berlin(2026, 11, 2, 10)),  # 30 min later
    ]
    assert metrics.longest_stretch(spans) == (2, berlin(2026, 11, 2, 10))
    assert metrics.longest_stretch(spans[:1]) == (1, berlin(2026, 10, 26, 10))
    # Daily shifts from a feed, seven in a row, are one week.
    daily = [(berlin(2026, 10, d, 9), berlin(2026, 10, d + 1, 9)) for d in range(5, 12)]
    assert metrics.longest_stretch(daily)[0] == 1
