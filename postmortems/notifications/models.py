from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboundEmail(models.Model):
    """An email is a row first; a worker claims the row, sends, records the outcome.

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
        # (services/outbox_alerts.py), so it cannot loop on itself.
        OUTBOX_FAILED = "outbox_failed", "Undelivered email alert"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        # A JSON POST to a team's incoming webhook (postmortems/notifications/chat.py): the
        # message is `body_text`, the address `webhook_url`; no recipient.
        WEBHOOK = "webhook", "Team webhook"

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
    # Admins were told about this failure (services/outbox_alerts.py).
    failure_reported = models.BooleanField(default=False)

    class Meta:
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
        return self.to_address
