"""The reminder sweep: who gets what, when, and never twice. Tasks run explicitly."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command

from accounts.models import Membership
from postmortems.models import OutboundMessage
from postmortems.notifications.reminders import reminders_sweep
from postmortems.notifications.tasks import dispatch_outbox, send_email, sweep_reminders
from postmortems.services.postmortems import postmortem_start
from tests.factories import IncidentFactory, MembershipFactory, incident_resolved_ago

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 4, 15, 0, tzinfo=dt.UTC)  # a Wednesday


def _resolved_ago(team, owner, hours, **extra):
    return incident_resolved_ago(now=NOW, hours=hours, team=team, owner=owner, **extra)


def _deliver_all():
    for email_id in OutboundMessage.objects.values_list("pk", flat=True):
        send_email.apply(args=(email_id,))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_the_owner_is_reminded_once_24_hours_after_resolution(frozen, team, owner, settings):
    settings.SITE_URL = "https://pm.example.com"
    incident = _resolved_ago(team, owner, hours=25, title="Checkout errors")
    sweep_reminders.apply()
    _deliver_all()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]
    assert message.subject == f"{incident.reference} needs its postmortem: Checkout errors"
    assert f"https://pm.example.com/incidents/{incident.reference}/" in message.body
    assert "was resolved 25 hours ago" in message.body
    assert f"because you own {incident.reference}" in message.body
    assert isinstance(message, EmailMultiAlternatives)
    html, mimetype = message.alternatives[0]
    assert isinstance(html, str)
    assert mimetype == "text/html"
    assert f'href="https://pm.example.com/incidents/{incident.reference}/"' in html

    sweep_reminders.apply()
    _deliver_all()
    assert len(mail.outbox) == 1
    email = OutboundMessage.objects.get()
    assert (email.status, email.attempts, email.sent_at) == ("sent", 1, NOW)


def test_nothing_is_sent_before_24_hours(frozen, team, owner):
    _resolved_ago(team, owner, hours=23)
    assert reminders_sweep(now=NOW).emails == []


def test_the_clock_runs_from_the_start_when_never_resolved(frozen, team, owner):
    IncidentFactory(
        team=team, owner=owner, status="investigating", started_at=NOW - dt.timedelta(hours=30),
        detected_at=None, mitigated_at=None, resolved_at=None,
    )  # fmt: skip
    assert [e.kind for e in reminders_sweep(now=NOW).emails] == ["pm_missing"]


def test_no_reminder_when_marked_not_needed_or_severity_not_required(frozen, team, owner, settings):
    _resolved_ago(
        team, owner, hours=30, postmortem_not_needed=True, postmortem_not_needed_reason="Drill"
    )
    sev4 = _resolved_ago(team, owner, hours=30, severity="SEV4")
    assert reminders_sweep(now=NOW).emails == []
    settings.POSTMORTEM_REQUIRED_SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert [e.incident for e in reminders_sweep(now=NOW).emails] == [sev4]


def test_no_reminder_once_the_postmortem_has_started(frozen, team, owner):
    incident = _resolved_ago(team, owner, hours=30)
    postmortem_start(incident=incident, by=owner)
    assert reminders_sweep(now=NOW).emails == []


def test_leads_get_the_escalation_at_72_hours(frozen, team, owner, lead):
    second_lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
    incident = _resolved_ago(team, owner, hours=73)
    result = reminders_sweep(now=NOW)
    sent = sorted((e.kind, e.to_address) for e in result.emails)
    # The 24-hour reminder was missed (an outage): it is caught up together.
    assert sent == sorted(
        [
            ("pm_missing", owner.email),
            ("pm_escalation", lead.email),
            ("pm_escalation", second_lead.email),
        ]
    )
    _deliver_all()
    escalation = next(m for m in mail.outbox if m.to == [lead.email])
    assert escalation.subject.startswith(
        f"Still no postmortem after 73 hours: {incident.reference}"
    )
    assert "you lead Platform" in escalation.body
    incident.refresh_from_db()
    assert incident.reminder_stage == 2
    later = reminders_sweep(now=NOW + dt.timedelta(days=30)).emails
    assert [e for e in later if e.incident == incident] == []


def test_an_incident_without_owner_reminds_the_team_leads(frozen, team, lead):
    _resolved_ago(team, None, hours=25)
    assert [e.to_address for e in reminders_sweep(now=NOW).emails] == [lead.email]


def test_a_draft_unpublished_for_7_days_reminds_its_authors(frozen, postmortem, author):
    type(postmortem).objects.filter(pk=postmortem.pk).update(created_at=NOW - dt.timedelta(days=8))
    postmortem.incident.reminder_stage = 2
    postmortem.incident.save()
    emails = reminders_sweep(now=NOW).emails
    assert [(e.kind, e.to_address) for e in emails] == [("stale_draft", author.email)]
    assert "still unpublished after 8 days" in emails[0].subject
    assert reminders_sweep(now=NOW).emails == []


def test_queries_per_sweep_do_not_grow_with_due_items(
    frozen, team, owner, lead, django_assert_num_queries
):
    def sweep_queries(count):
        for _ in range(count):
            _resolved_ago(team, owner, hours=30)
            _resolved_ago(team, owner, hours=80)
        with django_assert_num_queries(QUERIES) as captured:
            reminders_sweep(now=NOW)
        return len(captured)

    assert sweep_queries(2) == sweep_queries(10)


# the last sweep's time; incidents, leads, team webhooks, existing keys, 2 stage
# updates; stale drafts: select, authors prefetch (skipped when none), existing keys,
# update; digests: owners, leads; verification dates come (items; existing keys
# only when some are due); in a savepoint (2 statements): insert, re-select ids; the
# sweep's time. The outer transaction is not counted by Django.
# (The weekly team chat digest adds its queries on its own morning only.)
QUERIES = 18


def test_the_sweep_twice_at_the_same_moment_makes_one_email(frozen, team, owner):
    _resolved_ago(team, owner, hours=25)
    first = reminders_sweep(now=NOW)
    second = reminders_sweep(now=NOW)
    assert len(first.created_ids) == 1
    assert second.created_ids == []
    for email_id in first.created_ids * 2:  # the same task delivered twice
        send_email.apply(args=(email_id,))
    assert len(mail.outbox) == 1


def test_a_worker_that_died_while_sending_is_caught_up_once(frozen, team, owner, settings):
    _resolved_ago(team, owner, hours=25)
    [email_id] = reminders_sweep(now=NOW).created_ids
    # A worker claimed the row and was killed before sending.
    OutboundMessage.objects.filter(pk=email_id).update(
        status="sending", claimed_at=NOW - dt.timedelta(minutes=5), attempts=1
    )
    dispatch_outbox.apply()
    assert OutboundMessage.objects.get(pk=email_id).status == "sending"  # maybe still alive
    frozen.shift(dt.timedelta(seconds=settings.OUTBOX_SENDING_TIMEOUT_SECONDS))
    dispatch_outbox.apply()  # re-queues and enqueues
    send_email.apply(args=(email_id,))
    send_email.apply(args=(email_id,))
    assert len(mail.outbox) == 1
    assert OutboundMessage.objects.get(pk=email_id).attempts == 2


def test_send_reminders_runs_the_sweep_synchronously(frozen, team, owner):
    _resolved_ago(team, owner, hours=25)
    from io import StringIO

    out = StringIO()
    call_command("send_reminders", "--dry-run", stdout=out)
    assert "pm_missing" in out.getvalue()
    assert "1 email(s) would be sent." in out.getvalue()
    assert not OutboundMessage.objects.exists()
    assert mail.outbox == []

    out = StringIO()
    call_command("send_reminders", stdout=out)
    assert "1 new email(s) queued; delivery attempts: 1 sent." in out.getvalue()
    assert len(mail.outbox) == 1
    call_command("send_reminders", stdout=StringIO())
    assert len(mail.outbox) == 1


def test_reminders_sent_are_listed_on_the_incident_page(frozen, client, team, owner):
    incident = _resolved_ago(team, owner, hours=25)
    sweep_reminders.apply()
    _deliver_all()
    client.force_login(owner)
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert "Postmortem missing to Olivia Owner" in page


def test_the_due_incidents_query_is_served_by_its_partial_index(postgres, team, owner):
    from django.db import connection

    from postmortems.models import Incident
    from postmortems.notifications.reminders import incidents_due_a_reminder

    _resolved_ago(team, owner, hours=25)
    # Like production: most incidents have their review under way (stage 3).
    started = NOW - dt.timedelta(days=30)
    Incident.objects.bulk_create(
        Incident(number=10_000 + n, title=f"Old {n}", team=team, started_at=started,
                 resolved_at=started, reminder_stage=3)
        for n in range(2000)
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE postmortems_incident")
        plan = incidents_due_a_reminder(now=NOW).explain()
    # Each of these partial indexes leaves out incidents whose reviews are under way;
    # which one the planner takes depends on the statistics (at scale, bench/reminders.py
    # with 1,000,000 incidents, it is pm_incident_review_clock).
    partial = ("pm_incident_review_clock", "pm_incident_missing_review", "pm_incident_missing_all")
    assert any(name in plan for name in partial), plan
    assert "Seq Scan on postmortems_incident" not in plan, plan
