"""A rotation's weekly turns: positions, handoff weekday and hour in the rotation's
zone, daylight saving time, and the next handoff."""

import datetime as dt
from zoneinfo import ZoneInfo

from postmortems.alerting.oncall.models import Role, Rotation
from postmortems.alerting.oncall.schedule import next_handoff, turn_index_at, turns

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def _rotation(**fields) -> Rotation:
    return Rotation(
        **{
            "name": "R",
            "time_zone": "Europe/Berlin",
            "handoff_weekday": 0,
            "handoff_hour": 10,
            "starts_on": dt.date(2026, 10, 5),  # a Monday
            "has_secondary": True,
            **fields,
        }
    )


def test_each_week_the_next_member_is_primary_and_the_one_after_secondary():
    rotation = _rotation()
    found = turns(
        rotation,
        member_ids=[1, 2, 3, 4],
        since=dt.datetime(2026, 10, 5, 8, tzinfo=UTC),
        until=dt.datetime(2026, 11, 9, 8, tzinfo=UTC),
    )
    primaries = [t.user_id for t in found if t.role == Role.PRIMARY]
    secondaries = [t.user_id for t in found if t.role == Role.SECONDARY]
    assert primaries == [1, 2, 3, 4, 1]
    assert secondaries == [2, 3, 4, 1, 2]


def test_a_handoff_at_ten_stays_at_ten_local_across_the_autumn_clock_change():
    rotation = _rotation()
    found = [
        t
        for t in turns(
            rotation,
            member_ids=[1, 2],
            since=dt.datetime(2026, 10, 19, 9, tzinfo=UTC),
            until=dt.datetime(2026, 11, 2, 9, tzinfo=UTC),
        )
        if t.role == Role.PRIMARY
    ]
    assert [t.starts_at.astimezone(BERLIN).hour for t in found] == [10, 10]
    # 19 Oct 10:00 CEST is 08:00 UTC; 26 Oct 10:00 CET is 09:00 UTC: a 169-hour week.
    assert found[0].starts_at.astimezone(UTC) == dt.datetime(2026, 10, 19, 8, tzinfo=UTC)
    assert found[0].ends_at.astimezone(UTC) == dt.datetime(2026, 10, 26, 9, tzinfo=UTC)
    assert found[0].ends_at - found[0].starts_at == dt.timedelta(hours=169)


def test_the_spring_clock_change_makes_a_167_hour_week_in_new_york():
    rotation = _rotation(
        time_zone="America/New_York",
        handoff_weekday=Rotation.Weekday.FRIDAY,
        handoff_hour=9,
        starts_on=dt.date(2027, 3, 12),
    )
    first = turns(
        rotation,
        member_ids=[1],
        since=dt.datetime(2027, 3, 13, tzinfo=UTC),
        until=dt.datetime(2027, 3, 14, tzinfo=UTC),
    )[0]
    # Clocks go forward on Sunday 14 March 2027: 09:00 EST, then 09:00 EDT.
    assert first.starts_at == dt.datetime(2027, 3, 12, 14, tzinfo=UTC)
    assert first.ends_at == dt.datetime(2027, 3, 19, 13, tzinfo=UTC)
    assert first.ends_at - first.starts_at == dt.timedelta(hours=167)


def test_a_start_day_off_the_handoff_weekday_makes_a_short_first_turn():
    rotation = _rotation(starts_on=dt.date(2026, 10, 7), handoff_weekday=Rotation.Weekday.FRIDAY)
    first, second = turns(
        rotation,
        member_ids=[1, 2],
        since=dt.datetime(2026, 10, 1, tzinfo=UTC),
        until=dt.datetime(2026, 10, 10, tzinfo=UTC),
    )[::2]
    assert first.starts_at.astimezone(BERLIN) == dt.datetime(2026, 10, 7, 10, tzinfo=BERLIN)
    assert first.ends_at.astimezone(BERLIN) == dt.datetime(2026, 10, 9, 10, tzinfo=BERLIN)
    assert second.starts_at.astimezone(BERLIN).weekday() == 4  # Friday
    assert (first.user_id, second.user_id) == (1, 2)


def test_one_member_or_no_secondary_makes_primaries_only():
    since = dt.datetime(2026, 10, 6, tzinfo=UTC)
    until = dt.datetime(2026, 10, 20, tzinfo=UTC)
    assert {t.role for t in turns(_rotation(), member_ids=[1], since=since, until=until)} == {
        Role.PRIMARY
    }
    without = _rotation(has_secondary=False)
    assert {t.role for t in turns(without, member_ids=[1, 2], since=since, until=until)} == {
        Role.PRIMARY
    }
    assert turns(_rotation(), member_ids=[], since=since, until=until) == []


def test_the_turn_under_way_and_the_next_handoff_are_read_in_the_zone():
    rotation = _rotation(handoff_hour=23)  # 23:00 Berlin is 21:00 UTC in October (CEST)
    before = dt.datetime(2026, 10, 12, 20, 59, tzinfo=UTC)
    after = dt.datetime(2026, 10, 12, 21, 0, tzinfo=UTC)
    assert turn_index_at(rotation, before) == 0
    assert turn_index_at(rotation, after) == 1
    assert next_handoff(rotation, before) == after
    assert next_handoff(rotation, after) == dt.datetime(2026, 10, 19, 21, tzinfo=UTC)
    assert turn_index_at(rotation, dt.datetime(2026, 10, 1, tzinfo=UTC)) is None
    assert next_handoff(rotation, dt.datetime(2026, 10, 1, tzinfo=UTC)) == dt.datetime(
        2026, 10, 5, 21, tzinfo=UTC
    )
