"""Outgoing messages (the outbox), team chat webhooks, calendar keys, the reminder sweep's
record and beat's heartbeat."""

import secrets

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from postmortems.models.fields import created_by_field


class OutboundMessage(models.Model):
    """An outgoing message, an email or a team chat post, is a row first; a worker
    claims the row, sends, records the outcome.

    `dedup_key` names the logical message (one reminder, for one person, for one
    incident and threshold; one digest per person and local date). Creating the
    same message twice hits the unique key instead of producing a second email.
    The delivery guarantee is described in postmortems/notifications/outbox.py.
    """

    class Kind(models.TextChoices):
        POSTMORTEM_MISSING = "pm_missing", "Postmortem missing"
        POSTMORTEM_ESCALATION = "pm_escalation", "Postmortem missing: escalation"
        STALE_DRAFT = "stale_draft", "Draft going stale"
        ACTION_DIGEST = "action_digest", "Action item digest"
        LEAD_DIGEST = "lead_digest", "Team lead digest"
        PUBLISHED = "published", "Review published"
        NUDGE = "nudge", "Action item nudge"
        PULSE = "pulse", "Pulse survey"
        TEAM_DIGEST = "team_digest", "Weekly team digest"
        # To admins when rows fail for good; its own failures are never reported
        # (notifications/outbox_failures.py), so it cannot loop on itself.
        OUTBOX_FAILED = "outbox_failed", "Undelivered email alert"
        # To a team's leads when its on-call schedule feed keeps failing (alerting/oncall).
        ONCALL_FEED = "oncall_feed", "On-call schedule feed failing"
        # Issue tracker calls (postmortems/trackers/): create, link, close/reopen, reconcile.
        TRACKER_SYNC = "tracker_sync", "Issue tracker sync"
        # To an action item's owner on its verification date (notifications/verify_reminders.py).
        VERIFY_OUTCOME = "verify_outcome", "Did the fix work?"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        # A JSON POST to a team's incoming webhook (postmortems/notifications/chat.py): the
        # message is `body_text`, the address `webhook_url`; no recipient.
        WEBHOOK = "webhook", "Team webhook"
        # A call to a team's issue tracker (postmortems/trackers/deliver.py): what to do
        # is in `headers` ({"op": ..., ids}), `subject` says it for people. Delivered by
        # the function OUTBOX_DELIVERERS names for the channel.
        TRACKER = "tracker", "Issue tracker"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    dedup_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="emails"
    )
    channel = models.CharField(max_length=10, choices=Channel, default=Channel.EMAIL)
    to_address = models.EmailField(blank=True)
    webhook_url = models.URLField(max_length=500, blank=True)
    team = models.ForeignKey(
        "accounts.Team", null=True, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    headers = models.JSONField(default=dict, blank=True)
    # What the email is about, so incident and postmortem pages can list reminders.
    incident = models.ForeignKey(
        "postmortems.Incident", null=True, on_delete=models.CASCADE, related_name="emails"
    )
    postmortem = models.ForeignKey(
        "postmortems.Postmortem", null=True, on_delete=models.CASCADE, related_name="emails"
    )
    status = models.CharField(max_length=10, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # A new UUID per claim: only the claimant's conditional update (id + token) may
    # record the outcome, so a claimant that outlived the stuck-row timeout cannot
    # overwrite the state of the worker that claimed the row after it.
    claim_token = models.UUIDField(null=True, blank=True, default=None, editable=False)
    # Claims that ended with the row stuck in "sending" (its worker died): bounded
    # by OUTBOX_MAX_CRASHES, so a row that kills its worker is not retried forever.
    crashes = models.PositiveSmallIntegerField(default=0)
    # When a task for this row was last handed to the broker (or is due to run, for a
    # delayed retry). Every new row is enqueued after its transaction commits, hence
    # the default; the dispatcher only re-enqueues rows whose message looks lost.
    enqueued_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # The first temporary failure of the current run of attempts: retries go on until
    # OUTBOX_GIVE_UP_SECONDS after it. Empty when the last attempt did not fail.
    deferred_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    # Admins were told about this failure (notifications/outbox_failures.py).
    failure_reported = models.BooleanField(default=False)

    class Meta:
        # The table keeps its first name (from when it held emails only): renaming a
        # table on a live outbox would stop the workers reading it mid-upgrade.
        db_table = "postmortems_outboundemail"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="postmortems_outboundemail_sent_has_time",
            ),
        ]
        indexes = [
            # The dispatcher: queued rows whose next attempt is due.
            models.Index(
                fields=["next_attempt_at"],
                name="pm_outbox_queued_due",
                condition=Q(status="queued"),
            ),
            # The stuck-row sweep: rows claimed long ago and never finished.
            models.Index(
                fields=["claimed_at"], name="pm_outbox_sending", condition=Q(status="sending")
            ),
            # Reminders listed on incident pages; the outbox page, newest first.
            models.Index(fields=["incident", "-created_at"], name="pm_outbox_incident"),
            models.Index(fields=["status", "-created_at"], name="pm_outbox_status"),
            # The admin alert: failures nobody was told about yet.
            models.Index(
                fields=["failed_at"],
                name="pm_outbox_failed_unreported",
                condition=Q(status="failed", failure_reported=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.destination}"

    @property
    def destination(self) -> str:
        """Who receives it, for people (never the webhook URL, which is a secret)."""
        if self.channel == self.Channel.WEBHOOK:
            return f"{self.team.name if self.team else 'a team'}'s chat"
        if self.channel == self.Channel.TRACKER:
            return f"{self.team.name if self.team else 'a team'}'s issue tracker"
        return self.to_address


class TeamWebhook(models.Model):
    """A team's incoming webhook (Slack-compatible): where its chat notifications go.

    Each message is an outbox row (channel "webhook") like an email, so it is
    delivered by the workers with the same claim, retry and dedup rules.
    """

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(
        "webhook URL",
        max_length=500,
        blank=True,
        validators=[URLValidator(schemes=["https", "http"])],
        help_text="An incoming-webhook URL (Slack or anything that takes "
        '{"text": "..."} as JSON). Treat it like a password. Empty: no notifications.',
    )
    notify_missing = models.BooleanField(
        "postmortem missing", default=True, help_text="When the 24-hour reminder goes out."
    )
    notify_published = models.BooleanField("review published", default=True)
    notify_digest = models.BooleanField(
        "weekly digest",
        default=True,
        help_text="Overdue action items, missing postmortems and stale drafts, once a week.",
    )
    updated_by = created_by_field()
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"Webhook of {self.team}"


def new_calendar_key() -> str:
    return secrets.token_urlsafe(12)


class CalendarKey(models.Model):
    """Part of a person's calendar feed link; replacing it revokes the old link.

    People without a row have the key "" (their first link); generating a new
    link creates or replaces the row (postmortems/notifications/calendar_feed.py).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_key"
    )
    key = models.CharField(max_length=32, default=new_calendar_key)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar key of {self.user}"


class ReminderSweepRecord(models.Model):
    """When the reminder sweep last finished (one row; postmortems/notifications/reminders.py).

    A digest whose moment passed with no finished sweep after it was missed (the
    workers, the broker or the database were down all that day); the next sweep
    sends it late instead of skipping it (postmortems/notifications/digests.py).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    swept_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="postmortems_remindersweeprecord_single_row"
            ),
        ]

    def __str__(self) -> str:
        return f"reminder sweep at {self.swept_at:%Y-%m-%d %H:%M:%S}"


class BeatHeartbeat(models.Model):
    """The one row that Celery beat's heartbeat task keeps fresh (`/readyz` reads it).

    Stored in the database rather than a cache so that every web process, on any
    host, sees the same value. A worker writes it when it runs the task beat sent,
    so a fresh value means beat, the broker and at least one worker are all alive.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    beat_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="postmortems_beatheartbeat_single_row"
            ),
        ]

    def __str__(self) -> str:
        return f"beat heartbeat at {self.beat_at:%Y-%m-%d %H:%M:%S}"
