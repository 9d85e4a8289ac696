"""Two workers at once on PostgreSQL (each thread on its own connection): extending a
rotation's shifts and importing a feed make no duplicate shift."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from postmortems.alerting.oncall.ical_import import schedule_upload_import
from postmortems.alerting.oncall.models import Rotation, RotationMember, Shift
from postmortems.alerting.oncall.services import rotation_schedule_shifts, rotations_extend
from tests.alerting.oncall.support import FEEDS, NOW, make_rotation, people

WORKERS = 4


def _at_once(work: Callable[[], object]) -> list[BaseException]:
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            work()
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_extensions_make_each_shift_once(postgres, team):
    rotation = make_rotation(team, [])
    members = people(team, ["Ann", "Ben", "Cat", "Dan"])
    RotationMember.objects.bulk_create(
        RotationMember(rotation=rotation, user=user, position=i) for i, user in enumerate(members)
    )
    until = NOW.replace(year=2027)
    errors = _at_once(lambda: rotation_schedule_shifts(rotation=rotation, until=until, now=NOW))
    assert errors == []
    rows = list(Shift.objects.filter(rotation=rotation).values_list("role", "starts_at"))
    assert len(rows) == len(set(rows)) > 0
    rotations_extend(now=NOW)  # the beat's horizon: the turn under way and eight weeks
    assert Shift.objects.filter(rotation=rotation).count() == 2 * 9


@pytest.mark.django_db(transaction=True)
def test_concurrent_imports_of_one_feed_make_each_shift_once(postgres, team):
    rotation = make_rotation(team, [], name="Imported", source=Rotation.Source.ICAL)
    data = (FEEDS / "opsgenie_shape.ics").read_bytes()
    errors = _at_once(lambda: schedule_upload_import(rotation=rotation, data=data, now=NOW))
    assert errors == []
    uids = list(Shift.objects.filter(rotation=rotation).values_list("external_uid", flat=True))
    assert len(uids) == len(set(uids)) == 6
