"""Ideas apart from commitments: keep an idea, commit it in one step, say how we will
know it worked; the editor and the read view show them apart."""

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from postmortems.models import ActionItem, ActionItemChange, OutboundMessage
from postmortems.notifications.nudges import action_item_nudge
from postmortems.services.action_changes import action_item_mark_done
from postmortems.services.actions import action_item_create, action_item_update, idea_create
from postmortems.services.commitments import action_item_commit
from postmortems.services.edits import EditConflict
from tests.factories import ActionItemFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
NOW = dt.datetime(2026, 11, 12, 12, 0, tzinfo=dt.UTC)
DUE = dt.date(2026, 11, 30)
Field = ActionItemChange.Field
Status = ActionItem.Status


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def idea(postmortem, author):
    return idea_create(postmortem=postmortem, by=author, title="Shard the sessions table")


def _commit(idea, by, **overrides):
    values = {
        "owner": idea.postmortem.incident.owner,
        "due_date": DUE,
        "type": ActionItem.Type.PREVENT,
        "verification": ActionItem.Verification.TEST,
        "verification_plan": "A load test at 2x peak keeps p99 under 200 ms.",
        "expected_revision": idea.revision,
    }
    return action_item_commit(item=idea, by=by, **{**values, **overrides})


def test_an_idea_needs_only_a_title(idea):
    idea.refresh_from_db()
    assert idea.status == Status.IDEA
    assert idea.is_idea
    assert idea.owner is None
    assert idea.due_date is None
    assert idea.type == ""
    assert idea.completed_at is None


def test_an_idea_becomes_a_commitment_in_one_step_with_its_history(idea, author, owner):
    _commit(idea, author)
    idea.refresh_from_db()
    assert idea.status == Status.OPEN
    assert (idea.owner, idea.due_date, idea.type) == (owner, DUE, "prevent")
    assert idea.verification == "test"
    assert idea.revision == 1
    rows = {
        c.field: (c.old_value, c.new_value)
        for c in ActionItemChange.objects.filter(action_item=idea)
    }
    assert rows[Field.COMMITMENT] == ("Idea", "Open")
    assert rows[Field.OWNER] == ("", str(owner))
    assert rows[Field.DUE_DATE] == ("", "2026-11-30")
    assert rows[Field.VERIFICATION] == (
        "",
        "A test: A load test at 2x peak keeps p99 under 200 ms.",
    )
    assert Field.STATUS not in rows


def test_committing_says_everything_that_is_missing_and_changes_nothing(idea, author):
    with pytest.raises(ValidationError) as error:
        _commit(
            idea, author, owner=None, due_date=None, type="", verification="", verification_plan=""
        )
    assert set(error.value.message_dict) == {"owner", "due_date", "type", "verification"}
    idea.refresh_from_db()
    assert idea.status == Status.IDEA
    assert idea.revision == 0
    assert not ActionItemChange.objects.filter(action_item=idea).exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"verification": "none", "verification_plan": " "}, "verification_plan", "why no check"),
        ({"verification_plan": ""}, "verification_plan", "Describe the check"),
        ({"due_date": dt.date(2026, 11, 1)}, "due_date", "in the past"),
    ],
)
def test_a_commitment_is_refused_without(idea, author, overrides, field, message):
    with pytest.raises(ValidationError) as error:
        _commit(idea, author, **overrides)
    assert message in " ".join(error.value.message_dict[field])


def test_no_check_possible_with_a_reason_commits(idea, author):
    _commit(idea, author, verification="none", verification_plan="A one-off migration.")
    idea.refresh_from_db()
    assert idea.status == Status.OPEN
    assert idea.verification == "none"


def test_a_stale_commit_is_a_conflict_and_a_second_commit_is_refused(idea, author):
    stale = ActionItem.objects.get(pk=idea.pk)  # the form opened before the first commit
    _commit(idea, author)
    with pytest.raises(EditConflict):
        _commit(stale, author, expected_revision=0)
    with pytest.raises(ValidationError, match="already committed"):
        _commit(ActionItem.objects.get(pk=idea.pk), author, expected_revision=1)


def test_quick_actions_and_nudges_refuse_ideas(idea, author, owner):
    with pytest.raises(ValidationError, match="commit it first"):
        action_item_mark_done(item=idea, by=author, expected_revision=0)
    idea.owner = owner  # an idea may name someone; it is still nobody's work
    with pytest.raises(ValidationError, match="commit it first"):
        action_item_nudge(item=idea, by=author)
    assert not OutboundMessage.objects.exists()


def test_a_commitment_never_goes_back_to_an_idea(postmortem, author):
    item = ActionItemFactory(postmortem=postmortem)
    item.status = Status.IDEA
    with pytest.raises(ValidationError) as error:
        action_item_update(item=item, by=author, expected_revision=0)
    assert "cannot go back to being an idea" in error.value.message_dict["status"][0]


def test_the_full_form_commits_an_idea_only_with_everything_a_commitment_needs(idea, author, owner):
    idea.status = Status.OPEN
    with pytest.raises(ValidationError) as error:
        action_item_update(item=idea, by=author, expected_revision=0)
    assert "owner" in error.value.message_dict
    idea.owner, idea.due_date, idea.type = owner, DUE, "detect"
    idea.verification, idea.verification_plan = "alert", "The lag alert fires in staging."
    action_item_update(item=idea, by=author, expected_revision=0)
    assert ActionItemChange.objects.filter(action_item=idea, field=Field.COMMITMENT).exists()


def test_the_create_path_takes_a_verification_and_refuses_none_without_a_reason(postmortem, author):
    item = action_item_create(
        postmortem=postmortem,
        by=author,
        title="Alert on replication lag over 30 s",
        verification="alert",
        verification_plan="Fires in the monthly failover drill.",
    )
    assert item.verification == "alert"
    with pytest.raises(ValidationError) as error:
        action_item_create(postmortem=postmortem, by=author, title="x", verification="none")
    assert error.value.message_dict["verification_plan"] == ["Say why no check is possible."]


def test_editing_the_plan_is_kept_in_the_history(postmortem, author):
    item = ActionItemFactory(postmortem=postmortem)
    item.verification = ActionItem.Verification.DRILL
    item.verification_plan = "The quarterly failover drill."
    action_item_update(item=item, by=author, expected_revision=0)
    change = ActionItemChange.objects.get(action_item=item, field=Field.VERIFICATION)
    assert change.new_value == "A drill: The quarterly failover drill."
    assert change.old_value.startswith("An alert: ")


# Pages ------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, author):
    client.force_login(author)
    return client


def _url(name, item):
    return reverse(name, args=[item.postmortem.incident.number, item.code])


def test_the_editor_keeps_an_idea_with_a_title_only(signed_in, postmortem):
    url = reverse("pm-idea-add", args=[postmortem.incident.number])
    response = signed_in.post(url, {"new-idea-title": "Move sessions to Redis"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#ideas"
    idea = ActionItem.objects.get(postmortem=postmortem)
    assert idea.status == Status.IDEA
    assert idea.created_by is not None
    assert "Move sessions to Redis" in response.content.decode()
    # Without JavaScript: back to the editor's ideas; a missing title is said.
    response = signed_in.post(url, {"new-idea-title": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_the_editor_shows_ideas_apart_with_a_commit_button(
    signed_in, postmortem, idea, django_assert_num_queries
):
    ActionItemFactory(postmortem=postmortem, title="Alert on pool saturation")
    for n in range(3):
        idea_create(postmortem=postmortem, by=postmortem.authors.first(), title=f"Idea {n}")
    url = reverse("pm-postmortem-edit", args=[postmortem.incident.number])
    page = signed_in.get(url).content.decode()
    actions, ideas = page.split('id="ideas"', 1)
    assert "Alert on pool saturation" in actions.split('id="actions"', 1)[1]
    assert "Shard the sessions table" not in actions.split('id="actions"', 1)[1]
    assert "Shard the sessions table" in ideas
    assert _url("pm-action-commit", idea) in ideas
    assert "How we will know it worked:</strong> An alert" in actions
    # As many queries with four ideas as the page needs with one: pinned.
    with django_assert_num_queries(EDITOR_QUERIES):
        signed_in.get(url)
    idea_create(postmortem=postmortem, by=postmortem.authors.first(), title="One more")
    with django_assert_num_queries(EDITOR_QUERIES):
        signed_in.get(url)


# The editor as tests/core/test_editor_pages.py pins it, possible recurrences included,
# and for an author from another team, "a member or an author" (one statement).
EDITOR_QUERIES = 18


def test_commit_form_inline_then_committed_in_one_post(signed_in, idea, owner):
    url = _url("pm-action-commit", idea)
    form = signed_in.get(url, **HTMX).content.decode()
    assert f'name="{idea.code}-owner"' in form
    assert "How we will know it worked" in form
    prefix = str(idea.code)
    response = signed_in.post(
        url,
        {
            f"{prefix}-revision": "0",
            f"{prefix}-owner": str(owner.pk),
            f"{prefix}-due_date": "2026-11-30",
            f"{prefix}-type": "prevent",
            f"{prefix}-priority": "high",
            f"{prefix}-verification": "metric",
            f"{prefix}-verification_plan": "Checkout error rate stays under 0.1% for a week.",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#actions"
    assert "readiness-changed" in response["HX-Trigger"]
    idea.refresh_from_db()
    assert (idea.status, idea.priority, idea.verification) == ("open", "high", "metric")


def test_commit_without_javascript_says_what_is_missing_and_keeps_the_typing(
    signed_in, idea, owner
):
    url = _url("pm-action-commit", idea)
    assert signed_in.get(url).status_code == 200
    prefix = str(idea.code)
    response = signed_in.post(
        url,
        {
            f"{prefix}-revision": "0",
            f"{prefix}-owner": str(owner.pk),
            f"{prefix}-priority": "medium",
            f"{prefix}-verification": "none",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose the due date." in page
    assert "Say why no check is possible." in page
    # The owner picked stays picked (a checked chip of the people picker).
    chip = rf'<input type="checkbox" name="{prefix}-owner" value="{owner.pk}"[^>]* checked'
    assert re.search(chip, page)
    idea.refresh_from_db()
    assert idea.is_idea
    response = signed_in.post(
        url,
        {
            f"{prefix}-revision": "0",
            f"{prefix}-owner": str(owner.pk),
            f"{prefix}-due_date": "2026-11-30",
            f"{prefix}-type": "process",
            f"{prefix}-priority": "medium",
            f"{prefix}-verification": "none",
            f"{prefix}-verification_plan": "A policy change: nothing to measure.",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#item-{idea.code}")


def test_a_stale_commit_form_shows_the_conflict(signed_in, idea, author, owner):
    idea.title = "Shard the sessions table by tenant"
    action_item_update(item=idea, by=author, expected_revision=0)
    prefix = str(idea.code)
    response = signed_in.post(
        _url("pm-action-commit", idea),
        {
            f"{prefix}-revision": "0",
            f"{prefix}-owner": str(owner.pk),
            f"{prefix}-due_date": "2026-11-30",
            f"{prefix}-type": "process",
            f"{prefix}-priority": "medium",
            f"{prefix}-verification": "drill",
            f"{prefix}-verification_plan": "Game day in December.",
        },
        **HTMX,
    )
    assert "Someone else changed this idea" in response.content.decode()
    assert 'value="1"' in response.content.decode()
    assert ActionItem.objects.get(pk=idea.pk).is_idea


def test_the_read_view_shows_the_check_and_the_ideas_apart(
    client, postmortem, idea, author, django_assert_num_queries
):
    ActionItemFactory(
        postmortem=postmortem,
        title="Alert on pool saturation",
        verification="none",
        verification_plan="The vendor gives no metric.",
    )
    client.force_login(author)
    url = reverse("pm-postmortem-detail", args=[postmortem.incident.number])
    page = client.get(url).content.decode()
    committed, ideas = page.split('<h3 id="ideas">Ideas</h3>', 1)
    assert "No check possible: The vendor gives no metric." in committed
    assert "Shard the sessions table" in ideas
    assert "Shard the sessions table" not in committed
    with django_assert_num_queries(READ_QUERIES):
        client.get(url)
    idea_create(postmortem=postmortem, by=author, title="Another idea")
    with django_assert_num_queries(READ_QUERIES):
        client.get(url)


# The read view as tests/core pins it, possible recurrences included, and for an
# author from another team, "a member or an author" (one statement).
READ_QUERIES = 16


def test_a_reader_outside_the_team_cannot_commit(client, idea):
    client.force_login(UserFactory())
    assert client.get(_url("pm-action-commit", idea)).status_code == 403
