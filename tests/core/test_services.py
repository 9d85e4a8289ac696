"""Writes: numbering, constraints, status moves, completion stamps, conflicts."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from postmortems.models import ActionItem, Incident, Postmortem
from postmortems.services.actions import action_item_create, action_item_update
from postmortems.services.edits import EditConflict
from postmortems.services.incidents import incident_create
from postmortems.services.postmortems import (
    SectionConflict,
    postmortem_set_status,
    postmortem_start,
    postmortem_update_section,
    text_fingerprint,
)
from tests.factories import BASE_TIME, IncidentFactory, PostmortemFactory, complete_postmortem

pytestmark = pytest.mark.django_db


def test_incidents_get_consecutive_numbers_shown_as_inc_references(team, owner):
    first = incident_create(by=owner, title="DNS outage", team=team, started_at=BASE_TIME)
    second = incident_create(by=owner, title="Disk full", team=team, started_at=BASE_TIME)
    assert second.number == first.number + 1
    assert second.reference == f"INC-{second.number}"


def test_the_database_refuses_a_detection_before_the_start(team):
    incident = IncidentFactory(team=team)
    Incident.objects.filter(pk=incident.pk)
    with pytest.raises(IntegrityError):
        Incident.objects.filter(pk=incident.pk).update(
            detected_at=incident.started_at - dt.timedelta(minutes=1)
        )


def test_incident_create_validates_time_order(team, owner):
    with pytest.raises(ValidationError, match="before the incident started"):
        incident_create(
            by=owner,
            title="Backwards",
            team=team,
            started_at=BASE_TIME,
            resolved_at=BASE_TIME - dt.timedelta(hours=1),
        )


def test_starting_a_postmortem_twice_keeps_one(incident, owner):
    first = postmortem_start(incident=incident, by=owner)
    second = postmortem_start(incident=incident, by=owner)
    assert first.pk == second.pk
    assert list(first.authors.all()) == [owner]


def test_publishing_stamps_the_time_once_and_amendments_keep_it(postmortem):
    complete_postmortem(postmortem)
    with time_machine.travel(BASE_TIME, tick=False):
        postmortem_set_status(postmortem=postmortem, status=Postmortem.Status.PUBLISHED)
    assert postmortem.published_at == BASE_TIME
    with time_machine.travel(BASE_TIME + dt.timedelta(days=3), tick=False):
        postmortem_set_status(postmortem=postmortem, status=Postmortem.Status.DRAFT)
        postmortem_set_status(postmortem=postmortem, status=Postmortem.Status.PUBLISHED)
    postmortem.refresh_from_db()
    assert postmortem.published_at == BASE_TIME
    assert postmortem.updated_at == BASE_TIME + dt.timedelta(days=3)


def test_a_postmortem_without_a_summary_cannot_be_published(incident):
    postmortem = PostmortemFactory(incident=incident, summary="  ")
    with pytest.raises(ValidationError, match="summary"):
        postmortem_set_status(postmortem=postmortem, status=Postmortem.Status.PUBLISHED)


def test_a_section_save_from_a_stale_editor_is_refused_and_keeps_both_texts(
    postmortem, owner, teammate
):
    opened = text_fingerprint(postmortem.summary)
    postmortem_update_section(
        postmortem=postmortem,
        section="summary",
        text="Their words.",
        base_fingerprint=opened,
        by=teammate,
    )
    with pytest.raises(SectionConflict) as conflict:
        postmortem_update_section(
            postmortem=postmortem,
            section="summary",
            text="My words.",
            base_fingerprint=opened,
            by=owner,
        )
    assert conflict.value.current_text == "Their words."
    postmortem.refresh_from_db()
    assert postmortem.summary == "Their words."


def test_two_people_writing_different_sections_do_not_conflict(postmortem, owner, teammate):
    summary_base = text_fingerprint(postmortem.summary)
    impact_base = text_fingerprint(postmortem.impact)
    postmortem_update_section(
        postmortem=postmortem,
        section="summary",
        text="New summary",
        base_fingerprint=summary_base,
        by=owner,
    )
    postmortem_update_section(
        postmortem=postmortem,
        section="impact",
        text="New impact",
        base_fingerprint=impact_base,
        by=teammate,
    )
    postmortem.refresh_from_db()
    assert (postmortem.summary, postmortem.impact) == ("New summary", "New impact")


def test_finishing_an_action_item_stamps_completion_and_reopening_clears_it(postmortem, owner):
    item = action_item_create(postmortem=postmortem, by=owner, title="Add alert", owner=owner)
    assert item.completed_at is None
    item.status = ActionItem.Status.DONE
    action_item_update(item=item, by=owner, expected_revision=0)
    assert item.completed_at is not None
    item.status = ActionItem.Status.OPEN
    action_item_update(item=item, by=owner, expected_revision=1)
    item.refresh_from_db()
    assert item.completed_at is None
    assert item.revision == 2


def test_wont_do_needs_a_reason(postmortem, owner):
    with pytest.raises(ValidationError, match="won't be done"):
        action_item_create(
            postmortem=postmortem, by=owner, title="Rewrite DNS", status=ActionItem.Status.WONT_DO
        )


def test_a_stale_action_item_edit_raises_a_conflict_and_writes_nothing(postmortem, owner):
    item = action_item_create(postmortem=postmortem, by=owner, title="Add alert")
    item.title = "Add alert on pool saturation"
    action_item_update(item=item, by=owner, expected_revision=0)
    stale = ActionItem.objects.get(pk=item.pk)
    stale.title = "Something else"
    with pytest.raises(EditConflict) as conflict:
        action_item_update(item=stale, by=owner, expected_revision=0)
    assert conflict.value.current.title == "Add alert on pool saturation"
    assert ActionItem.objects.get(pk=item.pk).title == "Add alert on pool saturation"


@pytest.mark.parametrize(
    ("due", "status", "overdue"),
    [
        (dt.date(2026, 11, 1), ActionItem.Status.OPEN, True),
        (dt.date(2026, 11, 2), ActionItem.Status.OPEN, False),
        (dt.date(2026, 11, 1), ActionItem.Status.DONE, False),
        (None, ActionItem.Status.OPEN, False),
    ],
)
def test_overdue_means_unfinished_and_due_before_today(due, status, overdue):
    item = ActionItem(due_date=due, status=status)
    assert item.is_overdue_on(dt.date(2026, 11, 2)) is overdue
