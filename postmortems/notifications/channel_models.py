import secrets

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

from postmortems.models.fields import created_by_field


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
