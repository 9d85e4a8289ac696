"""The reminder sweep: everything due now becomes an outbox row, exactly once.

The sweep is state-based: it looks at incidents, drafts and action items as they
are now, not at events it might have missed, so a run after a broker or worker
outage catches up on everything. Each message has a dedup key; messages whose
key exists are not composed again, and the unique key stops a concurrent sweep
(two beat ticks, two workers) from adding a second row. Every part runs a fixed
number of queries, however many messages are due.

One bad message does not hold up the others: each is composed on its own (an
exception is logged and that message skipped), and if inserting the batch fails,
each row is inserted in a savepoint of its own (`_insert_each`). A skipped message
leaves no row and no stage change behind, so the next sweep tries it again.

An incident whose team has no active lead escalates to staff instead
(`_fallback_recipients`), so an escalation always reaches someone.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from accounts.models import Membership, User
from postmortems.models.incidents import Incident, ReminderStage, not_deleted, review_clock
from postmortems.models.reviews import Postmortem
from postmortems.notifications.chat_messages import (
    missing_postmortem_message,
    team_digest_messages,
    team_webhooks,
)
from postmortems.notifications.digests import action_digests, lead_digests
from postmortems.notifications.emails import absolute_url, compose
from postmortems.notifications.models import OutboundMessage, ReminderSweepRecord
from postmortems.notifications.outbox import enqueue_after_commit, outbox_add
from postmortems.notifications.verify_reminders import verification_reminders

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

Kind = OutboundMessage.Kind
logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    emails: list[OutboundMessage] = field(default_factory=list)
    created_ids: list[int] = field(default_factory=list)
    # Dedup keys of the messages that could not be composed or inserted this time.
    skipped: list[str] = field(default_factory=list)


def existing_keys(keys: list[str]) -> set[str]:
    return set(
        OutboundMessage.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True)
    )


def reminders_sweep(*, now: datetime, dry_run: bool = False) -> SweepResult:
    """Compose every reminder and digest due at `now`; insert and enqueue the new ones.

    With dry_run, nothing is written: the result lists what would be sent.
    """
    skipped: list[str] = []
    with transaction.atomic():
        last_sweep = ReminderSweepRecord.objects.values_list("swept_at", flat=True).first()
        digest = {"now": now, "existing_keys": existing_keys, "last_sweep": last_sweep}
        missing, record_missing = missing_postmortem_reminders(now=now, skipped=skipped)
        stale, record_stale = stale_draft_reminders(now=now, skipped=skipped)
        emails = [
            *missing,
            *stale,
            *_each(action_digests, skipped, **digest),
            *_each(lead_digests, skipped, **digest),
            *_each(team_digest_messages, skipped, **digest),
            *_each(verification_reminders, skipped, now=now, existing_keys=existing_keys),
        ]
        if dry_run:
            transaction.set_rollback(True)
            return SweepResult(emails=emails, skipped=skipped)
        for email in emails:
            email.created_at = email.next_attempt_at = now
        created = _insert_each(emails, skipped)
        record_missing(set(skipped))
        record_stale(set(skipped))
        _record_sweep(now)
        enqueue_after_commit(created)
    return SweepResult(emails=emails, created_ids=created, skipped=skipped)


def compose_or_skip(
    key: str, skipped: list[str], build: Callable[[], OutboundMessage | None]
) -> OutboundMessage | None:
    """One message, composed on its own: an error (a template, a bad row) is logged and
    the message skipped, to be tried again by the next sweep.

    Composing reads no rows (each part loads them first). A database error here would
    have aborted the transaction on PostgreSQL, so it is not skipped but raised."""
    try:
        return build()
    except DatabaseError:
        raise
    except Exception:
        logger.exception("Reminder %s could not be composed; the next sweep tries again.", key)
        skipped.append(key)
        return None


def _each(part, skipped: list[str], **kwargs) -> list[OutboundMessage]:
    """A digest part whose messages are composed one by one through `compose_or_skip`."""
    composed = part(**kwargs, compose_each=lambda key, build: compose_or_skip(key, skipped, build))
    return [email for email in composed if email is not None]


def _insert_each(emails: list[OutboundMessage], skipped: list[str]) -> list[int]:
    """Insert the batch in one statement; if that fails (a row the database refuses),
    insert each row in a savepoint of its own and skip the ones refused."""
    try:
        with transaction.atomic():
            return outbox_add(emails)
    except DatabaseError:
        logger.exception("Inserting %s reminders failed; inserting them one by one.", len(emails))
    created: list[int] = []
    for email in emails:
        try:
            with transaction.atomic():
                created += outbox_add([email])
        except DatabaseError:
            logger.exception("Reminder %s could not be stored; skipped.", email.dedup_key)
            skipped.append(email.dedup_key)
    return created


def _record_sweep(now: datetime) -> None:
    """Remember when the sweep last finished, for missed digests (one upsert)."""
    ReminderSweepRecord.objects.bulk_create(
        [ReminderSweepRecord(id=1, swept_at=now)],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["swept_at"],
    )


def _team_leads(team_ids: set[int]) -> dict[int, list[User]]:
    leads: dict[int, list[User]] = {}
    memberships = Membership.objects.filter(
        team_id__in=team_ids, role=Membership.Role.LEAD, user__is_active=True
    ).select_related("user")
    for membership in memberships:
        leads.setdefault(membership.team_id, []).append(membership.user)
    return leads


class _Staff:
    """Active staff and superusers, read once per sweep and only if a team has no lead."""

    def __init__(self) -> None:
        self._people: list[User] | None = None

    def for_incident(self, incident: Incident) -> list[User]:
        """Who hears of an incident whose team has no active lead: staff who may see it
        (only superusers see a restricted one, postmortems/permissions.py), or else the
        ADMINS addresses (as unsaved users: the row then has no recipient)."""
        if self._people is None:
            self._people = list(
                User.objects.filter(Q(is_staff=True) | Q(is_superuser=True), is_active=True)
            )
        people = [u for u in self._people if u.is_superuser or not incident.restricted]
        people = people or [
            User(email=address, display_name=name, time_zone=settings.TIME_ZONE)
            for name, address in settings.ADMINS
        ]
        if not people:
            logger.warning(
                "%s has no lead, owner or staff to remind, and ADMINS is empty.", incident
            )
        return people


class _DueReminder(TypedDict):
    clock: datetime
    has_postmortem: bool


if TYPE_CHECKING:
    DueIncident = WithAnnotations[Incident, _DueReminder]


def incidents_due_a_reminder(*, now: datetime) -> "QuerySet[DueIncident]":
    """Served by the partial index pm_incident_review_clock (see the Incident model)."""
    return (
        Incident.objects.annotate(clock=review_clock())
        .filter(
            reminder_stage__lt=ReminderStage.ESCALATED,
            postmortem_not_needed=False,
            severity__in=settings.POSTMORTEM_REQUIRED_SEVERITIES,
            clock__lte=now - timedelta(hours=settings.POSTMORTEM_DUE_HOURS),
        )
        .annotate(has_postmortem=Exists(Postmortem.objects.filter(incident=OuterRef("pk"))))
        .select_related("team", "owner")
    )


Record = Callable[[set[str]], None]


def missing_postmortem_reminders(
    *, now: datetime, skipped: list[str]
) -> tuple[list[OutboundMessage], Record]:
    """24 h after resolution (or start) with no postmortem: remind the owner.
    At 72 h: escalate to the owning team's leads (staff, if it has none). Stages keep
    the index small; the returned function records them once the rows are stored,
    except for incidents with a message skipped (`skipped` keys), so those come back."""
    due_hours = settings.POSTMORTEM_DUE_HOURS
    escalation_hours = settings.POSTMORTEM_ESCALATION_HOURS
    incidents = list(incidents_due_a_reminder(now=now))
    leads = _team_leads({incident.team_id for incident in incidents})
    hooks = team_webhooks(team_ids={incident.team_id for incident in incidents}, flag="missing")
    staff = _Staff()
    planned: list[tuple[str, Kind, User, DueIncident, str]] = []
    chat: list[OutboundMessage] = []  # team webhook messages, alongside the 24-hour reminder
    keys: dict[int, list[str]] = {}  # incident -> its messages' keys
    reminded, escalated, started = [], [], []
    for incident in incidents:
        if incident.has_postmortem:
            started.append(incident.pk)
            continue
        team = incident.team.name
        team_leads = leads.get(incident.team_id, [])
        lead_reason = f"you lead {team} and {incident.reference} has no owner"
        if incident.owner and incident.owner.is_active:
            owners = [(incident.owner, f"you own {incident.reference}")]
        elif team_leads:
            owners = [(user, lead_reason) for user in team_leads]
        else:
            owners = _staff_reasons(staff.for_incident(incident), team)
        for user, reason in owners:
            key = f"pm-missing:{incident.pk}:{due_hours}h:{_recipient_key(user)}"
            planned.append((key, Kind.POSTMORTEM_MISSING, user, incident, reason))
        if (hook := hooks.get(incident.team_id)) and not incident.restricted:
            chat.append(
                missing_postmortem_message(incident=incident, hook=hook, hours=due_hours, now=now)
            )
            keys[incident.pk] = [chat[-1].dedup_key]
        if incident.clock <= now - timedelta(hours=escalation_hours):
            escalate = [
                (user, f"you lead {team}, which owns {incident.reference}") for user in team_leads
            ]
            for user, reason in escalate or _staff_reasons(staff.for_incident(incident), team):
                key = f"pm-missing:{incident.pk}:{escalation_hours}h:{_recipient_key(user)}"
                planned.append((key, Kind.POSTMORTEM_ESCALATION, user, incident, reason))
            escalated.append(incident.pk)
        elif incident.reminder_stage < ReminderStage.REMINDED:
            reminded.append(incident.pk)
    for key, _kind, _user, incident, _reason in planned:
        keys.setdefault(incident.pk, []).append(key)
    sent = existing_keys([key for key, *_rest in planned] + [m.dedup_key for m in chat])
    emails = [
        compose_or_skip(
            key, skipped, partial(_incident_email, key, kind, user, incident, reason, now)
        )
        for key, kind, user, incident, reason in planned
        if key not in sent
    ]

    def record(failed: set[str]) -> None:
        def done(pks: list[int]) -> list[int]:
            return [pk for pk in pks if not failed.intersection(keys.get(pk, []))]

        Incident.objects.filter(
            pk__in=done(reminded), reminder_stage__lt=ReminderStage.REMINDED
        ).update(reminder_stage=ReminderStage.REMINDED)
        Incident.objects.filter(
            pk__in=done(escalated), reminder_stage__lt=ReminderStage.ESCALATED
        ).update(reminder_stage=ReminderStage.ESCALATED)
        Incident.objects.filter(pk__in=started).update(reminder_stage=ReminderStage.REVIEW_STARTED)

    return [
        *(email for email in emails if email is not None),
        *(message for message in chat if message.dedup_key not in sent),
    ], record


def _staff_reasons(people: list[User], team: str) -> list[tuple[User, str]]:
    return [(user, f"{team} has no team lead, and you look after this site") for user in people]


def _recipient_key(user: User) -> str:
    """A user's id; an ADMINS address (an unsaved user) by its address."""
    return str(user.pk) if user.pk else f"admin:{user.email}"


def _incident_email(
    key: str, kind: Kind, user: User, incident: "DueIncident", reason: str, now: datetime
) -> OutboundMessage:
    email = compose(
        kind=kind,
        recipient=user,
        dedup_key=key,
        reason=f"You get this because {reason}.",
        incident=incident,
        context={
            "incident": incident,
            "clock": incident.clock,
            "elapsed_hours": int((now - incident.clock).total_seconds() // 3600),
            "due_hours": settings.POSTMORTEM_DUE_HOURS,
            "incident_url": absolute_url(reverse("pm-incident-detail", args=[incident.number])),
        },
    )
    if user.pk is None:
        email.recipient = None  # an ADMINS address: no account to link the row to
    return email


def stale_draft_reminders(
    *, now: datetime, skipped: list[str]
) -> tuple[list[OutboundMessage], Record]:
    """A postmortem still unpublished STALE_DRAFT_DAYS after it was started: tell its
    authors. The returned function marks the drafts reminded, except those with a
    message skipped (`skipped` keys)."""
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
    sent = existing_keys([key for key, _user, _pm in planned])
    emails = [
        compose_or_skip(key, skipped, partial(_stale_draft_email, key, user, postmortem, now))
        for key, user, postmortem in planned
        if key not in sent
    ]

    def record(failed: set[str]) -> None:
        failed_drafts = {pm.pk for key, _user, pm in planned if key in failed}
        Postmortem.objects.filter(
            pk__in=[p.pk for p in postmortems if p.pk not in failed_drafts]
        ).update(stale_reminder_sent=True)

    return [email for email in emails if email is not None], record


def _stale_draft_email(key: str, user: User, postmortem: Postmortem, now: datetime):
    return compose(
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
