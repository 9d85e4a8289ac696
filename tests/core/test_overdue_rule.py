"""Overdue has one definition (postmortems/models/actions.py): the queryset method, the
instance predicate, the plain function for exported rows and the dashboard's counts agree."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from postmortems.insights import dashboard
from postmortems.models import ActionItem
from postmortems.models.actions import days_overdue
from tests.factories import ActionItemFactory

# 23:30 UTC on a Tuesday: already Wednesday in Tokyo, still Tuesday in Los Angeles.
NOW = dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC)
TUESDAY = dt.date(2026, 3, 10)

# (name, status, due date relative to Tuesday (None: undated))
CASES = [
    ("open, due two days ago", "open", -2),
    ("open, due yesterday", "open", -1),
    ("open, due today", "open", 0),
    ("open, due tomorrow", "open", 1),
    ("open, undated", "open", None),
    ("in progress, due yesterday", "in_progress", -1),
    ("done, due yesterday", "done", -1),
    ("won't do, due two days ago", "wont_do", -2),
]

# Which cases are overdue on each viewer's local day.
EXPECTED = {
    "UTC": {"open, due two days ago", "open, due yesterday", "in progress, due yesterday"},
    "America/Los_Angeles": {
        "open, due two days ago",
        "open, due yesterday",
        "in progress, due yesterday",
    },
    # Wednesday there: Tuesday's items have become overdue too.
    "Asia/Tokyo": {
        "open, due two days ago",
        "open, due yesterday",
        "in progress, due yesterday",
        "open, due today",
    },
}


@pytest.fixture
def items(db) -> dict[int, str]:
    with time_machine.travel(NOW, tick=False):
        names = {}
        for name, status, days in CASES:
            due = None if days is None else TUESDAY + dt.timedelta(days=days)
            finished = status in ActionItem.FINISHED
            item = ActionItemFactory(
                title=name,
                status=status,
                due_date=due,
                completed_at=timezone.now() if finished else None,
                wont_do_reason="Replaced by the new pool." if status == "wont_do" else "",
            )
            names[item.pk] = name
        return names


@pytest.mark.parametrize("zone", sorted(EXPECTED))
def test_the_queryset_the_predicate_and_the_dashboard_agree_on_what_is_overdue(items, zone):
    today = NOW.astimezone(ZoneInfo(zone)).date()
    every = ActionItem.objects.filter(pk__in=items)

    by_query = {items[pk] for pk in every.overdue(today=today).values_list("pk", flat=True)}
    by_predicate = {items[i.pk] for i in every if i.is_overdue_on(today)}
    by_days = {items[i.pk] for i in every if days_overdue(i.status, i.due_date, today) > 0}
    by_dashboard = {items[i.pk] for i in dashboard.overdue(every, today)}

    assert by_query == by_predicate == by_days == by_dashboard == EXPECTED[zone]
    assert dashboard.headline_counts(every, today)["overdue"] == len(EXPECTED[zone])


def test_an_overdue_item_counts_whole_days_past_its_due_date(items):
    item = ActionItem.objects.get(title="open, due two days ago")

    assert item.days_overdue_on(TUESDAY) == 2
    assert item.days_overdue_on(TUESDAY - dt.timedelta(days=2)) == 0
