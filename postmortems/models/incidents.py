from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from postmortems.models.fields import BoundedDateTimeField, created_by_field


def incident_reference(number: int) -> str:
    """How people name an incident: INC-42 (and URLs, postmortems/urls.py)."""
    return f"INC-{number}"


class Severity(models.TextChoices):
    SEV1 = "SEV1", "SEV1 · Critical"
    SEV2 = "SEV2", "SEV2 · Major"
    SEV3 = "SEV3", "SEV3 · Minor"
    SEV4 = "SEV4", "SEV4 · Low"


SEVERITY_MEANINGS: dict[str, str] = {
    Severity.SEV1: "Customer-facing outage or data loss for many users; all hands, status page.",
    Severity.SEV2: "Major feature degraded or unavailable for a significant share of users.",
    Severity.SEV3: "Partial degradation with a workaround, or an internal system down.",
    Severity.SEV4: "Minor issue, no visible customer impact; a near miss worth recording.",
}


class ReminderStage(models.IntegerChoices):
    """How far the postmortem-missing reminders got. Below ESCALATED the sweep still
    looks at the incident; below REVIEW_STARTED the review is missing."""

    NONE = 0, "No reminder yet"
    REMINDED = 1, "Owner reminded"
    ESCALATED = 2, "Leads told"
    REVIEW_STARTED = 3, "Postmortem started"


# Deleted incidents stay restorable for this long, then the purge sweep removes them.
RESTORE_DAYS = 30


def not_deleted(prefix: str = "") -> Q:
    """Rows whose incident is not deleted; `prefix` is the path to the incident, as in
    permissions.visibility_filter."""
    return Q(**{f"{prefix}deleted_at__isnull": True})


def review_clock(prefix: str = "") -> Greatest:
    """When an incident's postmortem clock started, in SQL: its resolution (its start,
    if never resolved), but never before the incident was recorded here. An alert that
    has fired for days opens an incident that started days ago; its clock starts now,
    not days ago (else the reminder and the escalation would be due at once). The
    partial indexes below are on this expression; `prefix` is the path to the incident."""
    return Greatest(
        Coalesce(f"{prefix}resolved_at", f"{prefix}started_at"), F(f"{prefix}created_at")
    )


class LiveIncidentManager(models.Manager):
    """The default manager: deleted incidents are gone for every page, list, count,
    sweep and the API. The admin, restore and purge read `Incident.all_objects`."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Incident(models.Model):
    class Status(models.TextChoices):
        INVESTIGATING = "investigating", "Investigating"
        MITIGATED = "mitigated", "Mitigated"
        RESOLVED = "resolved", "Resolved"

    # Shown to people as INC-<number>; the database id never appears in a URL.
    number = models.PositiveIntegerField(unique=True, editable=False)
    title = models.CharField(max_length=200)
    severity = models.CharField(max_length=4, choices=Severity, default=Severity.SEV3)
    status = models.CharField(max_length=15, choices=Status, default=Status.INVESTIGATING)
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name="owning team",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_incidents",
        verbose_name="incident owner",
    )
    services = models.ManyToManyField("postmortems.Service", blank=True, related_name="incidents")
    description = models.TextField(blank=True, help_text="What happened, in a few sentences.")
    started_at = BoundedDateTimeField(default=timezone.now)
    detected_at = BoundedDateTimeField(null=True, blank=True)
    mitigated_at = BoundedDateTimeField(null=True, blank=True)
    resolved_at = BoundedDateTimeField(null=True, blank=True)
    restricted = models.BooleanField(
        default=False,
        help_text="Sensitive (security, legal): visible to the owning team and admins only.",
    )
    # Bumped on every edit; a save names the revision it started from (see services.edits).
    revision = models.PositiveIntegerField(default=0, editable=False)
    postmortem_not_needed = models.BooleanField(
        "no postmortem needed",
        default=False,
        help_text="Stops the postmortem reminders, e.g. for a SEV4 with nothing to learn.",
    )
    postmortem_not_needed_reason = models.CharField("reason", max_length=300, blank=True)
    # How far the postmortem-missing reminders got: keeps the sweep's index small.
    reminder_stage = models.PositiveSmallIntegerField(
        choices=ReminderStage, default=ReminderStage.NONE, editable=False
    )
    created_by = created_by_field()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    # Soft delete: set by services.incidents.incident_delete, cleared by incident_restore;
    # the purge sweep removes the row RESTORE_DAYS later.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    all_objects = models.Manager()
    objects = LiveIncidentManager()

    # Not a column: set by get_incident_for_user (postmortems/permissions.py).
    can_edit: bool

    class Meta:
        ordering = ["-started_at"]
        # Related lookups (postmortem.incident) and the admin's history see every row.
        base_manager_name = "all_objects"
        default_manager_name = "objects"
        constraints = [
            models.CheckConstraint(
                condition=Q(detected_at__isnull=True) | Q(detected_at__gte=F("started_at")),
                name="postmortems_incident_detected_after_start",
                violation_error_message="Detection cannot come before the incident started.",
            ),
            models.CheckConstraint(
                condition=Q(mitigated_at__isnull=True) | Q(mitigated_at__gte=F("started_at")),
                name="postmortems_incident_mitigated_after_start",
                violation_error_message="Mitigation cannot come before the incident started.",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("started_at")),
                name="postmortems_incident_resolved_after_start",
                violation_error_message="Resolution cannot come before the incident started.",
            ),
            models.CheckConstraint(
                condition=Q(postmortem_not_needed=False) | ~Q(postmortem_not_needed_reason=""),
                name="postmortems_incident_not_needed_has_reason",
                violation_error_message="Say why this incident needs no postmortem.",
            ),
        ]
        indexes = [
            # Deleted incidents only (few): the purge sweep and the lists that leave out
            # the reviews and items of deleted incidents without joining every row.
            models.Index(
                fields=["deleted_at"],
                name="pm_incident_deleted",
                condition=Q(deleted_at__isnull=False),
            ),
            # The incident list: newest first, filtered by team.
            models.Index(fields=["team", "-started_at"], name="pm_incident_team_started"),
            models.Index(fields=["-started_at"], name="pm_incident_started"),
            # The postmortem-missing sweep: only incidents whose reminders are not done,
            # by severity and the time their 24-hour clock started. It stays small
            # however many incidents there are.
            models.Index(
                F("severity"),
                review_clock(),
                name="pm_incident_review_clock",
                condition=Q(reminder_stage__lt=2, postmortem_not_needed=False),
            ),
            # Incidents still missing their review, per team: the lead digest and the
            # dashboard. Reviews started drop out, so it stays small.
            models.Index(
                F("team"),
                review_clock(),
                name="pm_incident_missing_review",
                condition=Q(reminder_stage__lt=3, postmortem_not_needed=False),
            ),
            # The same over every team, longest waiting first: an admin's dashboard of
            # all teams walks it and stops at the first 25 (pm_incident_missing_review
            # would collect every team's missing reviews and sort them).
            models.Index(
                review_clock(),
                name="pm_incident_missing_all",
                condition=Q(reminder_stage__lt=3, postmortem_not_needed=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    @property
    def reference(self) -> str:
        return incident_reference(self.number)

    @property
    def review_clock_started_at(self) -> datetime:
        """The 24-hour postmortem clock runs from resolution (or the start, if never
        resolved), but not from before the incident was recorded (`review_clock`)."""
        return max(self.resolved_at or self.started_at, self.created_at)

    @property
    def review_clock_event(self) -> str:
        """What started the clock, for messages: "resolved", "started" or "recorded"."""
        if self.created_at > (self.resolved_at or self.started_at):
            return "recorded"
        return "resolved" if self.resolved_at else "started"

    @property
    def time_to_detect(self) -> timedelta | None:
        return self.detected_at - self.started_at if self.detected_at else None

    @property
    def time_to_mitigate(self) -> timedelta | None:
        return self.mitigated_at - self.started_at if self.mitigated_at else None

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self.resolved_at - self.started_at if self.resolved_at else None
