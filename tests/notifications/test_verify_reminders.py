"""The verification reminder: one email on the day, in the owner's zone, exactly once."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from postmortems.models import ActionItem, OutboundMessage
from postmortems.notifications.reminders import reminders_sweep
from postmortems.notifications.tasks import send_email
from postmortems.services.action_changes import action_item_mark_done
from postmortems.services.outcomes import (
    action_item_move_verification,
    action_item_record_outcome,
)
from tests.factories import ActionItemFactory, MembershipFactory

pytestmark = pytest.mark.django_db
# Done on Thursday Nov 12, 10:00 in Auckland (UTC+13): verify on Thursday Nov 26 there.
DONE_AT = dt.datetime(2026, 11, 11, 21, 0, tzinfo=dt.UTC)
VERIFY_ON = dt.date(2026, 11, 26)
# Nov 26, 09:00 in Auckland (the owner's digest hour) is Nov 25, 20:00 UTC.
DUE = dt.datetime(2026, 11, 25, 20, 0, tzinfo=dt.UTC)
Kind = OutboundMessage.Kind


@pytest.fixture
def kiwi(team):
    return MembershipFactory(
        team=team, user__display_name="Kiri", user__time_zone="Pacific/Auckland"
    ).user


@pytest.fixture
def done(postmortem, kiwi):
    item = ActionItemFactory(
        postmortem=postmortem,
        owner=kiwi,
        title="Alert on pool saturation",
        verification="alert",
        verification_plan="It fires in the next load test.",
    )
    with time_machine.travel(DONE_AT, tick=False):
        action_item_mark_done(item=item, by=kiwi, expected_revision=0)
    assert item.verify_on == VERIFY_ON
    return item


def _verify_emails(now):
    return [e for e in reminders_sweep(now=now).emails if e.kind == Kind.VERIFY_OUTCOME]


@pytest.mark.parametrize(
    ("moment", "sent"),
    [
        (DUE - dt.timedelta(minutes=1), False),  # 08:59 on the day in Auckland
        (DUE, True),  # 09:00 there, still Nov 25 in UTC
        (DUE + dt.timedelta(days=3), True),  # a sweep missed for days catches up
    ],
)
def test_the_owner_is_asked_on_the_day_in_their_zone(done, kiwi, moment, sent):
    emails = _verify_emails(moment)
    assert bool(emails) is sent
    if sent:
        [email] = emails
        assert email.to_address == kiwi.email
        assert email.dedup_key == f"verify:{done.code}:2026-11-26"
        assert (
            email.subject
            == f"Did it work? “Alert on pool saturation” ({done.postmortem.incident.reference})"
        )
        url = f"/postmortem/actions/{done.code}/outcome/"
        assert url in email.body_text
        assert url in email.body_html
        assert "It fires in the next load test." in email.body_text


def test_exactly_once_when_beat_ticks_twice(done, kiwi):
    first = reminders_sweep(now=DUE)
    second = reminders_sweep(now=DUE + dt.timedelta(minutes=1))
    created = OutboundMessage.objects.filter(kind=Kind.VERIFY_OUTCOME)
    assert created.count() == 1
    assert second.created_ids == []
    for email_id in first.created_ids * 2:  # and the task delivered twice
        send_email.apply(args=(email_id,))
    assert [m.to for m in mail.outbox if "Did it work?" in m.subject] == [[kiwi.email]]


def test_a_moved_date_asks_again_on_the_new_day_and_an_outcome_stops_it(done, kiwi):
    assert len(_verify_emails(DUE)) == 1
    with time_machine.travel(DUE, tick=False):
        action_item_move_verification(
            item=done, by=kiwi, verify_on=dt.date(2026, 12, 3), revision=1
        )
    assert _verify_emails(DUE + dt.timedelta(days=1)) == []
    new_day = DUE + dt.timedelta(days=7)
    assert [e.dedup_key for e in _verify_emails(new_day)] == [f"verify:{done.code}:2026-12-03"]
    with time_machine.travel(new_day, tick=False):
        action_item_record_outcome(
            item=done, outcome="worked", note="Fired at 80%.", by=kiwi, revision=2
        )
    ActionItem.objects.filter(pk=done.pk).update(verify_on=dt.date(2026, 12, 10))
    assert _verify_emails(new_day + dt.timedelta(days=7)) == []


def test_unowned_ideas_and_reopened_items_ask_nobody(postmortem, done, kiwi):
    ActionItem.objects.filter(pk=done.pk).update(owner=None)
    assert _verify_emails(DUE) == []


def test_the_weekday_digest_lists_items_awaiting_their_outcome(done, kiwi):
    # Friday Nov 27, 09:00 in Auckland: the digest lists the item, its link, its date.
    friday = DUE + dt.timedelta(days=1)
    [digest] = [e for e in reminders_sweep(now=friday).emails if e.kind == Kind.ACTION_DIGEST]
    assert digest.subject == "1 awaiting your outcome"
    assert "Done, awaiting your outcome" in digest.body_text
    assert f"/postmortem/actions/{done.code}/outcome/" in digest.body_html
    assert "verify since Thu 26 Nov" in digest.body_text


def test_the_sweep_costs_the_same_for_one_item_or_many(postmortem, kiwi, django_assert_num_queries):
    def sweep(count):
        for _ in range(count):
            item = ActionItemFactory(postmortem=postmortem, owner=kiwi)
            with time_machine.travel(DONE_AT, tick=False):
                action_item_mark_done(item=item, by=kiwi, expected_revision=0)
        OutboundMessage.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            reminders_sweep(now=DUE)
        return len(captured)

    reminders_sweep(now=DUE - dt.timedelta(hours=1))  # the incident's own stage, settled
    assert sweep(1) == sweep(8)
