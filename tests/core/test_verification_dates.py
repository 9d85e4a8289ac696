"""When a done action item's outcome is asked for: one rule on every path to "done"."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from postmortems.models import ActionItem, ActionItemChange
from postmortems.services.action_changes import action_item_mark_done
from postmortems.services.actions import action_item_create, action_item_update
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db
# 23:30 UTC on Thursday Nov 12 is already Friday Nov 13 in Auckland (UTC+13).
NOW = dt.datetime(2026, 11, 12, 23, 30, tzinfo=dt.UTC)
Status = ActionItem.Status


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def item(postmortem, owner):
    return ActionItemFactory(postmortem=postmortem, owner=owner, due_date=dt.date(2026, 11, 20))


def test_done_asks_for_the_outcome_two_weeks_later_in_the_owners_calendar(item, owner, lead):
    owner.time_zone = "Pacific/Auckland"
    owner.save()
    action_item_mark_done(item=item, by=lead, expected_revision=0)
    item.refresh_from_db()
    assert item.verify_on == dt.date(2026, 11, 27)  # Nov 13 in Auckland + 14
    assert item.awaits_outcome


def test_an_item_without_owner_takes_the_completers_calendar(postmortem, lead, settings):
    settings.ACTION_VERIFY_AFTER_DAYS = 3
    lead.time_zone = "America/Los_Angeles"  # still Nov 12 there
    item = action_item_create(postmortem=postmortem, by=lead, title="Pool alert", status="done")
    assert item.verify_on == dt.date(2026, 11, 15)


def test_the_editor_sets_it_and_reopening_clears_the_date_and_the_outcome(item, owner):
    item.status = Status.DONE
    action_item_update(item=item, by=owner, expected_revision=0)
    assert item.verify_on == dt.date(2026, 11, 26)
    ActionItem.objects.filter(pk=item.pk).update(
        outcome="worked", outcome_note="quiet", outcome_at=NOW
    )
    item.refresh_from_db()
    item.status = Status.OPEN
    action_item_update(item=item, by=owner, expected_revision=item.revision)
    item.refresh_from_db()
    assert (item.verify_on, item.outcome, item.outcome_note, item.outcome_at) == (
        None,
        "",
        "",
        None,
    )


def test_wont_do_and_ideas_get_no_date(item, owner, postmortem):
    item.status = Status.WONT_DO
    item.wont_do_reason = "Replaced by the new pooler"
    action_item_update(item=item, by=owner, expected_revision=0)
    assert item.verify_on is None
    idea = action_item_create(postmortem=postmortem, by=owner, title="Maybe", status="idea")
    assert idea.verify_on is None


def test_editing_a_done_item_keeps_its_date_and_old_done_items_get_none(item, owner, frozen):
    action_item_mark_done(item=item, by=owner, expected_revision=0)
    frozen.shift(dt.timedelta(days=5))
    item.title = "Alert on pool saturation, per replica"
    action_item_update(item=item, by=owner, expected_revision=item.revision)
    item.refresh_from_db()
    assert item.verify_on == dt.date(2026, 11, 26)
    # Done before verification dates existed: editing it asks nobody about it.
    ActionItem.objects.filter(pk=item.pk).update(verify_on=None)
    item.refresh_from_db()
    item.title = "Renamed"
    action_item_update(item=item, by=owner, expected_revision=item.revision)
    item.refresh_from_db()
    assert item.verify_on is None


def test_the_quick_done_button_sets_it_too(item, lead):
    client = Client()
    client.force_login(lead)
    url = reverse("pm-action-done", args=[item.postmortem.incident.number, item.code])
    assert client.post(url, {"revision": 0}).status_code == 302
    item.refresh_from_db()
    assert item.verify_on == dt.date(2026, 11, 26)
    # The history shows the status change only: the date is part of "done".
    assert list(item.changes.values_list("field", flat=True)) == [ActionItemChange.Field.STATUS]


def test_the_admin_marks_done_through_the_service_and_shows_the_outcome_read_only(item, admin_user):
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:postmortems_actionitem_change", args=[item.pk])
    page = client.get(url).content.decode()
    assert 'name="outcome"' not in page
    assert 'name="verify_on"' not in page
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(status="done", owner=item.owner_id, expected_revision=0)
    data["due_date"] = "2026-11-20"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    item.refresh_from_db()
    assert item.status == Status.DONE
    assert item.verify_on == dt.date(2026, 11, 26)
