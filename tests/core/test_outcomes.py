"""Recording whether a fix worked: the service, the page and its inline panel."""

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from postmortems.models import ActionItem, ActionItemChange
from postmortems.services.action_changes import action_item_mark_done
from postmortems.services.edits import EditConflict
from postmortems.services.outcomes import (
    action_item_move_verification,
    action_item_record_outcome,
)
from tests.factories import ActionItemFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 12, 12, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=14)
HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
Field = ActionItemChange.Field
EVIDENCE = "https://grafana.example.com/d/pool?from=1763000000000"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def done(postmortem, owner, frozen):
    item = ActionItemFactory(
        postmortem=postmortem,
        owner=owner,
        title="Alert on pool saturation",
        description="Added the `pool_waiting` alert.",
        verification="alert",
        verification_plan="The alert fires in the next load test.",
    )
    action_item_mark_done(item=item, by=owner, expected_revision=0)
    frozen.move_to(LATER)
    return item


def _url(name, item):
    return reverse(name, args=[item.postmortem.incident.number, item.code])


def test_worked_needs_evidence_and_keeps_it(done, owner):
    with pytest.raises(ValidationError) as error:
        action_item_record_outcome(item=done, outcome="worked", by=owner, revision=1)
    assert "evidence" in error.value.message_dict
    action_item_record_outcome(
        item=done, outcome="worked", evidence=EVIDENCE, note="Fired at 80%.", by=owner, revision=1
    )
    done.refresh_from_db()
    assert (done.outcome, done.outcome_evidence, done.outcome_note) == (
        "worked",
        EVIDENCE,
        "Fired at 80%.",
    )
    assert (done.outcome_at, done.outcome_by, done.status) == (LATER, owner, "done")
    assert not done.awaits_outcome
    change = done.changes.get(field=Field.OUTCOME)
    assert (change.old_value, change.new_value, change.changed_by) == ("", "It worked", owner)
    assert change.reason == f"Fired at 80%.\n{EVIDENCE}"


def test_cannot_tell_needs_a_note(done, owner):
    with pytest.raises(ValidationError) as error:
        action_item_record_outcome(item=done, outcome="cannot_tell", by=owner, revision=1)
    assert "note" in error.value.message_dict
    action_item_record_outcome(
        item=done, outcome="cannot_tell", note="No load test yet.", by=owner, revision=1
    )
    assert ActionItem.objects.get(pk=done.pk).outcome == "cannot_tell"


def test_did_not_work_reopens_the_item(done, owner):
    with pytest.raises(ValidationError) as error:
        action_item_record_outcome(item=done, outcome="did_not_work", by=owner, revision=1)
    assert "then" in error.value.message_dict
    action_item_record_outcome(
        item=done,
        outcome="did_not_work",
        note="Pool still ran dry.",
        then="reopen",
        by=owner,
        revision=1,
    )
    done.refresh_from_db()
    assert (done.status, done.completed_at, done.verify_on, done.outcome) == (
        "open",
        None,
        None,
        "",
    )
    fields = set(done.changes.values_list("field", "new_value"))
    assert {(Field.OUTCOME, "It did not work"), (Field.STATUS, "Open")} <= fields


def test_did_not_work_starts_a_follow_up_owned_by_the_same_person(done, owner, lead):
    recorded = action_item_record_outcome(
        item=done,
        outcome="did_not_work",
        note="Pool still ran dry.",
        then="follow_up",
        by=lead,
        revision=1,
    )
    done.refresh_from_db()
    assert (done.status, done.outcome) == ("done", "did_not_work")
    new = recorded.follow_up
    assert new is not None
    assert new.follow_up_of == done
    assert new.title == "Follow-up: Alert on pool saturation"
    assert (new.owner, new.status, new.priority, new.type) == (
        owner,
        "open",
        done.priority,
        "detect",
    )
    assert (new.verification, new.verification_plan) == ("alert", done.verification_plan)
    assert new.due_date == LATER.date() + dt.timedelta(days=14)
    assert "Pool still ran dry." in new.description
    assert "pool_waiting" in new.description


def test_a_stale_revision_is_a_conflict_and_writes_nothing(done, owner):
    with pytest.raises(EditConflict):
        action_item_record_outcome(item=done, outcome="worked", note="ok", by=owner, revision=0)
    done.refresh_from_db()
    assert done.outcome == ""
    assert not done.changes.filter(field=Field.OUTCOME).exists()


def test_only_done_items_have_an_outcome(postmortem, owner):
    item = ActionItemFactory(postmortem=postmortem, owner=owner)
    with pytest.raises(ValidationError):
        action_item_record_outcome(item=item, outcome="worked", note="ok", by=owner, revision=0)


def test_the_owner_moves_the_date_with_history(done, owner):
    with pytest.raises(ValidationError):
        action_item_move_verification(
            item=done, by=owner, verify_on=LATER.date() - dt.timedelta(days=1), revision=1
        )
    action_item_move_verification(
        item=done, by=owner, verify_on=dt.date(2026, 12, 10), reason="Load test", revision=1
    )
    change = ActionItem.objects.get(pk=done.pk).changes.get(field=Field.VERIFICATION)
    assert (change.old_value, change.new_value, change.reason) == (
        "2026-11-26",
        "2026-12-10",
        "Load test",
    )


# The page and its panel.


def test_the_owner_outside_the_team_may_record_but_other_readers_may_not(postmortem, done):
    stranger_owner = UserFactory(display_name="Sam Elsewhere")
    ActionItem.objects.filter(pk=done.pk).update(owner=stranger_owner)
    client = Client()
    client.force_login(stranger_owner)
    assert client.get(_url("pm-action-outcome", done)).status_code == 200
    client.force_login(UserFactory())
    assert client.get(_url("pm-action-outcome", done)).status_code == 403


def test_recording_without_javascript_redirects_with_a_message(done, owner):
    client = Client()
    client.force_login(owner)
    response = client.post(
        _url("pm-action-outcome", done),
        {"revision": 1, "outcome": "worked", "evidence": EVIDENCE, "note": ""},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == _url("pm-action-outcome", done)
    page = response.content.decode()
    assert "Recorded: it worked." in page
    assert EVIDENCE in page


def test_the_panel_shows_errors_and_keeps_what_was_typed(done, owner):
    client = Client()
    client.force_login(owner)
    response = client.post(
        _url("pm-action-outcome", done),
        {"revision": 1, "outcome": "worked", "evidence": "", "note": ""},
        **HTMX,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert "Show how you know it worked" in page
    assert re.search(r'<input type="radio" name="outcome" value="worked"[^>]* checked', page)


def test_a_stale_form_shows_the_conflict_and_keeps_the_note(done, owner, lead):
    client = Client()
    client.force_login(owner)
    action_item_move_verification(item=done, by=lead, verify_on=dt.date(2026, 12, 1), revision=1)
    response = client.post(
        _url("pm-action-outcome", done),
        {"revision": 1, "outcome": "cannot_tell", "note": "Traffic too low to tell."},
        **HTMX,
    )
    page = response.content.decode()
    assert "Someone else changed this action item" in page
    assert "Traffic too low to tell." in page
    assert 'name="revision" value="2"' in page
    assert ActionItem.objects.get(pk=done.pk).outcome == ""


def test_moving_the_date_from_the_panel(done, owner):
    client = Client()
    client.force_login(owner)
    response = client.post(
        _url("pm-action-verify-on", done),
        {"revision": 1, "verify_on": "2026-12-03", "reason": "After the load test"},
        **HTMX,
    )
    assert "now asked for on Dec 3, 2026" in response.content.decode()
    assert ActionItem.objects.get(pk=done.pk).verify_on == dt.date(2026, 12, 3)


def test_the_editor_and_the_review_link_to_the_outcome_form(done, owner):
    client = Client()
    client.force_login(owner)
    number = done.postmortem.incident.number
    link = f'href="{_url("pm-action-outcome", done)}"'
    for name in ("pm-postmortem-edit", "pm-postmortem-detail"):
        page = client.get(reverse(name, args=[number])).content.decode()
        assert link in page
        assert "Verify on" in page
    history = client.get(_url("pm-action-history", done)).content.decode()
    assert link in history


def test_the_page_and_a_save_cost_a_fixed_number_of_queries(done, owner, django_assert_num_queries):
    client = Client()
    client.force_login(owner)
    url = _url("pm-action-outcome", done)
    # session, user, incident (+postmortem; the owner owns the incident, so no
    # membership query), item (+owner), its follow-ups
    with django_assert_num_queries(5):
        assert client.get(url, **HTMX).status_code == 200
    # the same 4 reads; savepoint; the recorder exists (a foreign key); the outcome's
    # check constraint (3); savepoint, the lock, UPDATE, INSERT change, release;
    # release; the item reloaded (+owner, +recorder) and its follow-ups for the panel
    with django_assert_num_queries(17):
        response = client.post(url, {"revision": 1, "outcome": "worked", "note": "ok"}, **HTMX)
    assert "Recorded: it worked." in response.content.decode()
