"""A postmortem's detection review: how the incident was found and, per alert rule that
fired for it, the four criteria pre-filled from the data and confirmed or corrected by
the authors (postmortems/alerting/detection/services.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class DetectionReview(models.Model):
    class Found(models.TextChoices):
        ALERT = "alert", "An alert"
        PERSON = "person", "A person noticed"
        CUSTOMER = "customer", "A customer told us"
        OTHER = "other", "Another way"

    postmortem = models.OneToOneField(
        "postmortems.Postmortem", on_delete=models.CASCADE, related_name="detection_review"
    )
    found_by = models.CharField("first found by", max_length=10, choices=Found, blank=True)
    # For an incident no alert caught: the alert that would have.
    suggested_alert = models.TextField("the alert that would have caught it", blank=True)
    notes = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bumped on every edit; a save names the revision it started from.
    revision = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"Detection review of {self.postmortem_id}"


class Criterion(models.TextChoices):
    RUNBOOK = "runbook", "Runbook"
    ACTIONABLE = "actionable", "Actionable"
    TIMELY = "timely", "Timely"
    PRIORITY = "priority", "Priority"


class DetectionAnswer(models.Model):
    """One criterion for one rule: what the data said (`suggested`), and what the authors
    confirmed (`passed`, None until they answer) with their note."""

    review = models.ForeignKey(DetectionReview, on_delete=models.CASCADE, related_name="answers")
    rule = models.ForeignKey(
        "postmortems.AlertRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule_name = models.CharField(max_length=200)
    criterion = models.CharField(max_length=10, choices=Criterion)
    suggested = models.BooleanField()
    evidence = models.CharField("what the data says", max_length=500)
    passed = models.BooleanField(null=True, blank=True)
    note = models.TextField(blank=True)
    action_item = models.ForeignKey(
        "postmortems.ActionItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["rule_name", "criterion"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "rule_name", "criterion"],
                name="postmortems_detectionanswer_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_name}: {self.criterion}"
