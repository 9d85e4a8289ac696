"""Ideas are kept and searchable but are not work: every surface that counts or lists
work reads commitments only (the rule in postmortems/models/actions.py)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from postmortems.insights import dashboard
from postmortems.insights.health import review_health
from postmortems.models import ActionItem, Postmortem
from postmortems.models.actions import committed_condition
from postmortems.notifications.calendar_feed import calendar_action_items
from postmortems.services.search_index import index_postmortem
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 12, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def items(postmortem, owner):
    """A commitment and an idea that, were it counted, would be owned and overdue."""
    past = TODAY - dt.timedelta(days=3)
    return (
        ActionItemFactory(postmortem=postmortem, owner=owner, due_date=past, title="Committed"),
        ActionItemFactory(
            postmortem=postmortem, owner=owner, due_date=past, title="Quarantine flaky hosts",
            status=ActionItem.Status.IDEA,
        ),
    )  # fmt: skip


def test_the_committed_statuses_are_every_status_but_idea_and_the_indexes_agree():
    assert set(ActionItem.COMMITTED) == set(ActionItem.Status.values) - {"idea"}
    conditions = {
        index.name: index.condition for index in ActionItem._meta.indexes if index.condition
    }
    expected = committed_condition().deconstruct()
    for name in ("pm_action_created", "pm_action_team_created"):
        _path, args, _kwargs = conditions[name].deconstruct()
        assert [(k, list(v)) for k, v in args] == [(k, list(v)) for k, v in expected[1]]


def test_dashboard_my_work_and_calendar_count_commitments_only(items, owner, team):
    committed, _idea = items
    all_items = dashboard.team_action_items(user=None, teams=[team])
    counts = dashboard.headline_counts(all_items, TODAY)
    assert (counts["open"], counts["overdue"]) == (1, 1)
    for state in ("open", "overdue", "unplanned", "done", "all", "due_soon"):
        listed = dashboard.filtered_items(
            all_items, dashboard.ItemFilters(state=state), today=TODAY, tz=dt.UTC
        )
        assert _idea not in listed, state
    ideas = dashboard.filtered_items(
        all_items, dashboard.ItemFilters(state="ideas"), today=TODAY, tz=dt.UTC
    )
    assert list(ideas) == [_idea]
    assert list(dashboard.my_open_items(owner)) == [committed]
    assert list(calendar_action_items(user=owner)) == [committed]


def test_review_health_counts_committed_items_as_opened(items, team):
    months = review_health(user=None, teams=[team], now=NOW, tz=ZoneInfo("UTC"))
    assert months[-1].items_opened == 1
    assert months[-1].backlog == 1


def test_the_archive_still_finds_an_idea_by_its_words(items, postmortem, client, owner):
    Postmortem.objects.filter(pk=postmortem.pk).update(status="published", published_at=NOW)
    index_postmortem(postmortem.pk)
    client.force_login(owner)
    page = client.get(reverse("pm-archive"), {"q": "quarantine flaky"}).content.decode()
    assert postmortem.incident.reference in page
