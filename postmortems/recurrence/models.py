"""A possible recurrence: a new incident linked to an earlier reviewed one it shares
alert rules, services or tags with (postmortems/recurrence/detection.py finds them)."""

import uuid
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class Recurrence(models.Model):
    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Possible recurrence"
        CONFIRMED = "confirmed", "Confirmed recurrence"
        DISMISSED = "dismissed", "Not a recurrence"

    # The public key of a recurrence in URLs and the API.
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The incident opened later: its authors decide.
    incident = models.ForeignKey(
        "postmortems.Incident", on_delete=models.CASCADE, related_name="recurrences"
    )
    # The earlier incident, whose review existed (in review or published) when found.
    earlier = models.ForeignKey(
        "postmortems.Incident", on_delete=models.CASCADE, related_name="recurred_as"
    )
    # What the two share, as found by the latest detection.
    alert_rules = models.ManyToManyField("postmortems.AlertRule", blank=True, related_name="+")
    services = models.ManyToManyField("postmortems.Service", blank=True, related_name="+")
    tags = models.ManyToManyField("postmortems.Tag", blank=True, related_name="+")
    # How strong the match is: shared alert rules first, then services, then tags
    # (detection.strength); higher is stronger.
    strength = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status, default=Status.SUGGESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    # Bumped on every decision; changing a decision names the revision it saw.
    revision = models.PositiveIntegerField(default=0, editable=False)
    detected_at = models.DateTimeField(default=timezone.now, editable=False)

    # Not a column: what the two incidents share, by relation ("alert_rules",
    # "services", "tags"), set by attach_shared (recurrence/selectors.py).
    shared: dict[str, list["SharedThing"]]

    class Meta:
        ordering = ["-strength", "-earlier__started_at", "pk"]
        constraints = [
            # One row per pair: two detections at once (two alert deliveries, an edit
            # during the opening) collide here and the later one updates the row.
            models.UniqueConstraint(
                fields=["incident", "earlier"], name="postmortems_recurrence_one_per_pair"
            ),
            models.CheckConstraint(
                condition=~Q(incident=F("earlier")), name="postmortems_recurrence_not_itself"
            ),
            models.CheckConstraint(
                condition=Q(status="suggested", decided_at__isnull=True)
                | (~Q(status="suggested") & Q(decided_at__isnull=False)),
                name="postmortems_recurrence_decided_has_time",
            ),
        ]
        indexes = [
            # The earlier incident's "possibly recurred as" line, the archive's badge and
            # its "recurred" filter: recurrences of an incident that are not dismissed.
            models.Index(
                fields=["earlier", "status"],
                name="pm_recurrence_earlier",
                condition=~Q(status="dismissed"),
            ),
            # The dashboard: confirmed recurrences, joined to their incidents' start.
            models.Index(
                fields=["incident"],
                name="pm_recurrence_confirmed",
                condition=Q(status="confirmed"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} recurs {self.earlier_id} ({self.status})"

    @property
    def is_decided(self) -> bool:
        return self.status != self.Status.SUGGESTED


class SharedThing(NamedTuple):
    """An alert rule, service or tag two incidents share: its name to show, and the
    slug the API names it by (an alert rule's name, which is its only key)."""

    name: str
    slug: str
