"""Blameless findings an author dismissed, so they are not shown again."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class BlamelessDismissal(models.Model):
    """An author's decision that one flagged excerpt is fine ("direct quote").

    Keyed by the exact excerpt text and category rather than by offsets, so it survives
    edits elsewhere in the section; changing the excerpt itself brings the finding back.
    `section` is a section name, or "timeline" for the texts of timeline events.
    Written by postmortems/blameless/services.py.
    """

    class Category(models.TextChoices):
        BLAME = "blame", "Blame"
        COUNTERFACTUAL = "counterfactual", "Hindsight"
        JUDGEMENT = "judgement", "Judgement"
        HUMAN_ERROR = "human_error", "Human error"
        ROOT_CAUSE = "root_cause", "Root cause"

    postmortem = models.ForeignKey(
        "postmortems.Postmortem", on_delete=models.CASCADE, related_name="blameless_dismissals"
    )
    section = models.CharField(max_length=40)
    excerpt = models.CharField(max_length=300)
    category = models.CharField(max_length=20, choices=Category)
    reason = models.CharField(max_length=200)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    dismissed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # One dismissal per excerpt; its index (postmortem first) also serves the
            # editor's "dismissals of this postmortem" read.
            models.UniqueConstraint(
                fields=["postmortem", "section", "category", "excerpt"],
                name="postmortems_blamelessdismissal_one_per_excerpt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.excerpt!r} ({self.reason})"
