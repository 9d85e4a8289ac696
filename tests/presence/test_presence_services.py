"""Recording who is in a review's editor: one row per person, written only when
something changed or 10 s passed, ignored after 45 s, pruned when someone arrives."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from postmortems.presence.models import ReviewPresence
from postmortems.presence.selectors import people_here, presence_for
from postmortems.presence.services import (
    editable_parts,
    presence_leave,
    presence_prune,
    presence_record,
)
from postmortems.presence.tasks import prune_presence
from tests.factories import PostmortemFactory

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


def _report(postmortem, user, section=""):
    """As the view does: read the fresh rows, then record."""
    now = timezone.now()
    rows = people_here(postmortem=postmortem, now=now)
    seen = next((row for row in rows if row.user_id == user.pk), None)
    return presence_record(postmortem=postmortem, user=user, section=section, now=now, seen=seen)


def test_a_first_report_creates_the_row_and_a_second_updates_it_in_place(postmortem, owner):
    with time_machine.travel(NOON, tick=False) as clock:
        assert _report(postmortem, owner, "impact") is True
        clock.shift(3)
        assert _report(postmortem, owner, "summary") is True

    row = ReviewPresence.objects.get()
    assert (row.user, row.section, row.seen_at) == (
        owner,
        "summary",
        NOON + dt.timedelta(seconds=3),
    )


def test_the_same_report_within_ten_seconds_writes_nothing(postmortem, owner):
    with time_machine.travel(NOON, tick=False) as clock:
        _report(postmortem, owner, "impact")
        clock.shift(9)
        assert _report(postmortem, owner, "impact") is False
        assert ReviewPresence.objects.get().seen_at == NOON
        clock.shift(2)
        assert _report(postmortem, owner, "impact") is True
        assert ReviewPresence.objects.get().seen_at == NOON + dt.timedelta(seconds=11)


def test_an_unknown_section_counts_as_reading(postmortem, owner):
    with time_machine.travel(NOON, tick=False):
        _report(postmortem, owner, "<script>")
    assert ReviewPresence.objects.get().section == ""


def test_someone_not_seen_for_45_seconds_is_no_longer_here(postmortem, owner, teammate):
    with time_machine.travel(NOON, tick=False) as clock:
        _report(postmortem, owner, "impact")
        clock.shift(30)
        _report(postmortem, teammate)
        clock.shift(16)  # owner last seen 46 s ago, teammate 16 s ago

        rows = people_here(postmortem=postmortem, now=timezone.now())

    assert [row.user for row in rows] == [teammate]
    assert ReviewPresence.objects.count() == 2  # ignored, not yet deleted


def test_someone_arriving_prunes_the_stale_rows_of_that_review_only(
    postmortem, owner, teammate, lead
):
    other_review = PostmortemFactory()
    with time_machine.travel(NOON, tick=False) as clock:
        _report(postmortem, owner, "impact")
        _report(other_review, owner)
        clock.shift(20)
        _report(postmortem, teammate)
        clock.shift(30)  # owner's rows are 50 s old, teammate's 30 s
        _report(postmortem, lead)

    assert sorted(ReviewPresence.objects.values_list("postmortem_id", "user_id")) == sorted(
        [(postmortem.pk, teammate.pk), (postmortem.pk, lead.pk), (other_review.pk, owner.pk)]
    )


def test_coming_back_after_45_seconds_updates_the_old_row(postmortem, owner):
    with time_machine.travel(NOON, tick=False) as clock:
        _report(postmortem, owner, "impact")
        clock.shift(60)
        assert _report(postmortem, owner, "lessons") is True
    row = ReviewPresence.objects.get()
    assert (row.section, row.seen_at) == ("lessons", NOON + dt.timedelta(seconds=60))


def test_leaving_deletes_only_that_persons_row(postmortem, owner, teammate):
    with time_machine.travel(NOON, tick=False):
        _report(postmortem, owner, "impact")
        _report(postmortem, teammate)
    presence_leave(postmortem=postmortem, user=owner)
    assert list(ReviewPresence.objects.values_list("user_id", flat=True)) == [teammate.pk]


def test_the_prune_deletes_every_stale_row(postmortem, owner, teammate):
    other_review = PostmortemFactory()
    with time_machine.travel(NOON, tick=False) as clock:
        _report(other_review, owner)
        clock.shift(40)
        _report(postmortem, teammate)
        clock.shift(10)
        assert presence_prune(now=timezone.now()) == 1
    assert list(ReviewPresence.objects.values_list("user_id", flat=True)) == [teammate.pk]


def test_the_viewer_is_left_out_and_each_section_gets_its_slot(postmortem, owner, teammate, lead):
    with time_machine.travel(NOON, tick=False):
        _report(postmortem, owner, "impact")
        _report(postmortem, teammate, "impact")
        _report(postmortem, lead)
        rows = people_here(postmortem=postmortem, now=timezone.now())

    others, slots = presence_for(rows=rows, viewer_id=owner.pk, parts=editable_parts(postmortem))

    assert [(p.name, p.section, p.initials) for p in others] == [
        ("Lena Lead", "", "LL"),
        ("Tariq Teammate", "Impact", "TT"),
    ]
    by_name = {slot.name: [p.name for p in slot.people] for slot in slots}
    assert by_name["impact"] == ["Tariq Teammate"]
    assert by_name["summary"] == by_name["timeline"] == by_name["actions"] == []


def test_beat_prunes_the_rows_of_reviews_nobody_opens_again(settings, postmortem, owner):
    with time_machine.travel(NOON, tick=False):
        _report(postmortem, owner, "impact")
    schedule = settings.CELERY_BEAT_SCHEDULE["prune-presence"]
    assert (schedule["task"], schedule["schedule"]) == (prune_presence.name, 3600)

    with time_machine.travel(NOON + dt.timedelta(seconds=30), tick=False):
        assert prune_presence.apply().get() == 0  # still fresh
    with time_machine.travel(NOON + dt.timedelta(minutes=5), tick=False):
        assert prune_presence.apply().get() == 1
    assert not ReviewPresence.objects.exists()
