"""End to end: a connected GitHub, a published review, issues made through the outbox,
and the issues' state coming back by webhook and by the reconcile."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from postmortems.models import ActionItem, ActionItemChange
from postmortems.notifications.outbox import outbox_claim, outbox_requeue_stuck
from postmortems.services.action_changes import action_item_extend, action_item_mark_done
from postmortems.services.postmortems import postmortem_set_status
from postmortems.trackers.models import TrackerIssue, TrackerPerson
from postmortems.trackers.requests import tracker_issue_create, tracker_reconcile_all
from tests.factories import ActionItemFactory, complete_postmortem
from tests.trackers.support import deliver_due, post_delivery, tracker_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(postmortem, owner, connection):
    complete_postmortem(postmortem, items=0)
    TrackerPerson.objects.create(connection=connection, user=owner, account="octocat")
    return [
        ActionItemFactory(postmortem=postmortem, owner=owner, title="Alert on saturation"),
        ActionItemFactory(postmortem=postmortem, owner=owner, title="Add a rollout check"),
    ]


def _linked(items, github):
    for item in items:
        tracker_issue_create(item=item, by=None)
    assert deliver_due() == ["sent"] * len(items)
    return [TrackerIssue.objects.get(action_item=item) for item in items]


def test_publishing_makes_issues_and_closing_one_in_github_marks_it_done(
    client, postmortem, owner, connection, items, github
):
    connection.auto_create = True
    connection.save()
    ActionItemFactory(postmortem=postmortem, status=ActionItem.Status.IDEA, owner=owner)
    postmortem_set_status(postmortem=postmortem, status="published", by=owner)
    assert tracker_rows().count() == 2  # the idea is not sent
    assert deliver_due() == ["sent", "sent"]

    assert len(github.issues) == 2
    first = github.issues[1]
    assert first["assignee"]["login"] == "octocat"
    assert f"#item-{items[0].code}" in first["body"]
    assert "Due: " in first["body"]
    assert [label["name"] for label in first["labels"]] == ["postmortem"]
    link = TrackerIssue.objects.get(action_item=items[0])
    assert (link.key, link.sync) == ("acme/api#1", "linked")

    github.edit(1, state="closed")
    response = post_delivery(client, connection, github.webhook(1, "closed"), delivery="d-1")
    assert response.status_code == 200
    assert response.json() == {"applied": 1}
    item = ActionItem.objects.get(pk=items[0].pk)
    assert item.status == "done"
    assert item.completed_at is not None
    change = item.changes.get(field="status")
    assert (change.new_value, change.source, change.changed_by) == ("Done", "GitHub", None)
    assert not tracker_rows().filter(headers__op="state").exists()  # not sent back

    again = post_delivery(client, connection, github.webhook(1, "closed"), delivery="d-1")
    assert again.json() == {"duplicate": True}

    github.edit(1, state="open")
    post_delivery(client, connection, github.webhook(1, "reopened"), delivery="d-2")
    assert ActionItem.objects.get(pk=items[0].pk).status == "open"


def test_a_bad_signature_is_refused(client, connection, items, github):
    _linked(items[:1], github)
    github.edit(1, state="closed")
    response = post_delivery(
        client, connection, github.webhook(1, "closed"), delivery="d-1", secret="wrong"
    )
    assert response.status_code == 401
    assert ActionItem.objects.get(pk=items[0].pk).status == "open"


def test_the_reconcile_picks_up_a_close_whose_webhook_never_came(connection, items, github):
    _linked(items, github)
    github.edit(2, state="closed")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=20)):
        assert tracker_reconcile_all(now=timezone.now()) == 1
        assert deliver_due() == ["sent"]
    assert ActionItem.objects.get(pk=items[1].pk).status == "done"
    assert ActionItem.objects.get(pk=items[0].pk).status == "open"
    connection.refresh_from_db()
    assert connection.last_reconciled_at is not None
    assert connection.last_error == ""


def test_done_here_closes_the_issue_there(owner, items, github):
    [link] = _linked(items[:1], github)
    item = ActionItem.objects.get(pk=items[0].pk)
    action_item_mark_done(item=item, by=owner, expected_revision=item.revision)
    assert deliver_due() == ["sent"]
    assert github.issues[1]["state"] == "closed"
    link.refresh_from_db()
    assert link.remote_closed


def test_conflict_the_later_change_wins_and_both_sides_are_shown(
    client, owner, connection, items, github
):
    [link] = _linked(items[:1], github)
    item = ActionItem.objects.get(pk=items[0].pk)
    # GitHub moves the date first ...
    body = github.issues[1]["body"].replace(f"Due: {item.due_date}", "Due: 2027-03-01")
    github.edit(1, body=body)
    stale = github.webhook(1, "edited")
    # ... then someone moves it here, later: ours wins when the delivery arrives.
    with time_machine.travel(github.now + dt.timedelta(minutes=1), tick=False):
        action_item_extend(
            item=item,
            by=owner,
            due_date=item.due_date + dt.timedelta(days=3),
            reason="Waiting on a vendor",
            expected_revision=item.revision,
        )
        post_delivery(client, connection, stale, delivery="d-1")
    item.refresh_from_db()
    assert item.due_date != dt.date(2027, 3, 1)
    note = item.changes.get(field="tracker", source="GitHub", reason__contains="both sides")
    assert "kept" in note.reason
    assert "2027-03-01" in note.reason
    link.refresh_from_db()
    assert "both sides" in link.conflict_note

    # GitHub changes it again, later than our change: GitHub's wins, ours is in the history.
    with time_machine.travel(github.now + dt.timedelta(minutes=5), tick=False):
        github.now += dt.timedelta(minutes=5)
        github.edit(1, body=body.replace("Due: 2027-03-01", "Due: 2027-04-01"))
        post_delivery(client, connection, github.webhook(1, "edited"), delivery="d-2")
    item.refresh_from_db()
    assert item.due_date == dt.date(2027, 4, 1)
    assert item.changes.filter(field="due_date", source="GitHub").exists()
    page = client.get(
        reverse("pm-action-history", args=[item.postmortem.incident.number, item.code])
    )
    assert page.status_code in (200, 302)


def test_a_tracker_that_is_down_delays_never_loses(connection, items, github):
    github.down = True
    tracker_issue_create(item=items[0], by=None)
    assert deliver_due() == ["retry"]
    link = TrackerIssue.objects.get(action_item=items[0])
    assert link.sync == "pending"
    assert link.last_error.startswith("Retrying")
    github.down = False
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        assert deliver_due() == ["sent"]
    link.refresh_from_db()
    assert (link.key, link.sync, link.last_error) == ("acme/api#1", "linked", "")
    assert len(github.issues) == 1


def test_a_retry_after_a_worker_died_links_the_issue_it_made(connection, items, github):
    tracker_issue_create(item=items[0], by=None)
    row = tracker_rows().get()
    claimed = outbox_claim(email_id=row.pk)
    assert claimed is not None
    # The worker made the issue, then died before recording anything.
    from postmortems.trackers.adapters.github import GitHubTracker
    from postmortems.trackers.deliver import connection_for, issue_draft, marker_for

    GitHubTracker(connection_for(connection)).create_issue(
        issue_draft(item=items[0], tracker=connection, marker=marker_for(items[0]))
    )
    with time_machine.travel(timezone.now() + dt.timedelta(hours=1)):
        assert outbox_requeue_stuck(now=timezone.now()) == 1
        assert deliver_due() == ["sent"]
    assert len(github.issues) == 1
    assert TrackerIssue.objects.get(action_item=items[0]).key == "acme/api#1"


def test_a_refused_call_fails_visibly_without_the_token(
    client, admin_user, connection, items, github
):
    github.refuse = 401
    tracker_issue_create(item=items[0], by=None)
    assert deliver_due() == ["failed"]
    link = TrackerIssue.objects.get(action_item=items[0])
    assert link.sync == "failed"
    assert "401" in link.last_error
    row = tracker_rows().get()
    assert row.status == "failed"
    assert connection.token not in row.last_error
    client.force_login(admin_user)
    page = client.get(reverse("pm-outbox")).content.decode()
    assert "Create an issue in GitHub Issues acme/api for “Alert on saturation”" in page
    assert connection.token not in page
    # Asking again retries the same row.
    github.refuse = None
    tracker_issue_create(item=items[0], by=None)
    assert deliver_due() == ["sent"]
    assert TrackerIssue.objects.get(action_item=items[0]).sync == "linked"


def test_ideas_are_never_synced(postmortem, connection):
    idea = ActionItemFactory(postmortem=postmortem, status=ActionItem.Status.IDEA, owner=None)
    with pytest.raises(ValidationError, match="Ideas"):
        tracker_issue_create(item=idea, by=None)


def test_a_sync_that_is_off_sends_nothing_and_says_so(connection, items, github):
    connection.sync_enabled = False
    connection.save()
    tracker_issue_create(item=items[0], by=None)
    assert deliver_due() == ["failed"]
    assert github.calls == []
    assert "Sync is off" in tracker_rows().get().last_error


def test_history_names_the_tracker(client, owner, connection, items, github):
    _linked(items[:1], github)
    github.edit(1, state="closed")
    post_delivery(client, connection, github.webhook(1, "closed"), delivery="d-9")
    item = items[0]
    client.force_login(owner)
    page = client.get(
        reverse("pm-action-history", args=[item.postmortem.incident.number, item.code])
    )
    text = page.content.decode()
    assert "GitHub" in text
    assert "acme/api#1" in text
    assert "later change wins" in text
    assert ActionItemChange.objects.filter(action_item=item, source="GitHub").exists()
