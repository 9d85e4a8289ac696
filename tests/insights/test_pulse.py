"""The pulse survey after publishing: one email per participant, one anonymous answer
each, and a dashboard trend that shows nothing below 3 answers a month."""

import datetime as dt

import pytest
import time_machine
from django.db import models
from django.urls import reverse

from postmortems.insights.pulse_survey import pulse_participants
from postmortems.models import OutboundMessage, PulseAnswer, PulseParticipant
from postmortems.notifications.tasks import send_email
from postmortems.services.postmortems import postmortem_set_status
from tests.factories import (
    ActionItemFactory,
    MembershipFactory,
    TimelineEventFactory,
    complete_postmortem,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 14, 30, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def took_part(postmortem, teammate, lead):
    """The teammate owns an action item, the lead wrote a timeline event. Complete
    enough to publish; the teammate's item is its only one (items=0), so nobody else
    becomes a participant."""
    ActionItemFactory(postmortem=postmortem, owner=teammate)
    TimelineEventFactory(postmortem=postmortem, created_by=lead)
    return complete_postmortem(postmortem, items=0)


def _pulse_emails():
    return OutboundMessage.objects.filter(kind=OutboundMessage.Kind.PULSE)


def _publish(postmortem, by):
    postmortem_set_status(postmortem=postmortem, status="published", by=by)


def _answer(client, postmortem, score, comment=""):
    url = reverse("pm-pulse", args=[postmortem.incident.number])
    return client.post(url, {"score": score, "comment": comment})


def test_participants_are_authors_owner_action_owners_and_timeline_writers(
    took_part, owner, author, teammate, lead, outsider
):
    MembershipFactory(team=took_part.incident.team)  # in the team, took no part
    people = pulse_participants(took_part)
    assert {u.pk for u in people} == {owner.pk, author.pk, teammate.pk, lead.pk}


def test_people_who_cannot_see_a_restricted_incident_are_not_asked(took_part, outsider):
    took_part.incident.restricted = True
    took_part.incident.save()
    ActionItemFactory(postmortem=took_part, owner=outsider)
    assert outsider not in pulse_participants(took_part)


def test_publishing_queues_one_survey_email_per_participant_once(
    took_part, owner, author, teammate, lead, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        _publish(took_part, owner)
    assert callbacks  # the emails are handed to the workers only after commit
    postmortem_set_status(postmortem=took_part, status="draft", by=owner)
    _publish(took_part, owner)  # amendments published again ask nobody twice

    emails = _pulse_emails()
    assert sorted(e.dedup_key for e in emails) == sorted(
        f"pulse:{took_part.pk}:{u.pk}" for u in (owner, author, teammate, lead)
    )
    assert PulseParticipant.objects.filter(postmortem=took_part).count() == 4

    for pk in emails.values_list("pk", flat=True):
        send_email.apply(args=(pk,))
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        u.email for u in (owner, author, teammate, lead)
    )
    message = next(m for m in mailoutbox if m.to == [teammate.email])
    incident = took_part.incident
    assert (
        message.subject == f"One question about the review of {incident.reference} {incident.title}"
    )
    link = f"http://127.0.0.1:8000/incidents/{incident.reference}/postmortem/pulse/"
    assert "Did this review feel blameless and safe to contribute to?" in message.body
    assert link in message.body
    html, _mimetype = message.alternatives[0]
    assert f'href="{link}"' in html


def test_a_participant_answers_once_and_the_answer_carries_no_person(
    client, frozen, took_part, owner, teammate
):
    _publish(took_part, owner)
    client.force_login(teammate)
    page = client.get(reverse("pm-pulse", args=[took_part.incident.number])).content.decode()
    assert "Did this review feel blameless and safe to contribute to?" in page

    response = _answer(client, took_part, 4, "  Felt safe to say I missed the alert.  ")
    assert response.status_code == 302
    answer = PulseAnswer.objects.get()
    assert answer.team_id == took_part.incident.team_id
    assert answer.answered_on == dt.date(2026, 11, 20)
    assert answer.score == 4
    assert answer.comment == "Felt safe to say I missed the alert."
    assert PulseParticipant.objects.get(user=teammate).answered is True

    again = _answer(client, took_part, 1, "second try")
    assert "You have answered already" in again.content.decode()
    assert PulseAnswer.objects.count() == 1


def test_answers_cannot_be_joined_to_people_or_reviews():
    """No relation but the team, nothing finer than a day; the participant row has a
    flag, not a time, for having answered."""
    relations = {f.name for f in PulseAnswer._meta.get_fields() if f.is_relation}
    assert relations == {"team"}
    timestamps = [
        f.name for f in PulseAnswer._meta.get_fields() if isinstance(f, models.DateTimeField)
    ]
    assert timestamps == []
    assert PulseAnswer._meta.db_table != PulseParticipant._meta.db_table
    assert isinstance(PulseParticipant._meta.get_field("answered"), models.BooleanField)


def test_people_who_were_not_asked_cannot_answer(client, frozen, took_part, owner, outsider):
    _publish(took_part, owner)
    client.force_login(outsider)
    response = _answer(client, took_part, 5)
    assert "for the people who took part" in response.content.decode()
    assert not PulseAnswer.objects.exists()


def test_an_invalid_score_is_explained_and_stores_nothing(client, frozen, took_part, owner):
    _publish(took_part, owner)
    client.force_login(owner)
    response = _answer(client, took_part, 9)
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not PulseAnswer.objects.exists()
    assert PulseParticipant.objects.get(user=owner).answered is False


def test_the_read_view_links_to_the_survey_until_answered(client, frozen, took_part, owner):
    _publish(took_part, owner)
    client.force_login(owner)
    detail = reverse("pm-postmortem-detail", args=[took_part.incident.number])
    assert "One question about this review" in client.get(detail).content.decode()
    _answer(client, took_part, 5)
    assert "One question about this review" not in client.get(detail).content.decode()


def test_the_survey_page_costs_a_fixed_number_of_queries(
    client, frozen, took_part, owner, django_assert_num_queries
):
    _publish(took_part, owner)
    client.force_login(owner)
    # session, user, incident (+postmortem), the invitation
    with django_assert_num_queries(4):
        response = client.get(reverse("pm-pulse", args=[took_part.incident.number]))
    assert response.status_code == 200


def _answers(team, day, scores, comment=""):
    for score in scores:
        PulseAnswer.objects.create(team=team, answered_on=day, score=score, comment=comment)


def test_the_dashboard_shows_a_month_only_from_three_answers(
    client, frozen, lead, team, other_team
):
    _answers(team, dt.date(2026, 11, 3), [5, 4], comment="Too few to show")
    _answers(team, dt.date(2026, 10, 7), [5, 4, 2], comment="Safe enough")
    _answers(team, dt.date(2026, 10, 9), [], comment="")
    _answers(other_team, dt.date(2026, 10, 7), [1, 1, 1], comment="Another team's words")
    client.force_login(lead)
    response = client.get(reverse("pm-dashboard"))
    body = response.content.decode()

    (pulse,) = response.context["pulse"]
    november, october = pulse.months[0], pulse.months[1]
    assert (november.month, november.shown, november.average) == (dt.date(2026, 11, 1), False, None)
    assert (october.shown, october.average, october.count) == (True, 3.7, 3)
    assert "not enough answers yet" in body
    assert "<td>3.7</td><td>3</td>" in body
    assert pulse.comments == ["Safe enough"] * 3
    assert "Too few to show" not in body
    assert "Another team's words" not in body


def test_a_team_with_fewer_than_three_answers_a_month_shows_nothing(client, frozen, lead, team):
    _answers(team, dt.date(2026, 11, 3), [5, 5])
    _answers(team, dt.date(2026, 10, 3), [1])
    client.force_login(lead)
    response = client.get(reverse("pm-dashboard"))
    body = response.content.decode()
    assert "Not enough answers yet." in body
    assert "<td>5.0</td>" not in body
    assert not response.context["pulse"][0].any_shown
