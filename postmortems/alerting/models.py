"""Alerting webhooks: integrations per team, the alerts they link to incidents, and a
log of every delivery (written by postmortems/alerting/incident_groups.py and
deliveries.py)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from postmortems.models.fields import BoundedDateTimeField, created_by_field
from postmortems.models.incidents import Severity
from postmortems.models.reviews import TimelineEvent


def default_service_labels() -> list[str]:
    return ["service", "job"]


class AlertIntegration(models.Model):
    """One receiver URL (/hooks/<code>/) for one alerting tool, owned by a team.

    Secrets: Alertmanager, Grafana and Opsgenie send a token we issue; only its
    SHA-256 is stored (the token is random, so no slow hash is needed). PagerDuty
    signs each body with a secret it issues; verifying the HMAC needs the secret
    itself, so it is stored as entered and never shown again (forms are write-only).
    """

    class Kind(models.TextChoices):
        ALERTMANAGER = "alertmanager", "Prometheus Alertmanager"
        PAGERDUTY = "pagerduty", "PagerDuty"
        OPSGENIE = "opsgenie", "Opsgenie"
        GRAFANA = "grafana", "Grafana alerting"

    TOKEN_KINDS = (Kind.ALERTMANAGER, Kind.OPSGENIE, Kind.GRAFANA)

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.CASCADE,
        related_name="alert_integrations",
        verbose_name="owning team",
    )
    kind = models.CharField(max_length=15, choices=Kind)
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    signing_secret = models.CharField(
        "PagerDuty signing secret",
        max_length=200,
        blank=True,
        help_text="PagerDuty only: the secret PagerDuty shows when the webhook is created.",
    )
    severity_map = models.JSONField(
        "severity mapping",
        default=dict,
        blank=True,
        help_text='The alert\'s severity, priority or urgency to a severity, e.g. {"critical": '
        '"SEV1", "warning": "SEV3"}. Matched without regard to case.',
    )
    default_severity = models.CharField(
        max_length=4,
        choices=Severity,
        default=Severity.SEV3,
        help_text="For alerts whose value is not in the mapping.",
    )
    open_from = models.CharField(
        "open incidents from",
        max_length=4,
        choices=Severity,
        default=Severity.SEV3,
        help_text="Alerts less severe than this are recorded but open no incident.",
    )
    refire_window = models.PositiveIntegerField(
        "re-fire window (minutes)",
        default=60,
        help_text="An alert firing again within this time after it resolved reopens the "
        "same incident; later, it opens a new one.",
    )
    service_labels = models.JSONField(
        "service labels",
        default=default_service_labels,
        blank=True,
        help_text='Labels naming the affected service, in order, e.g. ["service", "job"]: the '
        "first one an alert has names its service, matched to the service catalog by name or "
        "slug. Names not in the catalog are left out. PagerDuty and Opsgenie name their "
        "service themselves.",
    )
    owner_from_assignee = models.BooleanField(
        "owner from the assignee",
        default=True,
        help_text="The person the tool assigned (by e-mail address) owns the new incident, "
        "if they have an active account here.",
    )
    rotation = models.ForeignKey(
        "postmortems.Rotation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="integrations",
        verbose_name="on-call rotation",
        help_text="Whose pages these are: the rotation's primary when an alert fires "
        "carries it in the on-call load.",
    )
    enabled = models.BooleanField(default=True)
    created_by = created_by_field()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    # Not columns: set on the rows of the settings list (alerting/settings_views.py).
    receiver_url: str
    conflicts: list  # with the team's notification policy (oncall/checks.py)

    class Meta:
        ordering = ["team__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "name"], name="postmortems_alertintegration_unique_name"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def uses_token(self) -> bool:
        return self.kind in self.TOKEN_KINDS


class AlertGroup(models.Model):
    """The incident a group of alerts opened, grouped as the tool groups them: an
    Alertmanager or Grafana notification's `groupKey`, a PagerDuty incident, an Opsgenie
    alias (or alert id). Alerts without a group key form a group of their own.

    The unique key makes a repeated or concurrent delivery of the group find the same
    incident; the row is locked while a delivery applies, so the group's deliveries
    apply one at a time. The incident is resolved when every alert of the group has
    (`resolved_at`, the latest alert's end). After the re-fire window a new episode
    points the group at a new incident; the old incident keeps its alert events.
    """

    integration = models.ForeignKey(AlertIntegration, on_delete=models.CASCADE, related_name="+")
    group_key = models.CharField(max_length=255)
    incident = models.ForeignKey(
        "postmortems.Incident", on_delete=models.CASCADE, related_name="alert_groups"
    )
    fired_at = BoundedDateTimeField()
    resolved_at = BoundedDateTimeField(null=True, blank=True)
    # When the newest delivery applied to the group was received: Alertmanager and
    # Grafana send the whole state of the group each time, so an older delivery
    # (received earlier, applied later) is out of date.
    last_received_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "group_key"], name="postmortems_alertgroup_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return self.group_key


class AlertLink(models.Model):
    """One alert of a group (the vendor's alert id or fingerprint) and its own state.

    The times are the vendor's own where the vendor orders its events (PagerDuty,
    Opsgenie), so late deliveries can be told from new ones. `started_at` is the
    alert's start as the vendor sent it (Alertmanager's startsAt): a resolution of an
    earlier episode (an older start) changes nothing.
    """

    integration = models.ForeignKey(AlertIntegration, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(AlertGroup, on_delete=models.CASCADE, related_name="links")
    external_key = models.CharField(max_length=255)
    alert_name = models.CharField(max_length=200)
    started_at = BoundedDateTimeField(null=True, blank=True)
    fired_at = BoundedDateTimeField()
    acknowledged_at = BoundedDateTimeField(null=True, blank=True)
    resolved_at = BoundedDateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "external_key"], name="postmortems_alertlink_unique_key"
            ),
        ]
        indexes = [
            # Alerts that opened an incident each before alerts were grouped (0025): a
            # delivery finds their open groups by the alerts' keys.
            models.Index(fields=["integration", "external_key"], name="pm_alertlink_key"),
        ]

    def __str__(self) -> str:
        return f"{self.alert_name} ({self.external_key})"


class AlertEvent(models.Model):
    """What an alert did to an incident ("Alert X fired at 10:42 UTC").

    Incidents have no timeline of their own: the timeline belongs to the postmortem.
    Alert events are kept here and copied into the postmortem's timeline, at once when
    the postmortem exists, otherwise when it is started (`timeline_event` marks the
    copy, so none is copied twice).
    """

    incident = models.ForeignKey(
        "postmortems.Incident", on_delete=models.CASCADE, related_name="alert_events"
    )
    delivery = models.ForeignKey(
        "postmortems.AlertDelivery", null=True, on_delete=models.SET_NULL, related_name="events"
    )
    occurred_at = BoundedDateTimeField()
    kind = models.CharField(max_length=15, choices=TimelineEvent.Kind)
    text = models.TextField()
    source_url = models.URLField(max_length=500, blank=True)
    timeline_event = models.OneToOneField(
        TimelineEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "pk"]
        indexes = [
            # Starting a postmortem copies the incident's events not yet in a timeline.
            models.Index(
                fields=["incident"],
                name="pm_alertevent_uncopied",
                condition=Q(timeline_event__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.text


class AlertDelivery(models.Model):
    """Every request to a receiver, accepted or not: the staff delivery log."""

    class Outcome(models.TextChoices):
        CREATED = "created", "Created"
        UPDATED = "updated", "Updated"
        RESOLVED = "resolved", "Resolved"
        REOPENED = "reopened", "Reopened"
        IGNORED = "ignored", "Ignored"
        DUPLICATE = "duplicate", "Duplicate"
        REJECTED = "rejected", "Rejected"
        # A tool's test notification (Grafana's "Test" button, PagerDuty's test event):
        # answered 200, no incident.
        TEST = "test", "Test received"

    integration = models.ForeignKey(
        AlertIntegration,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    received_at = models.DateTimeField(default=timezone.now)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)  # the first BODY_KEPT bytes
    body_truncated = models.BooleanField(default=False)
    outcome = models.CharField(max_length=10, choices=Outcome)
    http_status = models.PositiveSmallIntegerField()
    message = models.CharField(max_length=1000, blank=True)
    # The first incident the delivery touched (an Alertmanager group may touch more:
    # see `events`).
    incident = models.ForeignKey(
        "postmortems.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="alert_deliveries",
    )

    BODY_KEPT = 64 * 1024

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            # The delivery log: newest first, optionally by integration or outcome.
            models.Index(fields=["-received_at"], name="pm_alertdelivery_received"),
            models.Index(fields=["integration", "-received_at"], name="pm_alertdelivery_intg"),
            models.Index(fields=["outcome", "-received_at"], name="pm_alertdelivery_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.outcome}"
