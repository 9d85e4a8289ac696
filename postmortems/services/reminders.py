"""The reminder sweep: everything due now becomes an outbox row, exactly once.

The sweep is state-based: it looks at incidents, drafts and action items as they
are now, not at events it might have missed, so a run after a broker or worker
outage catches up on everything. Each message has a dedup key; messages whose
key exists are not composed again, and the unique key stops a concurrent sweep
(two beat ticks, two workers) from adding a second row. Every part runs a fixed
number of queries, however many messages are due.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts.models import Membership, User
from postmortems.emails import absolute_url, compose
from postmortems.models import Incident, OutboundEmail, Postmortem
from postmortems.models.incidents import ReminderStage, not_deleted
from postmortems.services.digests import action_digests, lead_digests
from postmortems.services.notifications import (
    missing_postmortem_message,
    team_digest_messages,
    team_webhooks,
)
from postmortems.services.outbox import enqueue_after_commit, outbox_add

Kind = OutboundEmail.Kind


@dataclass
class SweepResult:
    emails: list[OutboundEmail] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)


def existing_keys(keys: list[str]) -> set[str]:
    return set(OutboundEmail.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))


def reminders_sweep(*, now: datetime, dry_run: bool = False) -> SweepResult:
    """Compose every reminder and digest due at `now`; insert and enqueue the new ones.

    With dry_run, nothing is written: the result lists what would be sent.
    """
    with transaction.atomic():
        emails = [
            *missing_postmortem_reminders(now=now, record=not dry_run),
            *stale_draft_reminders(now=now, record=not dry_run),
            *action_digests(now=now, existing_keys=existing_keys),
            *lead_digests(now=now, existing_keys=existing_keys),
            *team_digest_messages(now=now, existing_keys=existing_keys),
        ]
        if dry_run:
            transaction.set_rollback(True)
            return SweepResult(emails=emails)
        for email in emails:
            email.created_at = email.next_attempt_at = now
        created = outbox_add(emails)
        enqueue_after_commit(created)
    return SweepResult(emails=emails, created_ids=created)


def _team_leads(team_ids: set[int]) -> dict[int, list[User]]:
    leads: dict[int, list[User]] = {}
    memberships = Membership.objects.filter(
        team_id__in=team_ids, role=Membership.Role.LEAD, user__is_active=True
    ).select_related("user")
    for membership in memberships:
        leads.setdefault(membership.team_id, []).append(membership.user)
    return leads


def incidents_due_a_reminder(*, now: datetime) -> QuerySet[Incident]:
    """Served by the partial index pm_incident_review_clock (see the Incident model)."""
    return (
        Incident.objects.annotate(clock=Coalesce("resolved_at", "started_at"))
        .filter(
            reminder_stage__lt=ReminderStage.ESCALATED,
            postmortem_not_needed=False,
            severity__in=settings.POSTMORTEM_REQUIRED_SEVERITIES,
            clock__lte=now - timedelta(hours=settings.POSTMORTEM_DUE_HOURS),
        )
        .annotate(has_postmortem=Exists(Postmortem.objects.filter(incident=OuterRef("pk"))))
        .select_related("team", "owner")
    )


def missing_postmortem_reminders(*, now: datetime, record: bool) -> list[OutboundEmail]:
    """24 h after resolution (or start) with no postmortem: remind the owner.
    At 72 h: escalate to the owning team's leads. Stages keep the index small."""
    due_hours = settings.POSTMORTEM_DUE_HOURS
    escalation_hours = settings.POSTMORTEM_ESCALATION_HOURS
    incidents = list(incidents_due_a_reminder(now=now))
    leads = _team_leads({incident.team_id for incident in incidents})
    hooks = team_webhooks(team_ids={incident.team_id for incident in incidents}, flag="missing")
    planned: list[tuple[str, Kind, User, Incident, int]] = []
    chat: list[OutboundEmail] = []  # team webhook messages, alongside the 24-hour reminder
    reminded, escalated, started = [], [], []
    for incident in incidents:
        if incident.has_postmortem:
            started.append(incident.pk)
            continue
        team_leads = leads.get(incident.team_id, [])
        owners = [incident.owner] if incident.owner and incident.owner.is_active else team_leads
        for user in owners:
            key = f"pm-missing:{incident.pk}:{due_hours}h:{user.pk}"
            planned.append((key, Kind.POSTMORTEM_MISSING, user, incident, due_hours))
        if (hook := hooks.get(incident.team_id)) and not incident.restricted:
            chat.append(
                missing_postmortem_message(incident=incident, hook=hook, hours=due_hours, now=now)
            )
        if incident.clock <= now - timedelta(hours=escalation_hours):
            for user in team_leads:
                key = f"pm-missing:{incident.pk}:{escalation_hours}h:{user.pk}"
                planned.append((key, Kind.POSTMORTEM_ESCALATION, user, incident, escalation_hours))
            escalated.append(incident.pk)
        elif incident.reminder_stage < ReminderStage.REMINDED:
            reminded.append(incident.pk)
    if record:
        Incident.objects.filter(pk__in=reminded, reminder_stage__lt=ReminderStage.REMINDED).update(
            reminder_stage=ReminderStage.REMINDED
        )
        Incident.objects.filter(
            pk__in=escalated, reminder_stage__lt=ReminderStage.ESCALATED
        ).update(reminder_stage=ReminderStage.ESCALATED)
        Incident.objects.filter(pk__in=started).update(reminder_stage=ReminderStage.REVIEW_STARTED)
    sent = existing_keys([key for key, *_rest in planned] + [m.dedup_key for m in chat])
    return [
        *(
            _incident_email(key, kind, user, incident, now)
            for key, kind, user, incident, _hours in planned
            if key not in sent
        ),
        *(message for message in chat if message.dedup_key not in sent),
    ]


def _incident_email(key: str, kind: Kind, user: User, incident: Incident, now: datetime):
    if kind == Kind.POSTMORTEM_MISSING:
        reason = (
            f"You get this because you own {incident.reference}."
            if incident.owner_id == user.pk
            else f"You get this because you lead {incident.team.name} and "
            f"{incident.reference} has no owner."
        )
    else:
        reason = (
            f"You get this because you lead {incident.team.name}, which owns {incident.reference}."
        )
    return compose(
        kind=kind,
        recipient=user,
        dedup_key=key,
        reason=reason,
        incident=incident,
        context={
            "incident": incident,
            "clock": incident.clock,
            "elapsed_hours": int((now - incident.clock).total_seconds() // 3600),
            "due_hours": settings.POSTMORTEM_DUE_HOURS,
            "incident_url": absolute_url(reverse("pm-incident-detail", args=[incident.number])),
        },
    )


def stale_draft_reminders(*, now: datetime, record: bool) -> list[OutboundEmail]:
    """A postmortem still unpublished STALE_DRAFT_DAYS after it was started: tell its authors."""
    days = settings.STALE_DRAFT_DAYS
    postmortems = list(
        Postmortem.objects.filter(
            not_deleted("incident__"),
            stale_reminder_sent=False,
            created_at__lte=now - timedelta(days=days),
        )
        .exclude(status=Postmortem.Status.PUBLISHED)
        .select_related("incident__team", "incident__owner")
        .prefetch_related("authors")
    )
    planned = []
    for postmortem in postmortems:
        recipients = [a for a in postmortem.authors.all() if a.is_active]
        if not recipients and postmortem.incident.owner:
            recipients = [postmortem.incident.owner]
        planned += [
            (f"stale-draft:{postmortem.pk}:{user.pk}", user, postmortem) for user in recipients
        ]
    if record:
        Postmortem.objects.filter(pk__in=[p.pk for p in postmortems]).update(
            stale_reminder_sent=True
        )
    sent = existing_keys([key for key, _user, _pm in planned])
    return [
        compose(
            kind=Kind.STALE_DRAFT,
            recipient=user,
            dedup_key=key,
            reason="You get this because you are an author of this postmortem.",
            incident=postmortem.incident,
            postmortem=postmortem,
            context={
                "postmortem": postmortem,
                "incident": postmortem.incident,
                "days": (now - postmortem.created_at).days,
                "editor_url": absolute_url(
                    reverse("pm-postmortem-edit", args=[postmortem.incident.number])
                ),
            },
        )
        for key, user, postmortem in planned
        if key not in sent
    ]
