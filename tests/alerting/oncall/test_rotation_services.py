"""Shifts made from a rotation's members, kept as they were once started; overrides,
swaps, who is on call, and the beat that extends every rotation."""

import datetime as dt
from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError

from postmortems.alerting.oncall.models import Role, Rotation, RotationOverride, Shift
from postmortems.alerting.oncall.selectors import on_call_now, primaries_at
from postmortems.alerting.oncall.services import (
    rotation_members_set,
    rotation_override_create,
    rotation_schedule_shifts,
    rotation_swap,
    rotation_update,
    rotations_extend,
)
from postmortems.alerting.tasks import extend_rotation_shifts
from tests.alerting.oncall.support import NOW, UTC, frozen, make_rotation, people
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
WEEK = dt.timedelta(weeks=1)


def _rows(rotation) -> list[tuple]:
    return list(
        Shift.objects.filter(rotation=rotation)
        .order_by("starts_at", "role")
        .values_list("pk", "role", "user_id", "starts_at", "ends_at")
    )


@pytest.fixture
def four(team):
    return people(team, ["Ann", "Ben", "Cat", "Dan"])


def test_members_make_eight_weeks_of_primaries_and_secondaries(team, four):
    rotation = make_rotation(team, four)  # starts Monday 5 October 2026, 10:00 Berlin
    shifts = list(Shift.objects.filter(rotation=rotation, role=Role.PRIMARY))
    # The turn under way (from 12 October) and the eight weeks after NOW.
    assert len(shifts) == 9
    assert shifts[0].starts_at == dt.datetime(2026, 10, 12, 8, tzinfo=UTC)
    assert [s.user for s in shifts[:5]] == [four[1], four[2], four[3], four[0], four[1]]
    secondaries = Shift.objects.filter(rotation=rotation, role=Role.SECONDARY)
    assert [s.user for s in secondaries[:2]] == [four[2], four[3]]
    # After the clock change, 10:00 Berlin is 09:00 UTC.
    assert shifts[2].starts_at == dt.datetime(2026, 10, 26, 9, tzinfo=UTC)


def test_scheduling_twice_changes_nothing(team, four):
    rotation = make_rotation(team, four)
    before = _rows(rotation)
    until = NOW + 8 * WEEK
    with frozen():
        assert rotation_schedule_shifts(rotation=rotation, until=until, now=NOW) == 0
        assert extend_rotation_shifts.apply().get() == 0
    assert _rows(rotation) == before


def test_new_members_rebuild_the_weeks_ahead_and_keep_the_turn_under_way(team, four):
    rotation = make_rotation(team, four)
    under_way = Shift.objects.get(rotation=rotation, role=Role.PRIMARY, starts_at__lte=NOW)
    later = NOW + 3 * WEEK
    rotation_members_set(rotation=rotation, user_ids=[four[3].pk, four[2].pk], now=later)
    kept = Shift.objects.get(pk=under_way.pk)
    assert (kept.user, kept.starts_at, kept.ends_at) == (
        under_way.user,
        under_way.starts_at,
        under_way.ends_at,
    )
    current = primaries_at(rotation_id=rotation.pk, moments=[later])[later]
    assert current == four[0].pk  # the turn under way stays as planned: Ann's
    ahead = Shift.objects.filter(rotation=rotation, role=Role.PRIMARY, starts_at__gt=later)
    assert {s.user_id for s in ahead} == {four[3].pk, four[2].pk}
    # Nothing overlaps: one primary at every moment from the first handoff on.
    rows = list(Shift.objects.filter(rotation=rotation, role=Role.PRIMARY).order_by("starts_at"))
    assert all(a.ends_at == b.starts_at for a, b in pairwise(rows))


def test_a_new_handoff_hour_ends_the_turn_under_way_at_the_new_handoff(team, four):
    rotation = make_rotation(team, four)
    rotation.handoff_hour = 14
    rotation_update(rotation=rotation, now=NOW)
    under_way = Shift.objects.get(rotation=rotation, role=Role.PRIMARY, starts_at__lte=NOW)
    assert under_way.starts_at == dt.datetime(2026, 10, 12, 8, tzinfo=UTC)  # as it was
    assert under_way.ends_at == dt.datetime(2026, 10, 19, 12, tzinfo=UTC)  # 14:00 Berlin
    rows = list(Shift.objects.filter(rotation=rotation, role=Role.PRIMARY).order_by("starts_at"))
    assert all(a.ends_at == b.starts_at for a, b in pairwise(rows))
    assert {s.starts_at.astimezone(rotation_zone(rotation)).hour for s in rows[1:]} == {14}


def rotation_zone(rotation):
    from zoneinfo import ZoneInfo

    return ZoneInfo(rotation.time_zone)


def test_a_rotation_that_turns_to_a_feed_drops_its_planned_weeks_ahead(team, four):
    rotation = make_rotation(team, four)
    rotation.source = Rotation.Source.ICAL
    rotation_update(rotation=rotation, now=NOW)
    assert not Shift.objects.filter(rotation=rotation, starts_at__gt=NOW).exists()
    assert Shift.objects.filter(rotation=rotation, starts_at__lte=NOW).count() == 2


def test_only_active_team_members_join_a_rotation_once(team, four, outsider):
    rotation = make_rotation(team, [])
    with pytest.raises(ValidationError, match="Only active members"):
        rotation_members_set(rotation=rotation, user_ids=[four[0].pk, outsider.pk], now=NOW)
    with pytest.raises(ValidationError, match="only once"):
        rotation_members_set(rotation=rotation, user_ids=[four[0].pk, four[0].pk], now=NOW)


def test_an_override_wins_over_the_shift(team, four):
    rotation = make_rotation(team, four)
    start, end = NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=5)
    rotation_override_create(
        rotation=rotation,
        user=four[0],
        role=Role.PRIMARY,
        starts_at=start,
        ends_at=end,
        by=None,
        now=NOW,
    )
    later = NOW + dt.timedelta(hours=6)
    assert primaries_at(rotation_id=rotation.pk, moments=[NOW, later]) == {
        NOW: four[0].pk,
        later: four[1].pk,
    }
    current = on_call_now(rotation=rotation, now=NOW)
    assert (current.primary.user, current.primary.override) == (four[0], True)
    assert (current.secondary.user, current.secondary.override) == (four[2], False)


def test_an_override_needs_a_team_member_and_an_end_after_its_start(team, four, outsider):
    rotation = make_rotation(team, four)
    with pytest.raises(ValidationError, match="not an active member"):
        rotation_override_create(
            rotation=rotation,
            user=outsider,
            role=Role.PRIMARY,
            starts_at=NOW,
            ends_at=NOW + WEEK,
            by=None,
            now=NOW,
        )
    with pytest.raises(ValidationError):
        rotation_override_create(
            rotation=rotation,
            user=four[0],
            role=Role.PRIMARY,
            starts_at=NOW,
            ends_at=NOW,
            by=None,
            now=NOW,
        )


def test_a_swap_is_two_overrides_each_taking_the_others_shift(team, four):
    rotation = make_rotation(team, four)
    ahead = list(Shift.objects.filter(rotation=rotation, role=Role.PRIMARY, starts_at__gt=NOW))
    first, second = ahead[0], ahead[1]  # Cat's week, then Dan's
    rotation_swap(rotation=rotation, first=first, second=second, reason="Holiday", by=None, now=NOW)
    one, two = RotationOverride.objects.order_by("pk")
    assert (one.user, one.starts_at, one.ends_at) == (second.user, first.starts_at, first.ends_at)
    assert (two.user, two.starts_at, two.ends_at) == (first.user, second.starts_at, second.ends_at)
    moments = [first.starts_at + dt.timedelta(hours=1), second.starts_at + dt.timedelta(hours=1)]
    assert list(primaries_at(rotation_id=rotation.pk, moments=moments).values()) == [
        second.user_id,
        first.user_id,
    ]


def test_a_swap_needs_two_people_and_shifts_not_over(team, four):
    rotation = make_rotation(team, four)
    primary = Shift.objects.filter(rotation=rotation, role=Role.PRIMARY, starts_at__gt=NOW)
    with pytest.raises(ValidationError, match="two different people"):
        rotation_swap(
            rotation=rotation, first=primary[0], second=primary[4], reason="", by=None, now=NOW
        )
    with pytest.raises(ValidationError, match="over"):
        rotation_swap(
            rotation=rotation,
            first=primary[0],
            second=primary[1],
            reason="",
            by=None,
            now=NOW + 30 * WEEK,
        )


def test_the_beat_extends_every_member_rotation_as_time_goes_on(team, four):
    rotation = make_rotation(team, four)
    other = make_rotation(team, people(team, ["Eve", "Fay"]), name="Database")
    last = Shift.objects.filter(rotation=rotation).latest("starts_at").starts_at
    with frozen(NOW + 2 * WEEK):
        assert extend_rotation_shifts.apply().get() == 8  # 2 weeks, 2 roles, 2 rotations
        assert extend_rotation_shifts.apply().get() == 0
    assert Shift.objects.filter(rotation=rotation).latest("starts_at").starts_at == last + 2 * WEEK
    assert Shift.objects.filter(rotation=other).count() == 2 * 11


def test_the_sweep_query_count_does_not_grow_with_weeks(team, four, django_assert_num_queries):
    rotation = make_rotation(team, four)
    # The rotations; then per rotation, in a savepoint: lock, members, imported shifts
    # ahead (deleted), planned shifts, one insert.
    with django_assert_num_queries(8):
        rotations_extend(now=NOW + 4 * WEEK)
    assert Shift.objects.filter(rotation=rotation, starts_at__gt=NOW + 4 * WEEK).count() == 16


def test_a_departed_person_keeps_their_past_shifts(team, four):
    rotation = make_rotation(team, four)
    UserFactory  # noqa: B018 - users are deactivated, never deleted, by the accounts pages
    rotation_members_set(rotation=rotation, user_ids=[], now=NOW + 20 * WEEK)
    assert not Shift.objects.filter(rotation=rotation, starts_at__gt=NOW + 20 * WEEK).exists()
    assert Shift.objects.filter(rotation=rotation, starts_at__lte=NOW).count() == 2


def test_a_rotation_back_from_a_feed_to_its_members_drops_the_imported_weeks(team, four):
    rotation = make_rotation(team, four, source=Rotation.Source.ICAL)
    imported = Shift.objects.create(
        rotation=rotation,
        source=Shift.Source.ICAL,
        external_uid="x#1",
        person="Someone",
        starts_at=NOW + WEEK,
        ends_at=NOW + 2 * WEEK,
    )
    assert not Shift.objects.filter(source=Shift.Source.ROTATION).exists()
    rotation.source = Rotation.Source.MEMBERS
    rotation_update(rotation=rotation, now=NOW)
    assert not Shift.objects.filter(pk=imported.pk).exists()
    assert Shift.objects.filter(rotation=rotation, source=Shift.Source.ROTATION).count() == 18
