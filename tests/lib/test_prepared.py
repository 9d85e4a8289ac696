"""Statements compiled once per process (lib/prepared.py) give what their querysets give."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef

from accounts.models import Membership, User
from lib.prepared import Prepared, attach
from postmortems.models import ActionItem, Incident, Postmortem, TimelineEvent
from postmortems.models.incidents import Severity
from tests.factories import (
    BASE_TIME,
    ActionItemFactory,
    IncidentFactory,
    MembershipFactory,
    PostmortemFactory,
    TimelineEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _items(postmortem: int):
    return (
        ActionItem.objects.filter(postmortem=postmortem)
        .select_related("owner")
        .only("title", "postmortem_id", "owner__display_name")
        .order_by("title")
    )


def test_rows_and_joined_models_are_the_querysets_for_each_value(django_assert_num_queries):
    first, second = PostmortemFactory(), PostmortemFactory()
    for postmortem, titles in ((first, "bca"), (second, "yx")):
        for title in titles:
            ActionItemFactory(postmortem=postmortem, title=title)
    items = Prepared(_items)

    for postmortem in (first, second, first):
        expected = list(_items(postmortem.pk))
        with django_assert_num_queries(1):
            got = items(postmortem=postmortem.pk)
            shown = [(item.title, item.owner.display_name) for item in got]
        assert shown == [(item.title, item.owner.display_name) for item in expected]
        assert [item.pk for item in got] == [item.pk for item in expected]
        assert got
        assert all(item.postmortem_id == postmortem.pk for item in got)
    # A deferred column is still read when asked for, as the queryset's would be.
    with django_assert_num_queries(1):
        plan = got[0].verification_plan
    assert plan == ActionItem.objects.get(pk=got[0].pk).verification_plan


def test_it_is_built_and_compiled_once(monkeypatch):
    postmortem = PostmortemFactory()
    builds = []

    def build(postmortem: int):
        builds.append(postmortem)
        return TimelineEvent.objects.filter(postmortem=postmortem)

    events = Prepared(build)
    for _ in range(3):
        assert events(postmortem=postmortem.pk) == []
    TimelineEventFactory(postmortem=postmortem)
    assert len(events(postmortem=postmortem.pk)) == 1
    assert len(builds) == 1  # with its stand-in, not a real value
    assert builds[0] != postmortem.pk


def test_a_value_used_several_times_is_put_in_every_place():
    member, author, stranger = UserFactory(), UserFactory(), UserFactory()
    postmortem = PostmortemFactory()
    MembershipFactory(user=member, team=postmortem.incident.team)
    postmortem.authors.add(author)

    def may_edit(user: int, team: int, incident: int):
        in_team = Membership.objects.filter(user=user, team=team)
        authored = Postmortem.authors.through.objects.filter(
            user=OuterRef("pk"), postmortem__incident=incident
        )
        return User.objects.filter(pk=user).filter(Exists(in_team) | Exists(authored))

    statement = Prepared(may_edit)
    incident = postmortem.incident
    answers = {
        person.display_name: bool(
            statement(user=person.pk, team=incident.team_id, incident=incident.pk)
        )
        for person in (member, author, stranger)
    }
    assert answers == {
        member.display_name: True,
        author.display_name: True,
        stranger.display_name: False,
    }


def test_values_and_slices_come_out_as_the_querysets():
    postmortem = PostmortemFactory()
    events = [TimelineEventFactory(postmortem=postmortem) for _ in range(3)]
    first_two = Prepared(
        lambda postmortem: (
            TimelineEvent.objects.filter(postmortem=postmortem)
            .order_by("occurred_at")
            .values_list("pk", flat=True)[:2]
        )
    )
    assert first_two(postmortem=postmortem.pk) == [event.pk for event in events[:2]]
    assert first_two(postmortem=PostmortemFactory().pk) == []


def test_a_number_beyond_a_column_finds_nothing_rather_than_failing():
    incident = IncidentFactory()
    statement = Prepared(lambda number: Incident.objects.filter(number=number))
    assert statement(number=incident.number) == [incident]
    for number in (2**31, 2**63, 10**30):  # from outside, as in a JSON body
        # As the queryset answers (PostgreSQL would refuse the value as a parameter).
        assert statement(number=number) == list(Incident.objects.filter(number=number)) == []


def test_a_text_value_is_put_in_place_as_text():
    sev1, sev2 = (IncidentFactory(severity=s) for s in ("SEV1", "SEV2"))

    def of_severity(severity: str):
        return Incident.objects.filter(severity=severity).values_list("pk", flat=True)

    statement = Prepared(of_severity)
    assert statement(severity=Severity.SEV2) == [sev2.pk]
    assert statement(severity="SEV1") == [sev1.pk]
    assert statement(severity="SEV4") == []
    with pytest.raises(TypeError, match="severity must be str, not int"):
        statement(severity=1)


def test_a_moment_is_put_in_place_as_the_database_takes_it():
    postmortem = PostmortemFactory()
    at = [BASE_TIME + dt.timedelta(minutes=m) for m in (0, 30, 90)]
    events = [TimelineEventFactory(postmortem=postmortem, occurred_at=when) for when in at]

    def between(postmortem: int, since: dt.datetime, until: dt.datetime):
        return TimelineEvent.objects.filter(
            postmortem=postmortem, occurred_at__gte=since, occurred_at__lt=until
        ).values_list("pk", flat=True)

    statement = Prepared(between)
    berlin = ZoneInfo("Europe/Berlin")  # the same instants, written in another zone
    assert statement(postmortem=postmortem.pk, since=at[0], until=at[2]) == [
        events[0].pk,
        events[1].pk,
    ]
    since, until = at[1].astimezone(berlin), (at[2] + dt.timedelta(seconds=1)).astimezone(berlin)
    assert statement(postmortem=postmortem.pk, since=since, until=until) == [
        events[1].pk,
        events[2].pk,
    ]
    with pytest.raises(TypeError, match="since must be datetime, not str"):
        statement(postmortem=postmortem.pk, since="2026-11-02", until=at[2])


def test_an_argument_that_is_not_a_value_of_the_statement_is_refused():
    statement = Prepared(lambda postmortem: TimelineEvent.objects.all())
    with pytest.raises(ImproperlyConfigured, match="postmortem is not a value of the statement"):
        statement(postmortem=1)


def test_values_must_be_ids_and_all_given():
    statement = Prepared(lambda postmortem: TimelineEvent.objects.filter(postmortem=postmortem))
    with pytest.raises(TypeError, match="postmortem must be int, not str"):
        statement(postmortem="1")
    with pytest.raises(TypeError, match="expected values for postmortem"):
        statement()


def test_attached_rows_are_the_relation_and_anything_else_is_still_read(
    django_assert_num_queries,
):
    postmortem = PostmortemFactory()
    author, other = UserFactory(display_name="Ana"), UserFactory(display_name="Bo")
    postmortem.authors.add(author, other)
    kept = TimelineEventFactory(postmortem=postmortem, kind=TimelineEvent.Kind.DETECTION)
    TimelineEventFactory(postmortem=postmortem, kind=TimelineEvent.Kind.ACTION)
    reread = Postmortem.objects.get(pk=postmortem.pk)
    attach(reread, "timeline_events", TimelineEvent.objects.filter(postmortem=postmortem))
    attach(reread, "authors", [author])  # what was read, even if the table says more

    with django_assert_num_queries(0):
        events = list(reread.timeline_events.all())
        assert len(events) == 2
        assert all(event.postmortem is reread for event in events)
        assert [person.display_name for person in reread.authors.all()] == ["Ana"]
    # A question beyond the rows kept is asked of the database, about this review.
    with django_assert_num_queries(1):
        detection = list(reread.timeline_events.filter(kind=TimelineEvent.Kind.DETECTION))
    assert detection == [kept]
