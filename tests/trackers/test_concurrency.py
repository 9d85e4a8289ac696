"""PostgreSQL, real concurrent clients: a tracker's webhook and a person editing the same
action item at the same moment, and the same delivery arriving twice at once."""

import datetime as dt

import pytest
from django.db import connection as db_connection
from django.test import Client

from postmortems.models import ActionItem, ActionItemChange
from postmortems.services.actions import action_item_update
from postmortems.services.edits import EditConflict
from postmortems.trackers.models import TrackerDelivery, TrackerIssue
from postmortems.trackers.requests import tracker_issue_create
from tests.factories import ActionItemFactory
from tests.threads import run_together
from tests.trackers.support import deliver_due, post_delivery

ROUNDS = 4


@pytest.mark.django_db(transaction=True)
def test_a_close_from_github_and_an_edit_here_at_once_lose_nothing(
    postgres, postmortem, owner, connection, github
):
    items = [ActionItemFactory(postmortem=postmortem, owner=owner) for _ in range(ROUNDS)]
    for item in items:
        tracker_issue_create(item=item, by=None)
    assert deliver_due() == ["sent"] * ROUNDS
    for round_, item in enumerate(items, start=1):
        github.edit(round_, state="closed")
        event = github.webhook(round_, "closed")
        answers: dict[str, object] = {}
        new_date = item.due_date + dt.timedelta(days=7)

        def webhook(barrier, event=event, round_=round_, answers=answers):
            barrier.wait()
            answers["hook"] = post_delivery(
                Client(), connection, event, delivery=f"close-{round_}"
            ).status_code

        def person(barrier, item=item, new_date=new_date, answers=answers):
            current = ActionItem.objects.get(pk=item.pk)
            current.due_date = new_date
            barrier.wait()
            try:
                action_item_update(item=current, by=owner, expected_revision=current.revision)
                answers["edit"] = "saved"
            except EditConflict:
                answers["edit"] = "conflict"  # shown to the person, who saves again

        crashed = run_together([webhook, person])
        assert crashed == []
        assert answers["hook"] == 200
        saved = ActionItem.objects.get(pk=item.pk)
        assert saved.status == "done"  # the close always lands
        if answers["edit"] == "saved":
            assert saved.due_date == new_date  # an acknowledged edit is kept
        closes = ActionItemChange.objects.filter(action_item=item, field="status", source="GitHub")
        assert closes.count() == 1
        assert TrackerIssue.objects.get(action_item=item).remote_closed


@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_twice_at_once_is_applied_once(
    postgres, postmortem, owner, connection, github
):
    item = ActionItemFactory(postmortem=postmortem, owner=owner)
    tracker_issue_create(item=item, by=None)
    deliver_due()
    github.edit(1, state="closed")
    event = github.webhook(1, "closed")
    answers: list[dict] = []

    def deliver(barrier):
        barrier.wait()
        answers.append(post_delivery(Client(), connection, event, delivery="same").json())

    assert run_together([deliver, deliver, deliver]) == []
    assert sorted(answer.get("duplicate", False) for answer in answers) == [False, True, True]
    assert TrackerDelivery.objects.filter(delivery_id="same").count() == 1
    assert ActionItem.objects.get(pk=item.pk).status == "done"
    assert ActionItemChange.objects.filter(action_item=item, field="status").count() == 1
    db_connection.close()
