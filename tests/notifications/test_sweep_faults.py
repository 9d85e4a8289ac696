"""The reminder sweep under faults: a message that cannot be composed or stored, a
team with no lead, a digest day on which no sweep ran."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.template import TemplateSyntaxError

from postmortems.models import Incident, OutboundMessage
from postmortems.notifications import digests, reminders
from postmortems.notifications.reminders import reminders_sweep
from postmortems.notifications.tasks import send_email
from tests.factories import ActionItemFactory, UserFactory, incident_resolved_ago

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 4, 15, 0, tzinfo=dt.UTC)  # a Wednesday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _resolved_ago(team, owner, hours, **extra):
    return incident_resolved_ago(now=NOW, hours=hours, team=team, owner=owner, **extra)


def _fail_for(monkeypatch, module, recipient):
    """Composing any message to `recipient` raises, as a broken template would."""
    real = module.compose

    def compose(**kwargs):
        if kwargs["recipient"] == recipient:
            raise TemplateSyntaxError("Invalid block tag")
        return real(**kwargs)

    monkeypatch.setattr(module, "compose", compose)


# -- one bad message holds up no other ----------------------------------------------


def test_a_reminder_that_cannot_be_composed_holds_up_no_other_and_comes_back(
    monkeypatch, team, owner, teammate, caplog
):
    broken = _resolved_ago(team, owner, hours=25)
    fine = _resolved_ago(team, teammate, hours=25)
    _fail_for(monkeypatch, reminders, owner)

    result = reminders_sweep(now=NOW)

    assert [e.incident for e in result.emails] == [fine]
    assert len(result.created_ids) == 1
    assert result.skipped == [f"pm-missing:{broken.pk}:24h:{owner.pk}"]
    assert "could not be composed" in caplog.text
    broken.refresh_from_db()
    assert broken.reminder_stage == 0  # not marked reminded: the next sweep tries again
    monkeypatch.undo()
    again = reminders_sweep(now=NOW + dt.timedelta(minutes=5))
    assert [(e.incident, e.to_address) for e in again.emails] == [(broken, owner.email)]


def test_an_escalation_that_cannot_be_composed_is_tried_again_by_the_next_sweep(
    monkeypatch, team, owner, lead
):
    incident = _resolved_ago(team, owner, hours=73)
    _fail_for(monkeypatch, reminders, lead)
    assert [e.kind for e in reminders_sweep(now=NOW).emails] == ["pm_missing"]
    incident.refresh_from_db()
    assert incident.reminder_stage < 2  # not escalated: still due
    monkeypatch.undo()
    assert [(e.kind, e.to_address) for e in reminders_sweep(now=NOW).emails] == [
        ("pm_escalation", lead.email)
    ]


def test_a_digest_that_cannot_be_composed_holds_up_no_other(monkeypatch, postmortem):
    first, second = UserFactory(), UserFactory()
    for user in (first, second):
        ActionItemFactory(postmortem=postmortem, owner=user, due_date=dt.date(2026, 11, 1))
    _fail_for(monkeypatch, digests, first)

    result = reminders_sweep(now=NOW)

    assert [e.to_address for e in result.emails if e.kind == "action_digest"] == [second.email]
    assert result.skipped == [f"digest:{first.pk}:2026-11-04"]
    monkeypatch.undo()
    later = reminders_sweep(now=NOW + dt.timedelta(minutes=5)).emails
    assert [e.to_address for e in later if e.kind == "action_digest"] == [first.email]


def test_a_row_the_database_refuses_is_skipped_and_the_others_are_stored(
    monkeypatch, team, owner, teammate, caplog
):
    """The insert of one row fails inside the database (on PostgreSQL that aborts the
    transaction): the sweep stores the others, each in a savepoint of its own."""
    refused = _resolved_ago(team, owner, hours=25)
    stored = _resolved_ago(team, teammate, hours=25)
    real = reminders.outbox_add

    def outbox_add(emails):
        if any(e.incident == refused for e in emails):
            with connection.cursor() as cursor:
                cursor.execute("SELECT no_such_column FROM postmortems_outboundemail")
        return real(emails)

    monkeypatch.setattr(reminders, "outbox_add", outbox_add)
    result = reminders_sweep(now=NOW)

    assert list(OutboundMessage.objects.values_list("incident", flat=True)) == [stored.pk]
    assert result.skipped == [f"pm-missing:{refused.pk}:24h:{owner.pk}"]
    assert "could not be stored" in caplog.text
    assert Incident.objects.get(pk=refused.pk).reminder_stage == 0
    assert Incident.objects.get(pk=stored.pk).reminder_stage == 1
    monkeypatch.undo()
    assert [e.incident for e in reminders_sweep(now=NOW).emails] == [refused]


# -- a team with no lead ---------------------------------------------------------------


def test_an_escalation_reaches_active_staff_when_the_team_has_no_lead(team, owner):
    staff = UserFactory(is_staff=True, display_name="Sam Staff")
    UserFactory(is_staff=True, is_active=False)
    UserFactory()  # neither staff nor lead
    incident = _resolved_ago(team, owner, hours=73)

    emails = reminders_sweep(now=NOW).emails

    assert sorted((e.kind, e.to_address) for e in emails) == [
        ("pm_escalation", staff.email),
        ("pm_missing", owner.email),
    ]
    escalation = next(e for e in emails if e.kind == "pm_escalation")
    assert escalation.dedup_key == f"pm-missing:{incident.pk}:72h:{staff.pk}"
    assert "Platform has no team lead, and you look after this site" in escalation.body_text
    assert Incident.objects.get(pk=incident.pk).reminder_stage == 2


def test_a_restricted_incident_escalates_only_to_staff_who_may_see_it(team, owner):
    UserFactory(is_staff=True)  # may not see restricted incidents
    superuser = UserFactory(is_staff=True, is_superuser=True)
    _resolved_ago(team, owner, hours=73, restricted=True)
    emails = reminders_sweep(now=NOW).emails
    assert [e.to_address for e in emails if e.kind == "pm_escalation"] == [superuser.email]


def test_with_no_lead_and_no_staff_the_escalation_goes_to_the_admins(
    settings, team, owner, mailoutbox
):
    settings.ADMINS = [("Site operators", "ops@example.com")]
    incident = _resolved_ago(team, owner, hours=73)

    emails = reminders_sweep(now=NOW).emails
    [escalation] = [e for e in emails if e.kind == "pm_escalation"]

    assert escalation.to_address == "ops@example.com"
    assert escalation.recipient is None
    assert escalation.dedup_key == f"pm-missing:{incident.pk}:72h:admin:ops@example.com"
    send_email.apply(args=(OutboundMessage.objects.get(dedup_key=escalation.dedup_key).pk,))
    assert [m.to for m in mailoutbox] == [["ops@example.com"]]
    assert reminders_sweep(now=NOW + dt.timedelta(hours=1)).emails == []


def test_with_nobody_to_escalate_to_the_log_says_so(settings, team, owner, caplog):
    settings.ADMINS = []
    incident = _resolved_ago(team, owner, hours=73)
    assert [e.kind for e in reminders_sweep(now=NOW).emails] == ["pm_missing"]
    assert f"{incident} has no lead, owner or staff to remind" in caplog.text


def test_an_incident_with_no_owner_and_no_lead_reminds_staff_at_24_hours(team):
    staff = UserFactory(is_staff=True)
    _resolved_ago(team, None, hours=25)
    assert [(e.kind, e.to_address) for e in reminders_sweep(now=NOW).emails] == [
        ("pm_missing", staff.email)
    ]


# -- a digest day that no sweep reached ------------------------------------------------


def _utc(*args):
    return dt.datetime(*args).replace(tzinfo=dt.UTC)


def _action_digests(now):
    return [e for e in reminders_sweep(now=now).emails if e.kind == "action_digest"]


@pytest.fixture
def berliner(postmortem):
    user = UserFactory(time_zone="Europe/Berlin", digest_hour=9)
    ActionItemFactory(postmortem=postmortem, owner=user, due_date=dt.date(2026, 10, 20))
    return user


def test_a_digest_day_no_sweep_reached_is_sent_late_once_under_its_own_date(berliner):
    assert len(_action_digests(_utc(2026, 10, 22, 8, 0))) == 1  # Thursday 10:00 in Berlin
    # No sweep ran on Friday (the workers were down). Saturday noon:
    [late] = _action_digests(_utc(2026, 10, 24, 10, 0))
    assert late.dedup_key == f"digest:{berliner.pk}:2026-10-23"
    assert _action_digests(_utc(2026, 10, 24, 10, 5)) == []
    assert _action_digests(_utc(2026, 10, 25, 10, 0)) == []  # Sunday
    [monday] = _action_digests(_utc(2026, 10, 26, 8, 0))  # Monday 09:00 CET
    assert monday.dedup_key == f"digest:{berliner.pk}:2026-10-26"


def test_a_missed_digest_day_is_caught_up_before_the_next_days_hour(berliner):
    reminders_sweep(now=_utc(2026, 10, 20, 6, 0))  # Tuesday 08:00: before the hour
    # Down from then on. Wednesday 07:00 in Berlin, before Wednesday's own hour:
    [late] = _action_digests(_utc(2026, 10, 21, 5, 0))
    assert late.dedup_key == f"digest:{berliner.pk}:2026-10-20"


def test_only_the_latest_missed_digest_day_is_caught_up(berliner):
    reminders_sweep(now=_utc(2026, 10, 19, 6, 0))  # Monday 08:00 in Berlin, before the hour
    # Down Monday to Friday; back on Saturday: Friday's digest only, not five.
    digests_sent = _action_digests(_utc(2026, 10, 24, 10, 0))
    assert [e.dedup_key for e in digests_sent] == [f"digest:{berliner.pk}:2026-10-23"]


def test_a_day_with_sweeps_and_nothing_to_say_is_not_caught_up_later(postmortem):
    user = UserFactory(time_zone="Europe/Berlin", digest_hour=9)
    assert _action_digests(_utc(2026, 10, 23, 8, 0)) == []  # Friday: nothing of theirs due
    ActionItemFactory(postmortem=postmortem, owner=user, due_date=dt.date(2026, 10, 20))
    assert _action_digests(_utc(2026, 10, 24, 10, 0)) == []  # Saturday: no digest day


def test_a_missed_weekly_lead_digest_is_sent_later_that_week(team, lead, owner, postmortem):
    ActionItemFactory(
        postmortem=postmortem, owner=owner, due_date=dt.date(2026, 10, 30)
    )  # overdue, on a Platform incident
    reminders_sweep(now=_utc(2026, 11, 1, 12, 0))  # Sunday
    # Nothing ran on Monday. Tuesday:
    [late] = [
        e for e in reminders_sweep(now=_utc(2026, 11, 3, 12, 0)).emails if e.kind == "lead_digest"
    ]
    assert late.dedup_key == f"lead-digest:{team.pk}:{lead.pk}:2026-W45"
    assert [
        e for e in reminders_sweep(now=_utc(2026, 11, 4, 12, 0)).emails if e.kind == "lead_digest"
    ] == []
