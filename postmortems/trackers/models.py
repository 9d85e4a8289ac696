"""A team's connected issue tracker, the issue linked to each action item, who is who in
the tracker, and the webhook deliveries already applied."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from postmortems.models.fields import created_by_field


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class TrackerConnection(models.Model):
    """One tracker project a team's action items become issues in (one per team).

    The API token and the webhook secret are needed as entered (to call the API and
    to check each delivery's HMAC), so they are stored like the PagerDuty signing
    secret of alerting integrations: write-only forms, never shown again. The webhook
    secret is generated here and shown once, when the connection is made or the
    secret replaced, for pasting into the tracker's webhook settings.
    """

    class Kind(models.TextChoices):
        GITHUB = "github", "GitHub Issues"
        GITLAB = "gitlab", "GitLab issues"
        JIRA_CLOUD = "jira_cloud", "Jira Cloud"
        JIRA_DC = "jira_dc", "Jira Data Center"
        LINEAR = "linear", "Linear"

    # The name history rows carry ("GitHub" closed it).
    SOURCE_NAMES = {
        "github": "GitHub",
        "gitlab": "GitLab",
        "jira_cloud": "Jira",
        "jira_dc": "Jira",
        "linear": "Linear",
    }

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="tracker_connection"
    )
    kind = models.CharField(max_length=12, choices=Kind)
    base_url = models.URLField(
        "API base URL",
        max_length=300,
        help_text="GitHub: https://api.github.com (or https://HOST/api/v3 for GitHub "
        "Enterprise Server).",
    )
    project = models.CharField(
        max_length=200, help_text='GitHub: "owner/repository", e.g. acme/api.'
    )
    token = models.CharField(max_length=500, editable=False)
    webhook_secret = models.CharField(max_length=200, default=new_webhook_secret, editable=False)
    options = models.JSONField(default=dict, blank=True)
    labels = models.CharField(
        max_length=300,
        blank=True,
        default="postmortem",
        help_text="Labels put on every issue made from an action item, separated by commas.",
    )
    auto_create = models.BooleanField(
        "create issues on publish",
        default=False,
        help_text="When a review is first published, create an issue for each of its "
        "committed action items that has none.",
    )
    # Demo data: the links were written as if created; nothing is sent and the rows
    # the outbox gets for it fail at once, visibly (trackers/deliver.py).
    sync_enabled = models.BooleanField(
        "sync with the tracker",
        default=True,
        help_text="Off: no issue is created, closed or read; links stay as they are.",
    )
    last_reconciled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_by = created_by_field()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.project} for {self.team}"

    @property
    def source_name(self) -> str:
        return self.SOURCE_NAMES.get(self.kind, self.get_kind_display())

    @property
    def label_list(self) -> tuple[str, ...]:
        return tuple(label.strip() for label in self.labels.split(",") if label.strip())


class TrackerIssue(models.Model):
    """The tracker issue an action item is linked to (one per item), and what we last
    knew of it: the conflict rule (trackers/sync.py) compares with this."""

    class Sync(models.TextChoices):
        PENDING = "pending", "Being created"
        LINKED = "linked", "In sync"
        FAILED = "failed", "Sync failed"

    action_item = models.OneToOneField(
        "postmortems.ActionItem", on_delete=models.CASCADE, related_name="tracker_issue"
    )
    connection = models.ForeignKey(
        TrackerConnection, on_delete=models.CASCADE, related_name="issues"
    )
    key = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    remote_id = models.CharField(max_length=100, blank=True)
    remote_closed = models.BooleanField(default=False)
    remote_assignee = models.CharField(max_length=200, blank=True)
    remote_due_date = models.DateField(null=True, blank=True)
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    sync = models.CharField(max_length=10, choices=Sync, default=Sync.PENDING)
    last_error = models.TextField(blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    # The latest "changed on both sides" (or unmapped assignee) note, shown on the item;
    # every one is also in the item's history (trackers/sync.py).
    conflict_note = models.TextField(blank=True)
    conflict_at = models.DateTimeField(null=True, blank=True)
    created_by = created_by_field()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "key"],
                condition=~Q(key=""),
                name="postmortems_trackerissue_unique_key",
            ),
        ]

    def __str__(self) -> str:
        return self.key or f"issue being created for {self.action_item_id}"


class TrackerPerson(models.Model):
    """Who a person is in the connected tracker (a GitHub login, a Jira account id),
    set by the team's leads. Without a row, trackers that can look people up by email
    address do so; the others leave the issue unassigned."""

    connection = models.ForeignKey(
        TrackerConnection, on_delete=models.CASCADE, related_name="people"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    account = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "user"], name="postmortems_trackerperson_unique_user"
            ),
            models.UniqueConstraint(
                fields=["connection", "account"], name="postmortems_trackerperson_unique_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.account}"


class TrackerDelivery(models.Model):
    """A webhook delivery applied: the tracker's own delivery id (GitHub's
    X-GitHub-Delivery) makes a redelivery a no-op. Pruned after
    TRACKER_DELIVERY_RETENTION_DAYS."""

    connection = models.ForeignKey(
        TrackerConnection, on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(default=timezone.now)
    issues = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "delivery_id"],
                name="postmortems_trackerdelivery_unique_id",
            ),
        ]
        indexes = [
            # The hourly prune.
            models.Index(fields=["received_at"], name="pm_tracker_delivery_age"),
        ]

    def __str__(self) -> str:
        return self.delivery_id
