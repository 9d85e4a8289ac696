"""The warnings of care.py: each rule breaking, and not."""

import pytest

from postmortems.alerting.load import care
from postmortems.alerting.load.care import Kind, care_warnings
from postmortems.alerting.load.metrics import PersonLoad, RotationLoad, ShiftLoad
from postmortems.alerting.load.selectors import month_load
from postmortems.alerting.oncall.models import RotationMember
from tests.alerting.load.support import BERLIN, NOW, OCTOBER, berlin, build, page
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_rotation_of_three_is_flagged_and_one_of_four_is_not():
    warning = care.rotation_size_warning(rotation="Primary", people=3)
    assert warning is not None
    assert warning.kind == Kind.SMALL_ROTATION
    assert warning.message == "Rotation Primary has 3 people: each is on call every third week."
    assert warning.action.startswith("Add 1 more person to the rotation")
    assert "four or more" in warning.source
    assert care.rotation_size_warning(rotation="Primary", people=4) is None
    alone = care.rotation_size_warning(rotation="Solo", people=1)
    assert alone is not None
    assert "every week" in alone.message


def test_no_secondary_is_flagged():
    assert care.secondary_warning(rotation="Primary", has_secondary=True, people=4) is None
    warning = care.secondary_warning(rotation="Primary", has_secondary=False, people=4)
    assert warning is not None
    assert "nobody backs the primary up" in warning.message
    # A rotation of one has nobody to be the secondary, whatever it says.
    assert care.secondary_warning(rotation="Solo", has_secondary=True, people=1) is not None


def _people(*pages):
    return [PersonLoad(user_id=n + 1, name=f"P{n}", pages=count) for n, count in enumerate(pages)]


@pytest.mark.parametrize(
    ("pages", "flagged"),
    [
        ((6, 2, 2, 2), []),  # 50% of 12 among four: not over half
        ((7, 2, 2, 1), ["P0"]),  # 58%
        ((5, 3, 2, 2), []),  # 42%, twice the fair share is 50%
        ((6, 2, 1, 1, 0), ["P0"]),  # 60% among five: over twice 20%
        ((8, 1, 1), ["P0"]),  # 80% among three: over twice 33%
        ((6, 3, 3), []),  # 50% among three
        ((3, 0, 0), []),  # too few pages to judge
    ],
)
def test_one_person_carrying_too_large_a_share(pages, flagged):
    people = _people(*pages)
    warnings = care.page_share_warnings(people, paged_people=len(pages))
    assert [w.message.split()[0] for w in warnings] == flagged


def test_share_rule_matches_its_description():
    assert care.share_limit(4) == 0.5
    assert care.share_limit(5) == 0.4
    assert care.share_limit(3) == pytest.approx(2 / 3)


def test_more_out_of_hours_pages_in_12_hours_than_the_limit():
    shift = ShiftLoad(
        rotation_name="Primary", role="primary", user_id=1, person="Ana",
        starts_at=berlin(2026, 10, 19, 10), ends_at=berlin(2026, 10, 26, 10),
        busiest_period_pages=3, busiest_period_start=berlin(2026, 10, 24, 22), periods_over=1,
    )  # fmt: skip
    [warning] = care.busy_shift_warnings([shift], max_pages=2, zone=BERLIN)
    assert warning.message == (
        "Ana got 3 out-of-hours pages in the 12 hours from Sat 24 Oct 22:00; the team's limit is 2."
    )
    assert "two incidents per 12-hour shift" in warning.source
    shift.periods_over = 0
    assert care.busy_shift_warnings([shift], max_pages=3, zone=BERLIN) == []


def test_two_weeks_in_a_row_is_flagged():
    person = PersonLoad(user_id=1, name="Ana", consecutive_shifts=2,
                        consecutive_until=berlin(2026, 11, 2, 10))  # fmt: skip
    [warning] = care.consecutive_warnings([person], zone=BERLIN)
    assert warning.message == "Ana was primary 2 weeks in a row, until Mon 02 Nov 10:00."
    person.consecutive_shifts = 1
    assert care.consecutive_warnings([person], zone=BERLIN) == []


def test_a_teams_month_gives_every_warning_that_applies(team):
    oncall = build(team)
    for hour in (23, 1, 2, 4):
        day = 24 if hour == 23 else 25
        page(oncall, oncall.ana, berlin(2026, 10, day, hour))
    load = month_load(team=team, month=OCTOBER, now=NOW, policy=oncall.policy)
    warnings = care_warnings(load)
    kinds = [w.kind for w in warnings]
    assert kinds == [Kind.SMALL_ROTATION, Kind.PAGE_SHARE, Kind.BUSY_SHIFT, Kind.CONSECUTIVE]
    assert warnings[1].message == (
        "Ana Alvarez took 4 of 4 pages (100%); a fair share among 3 people is 33%."
    )

    # A fourth person and no secondary: the size warning goes, the secondary one comes.
    RotationMember.objects.create(
        rotation=oncall.rotation, user=MembershipFactory(team=team).user, position=3
    )
    oncall.rotation.has_secondary = False
    oncall.rotation.save()
    load = month_load(team=team, month=OCTOBER, now=NOW, policy=oncall.policy)
    assert [w.kind for w in care_warnings(load)] == [
        Kind.NO_SECONDARY,
        Kind.PAGE_SHARE,
        Kind.BUSY_SHIFT,
        Kind.CONSECUTIVE,
    ]


def test_rotation_loads_are_judged_one_by_one():
    rotations = [RotationLoad("Small", "members", 2, True), RotationLoad("Big", "members", 5, True)]
    [warning] = care.rotation_warnings(rotations)
    assert "Small" in warning.message
