"""rows_update writes what bulk_update writes, in one statement of one branch per
distinct value (split only past VALUES_PER_STATEMENT)."""

import datetime as dt

import pytest

from postmortems.alerting import bulk_writes
from postmortems.alerting.bulk_writes import rows_update
from postmortems.models import AlertRule, Firing
from tests.alerting.support import make_hook
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db
FIRED = dt.datetime(2026, 11, 2, 10, 42, tzinfo=dt.UTC)


@pytest.fixture
def firings(team):
    integration = make_hook(team).integration
    rule = AlertRule.objects.create(integration=integration, team=team, name="Disk")
    return [
        Firing.objects.create(
            rule=rule, team=team, integration=integration, external_key=f"k{n}", fired_at=FIRED
        )
        for n in range(6)
    ]


def test_each_row_gets_its_own_values_of_every_kind(firings, team, django_assert_num_queries):
    incident = IncidentFactory(team=team)
    later = FIRED + dt.timedelta(minutes=30)
    for n, firing in enumerate(firings):
        firing.resolved_at = later if n % 2 else None
        firing.resolved_by = f"person {n % 3}"
        firing.notified = ["a", "b"] if n < 3 else []
        firing.incident = incident if n == 0 else None
        firing.acted_on = True  # the same for all: no CASE
    with django_assert_num_queries(1):
        assert rows_update(
            Firing, firings, ["resolved_at", "resolved_by", "notified", "incident", "acted_on"]
        ) == len(firings)
    stored = list(Firing.objects.order_by("pk"))
    assert [f.resolved_at for f in stored] == [None, later] * 3
    assert [f.resolved_by for f in stored] == [f"person {n % 3}" for n in range(6)]
    assert [f.notified for f in stored] == [["a", "b"]] * 3 + [[]] * 3
    assert [f.incident for f in stored] == [incident] + [None] * 5
    assert all(f.acted_on for f in stored)
    assert {f.repeats for f in stored} == {0}  # fields not named stay


def test_a_large_update_is_split(firings, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(bulk_writes, "VALUES_PER_STATEMENT", 10)  # 2 rows a statement
    for n, firing in enumerate(firings):
        firing.repeats = n
    with django_assert_num_queries(3):
        rows_update(Firing, firings, ["repeats", "resolved_by"])
    assert list(Firing.objects.order_by("pk").values_list("repeats", flat=True)) == list(range(6))
