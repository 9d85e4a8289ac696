"""Who has a review's editor open, and which section they are editing: one row per
(review, person), refreshed by the editor's poll (postmortems/presence/services.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReviewPresence(models.Model):
    postmortem = models.ForeignKey(
        "postmortems.Postmortem", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The section being edited (a key from services.editable_parts); blank: reading.
    section = models.CharField(max_length=40, blank=True)
    # The last report; rows older than services.FRESH count as gone.
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # One row per person and review: two tabs of the same person, or two
            # workers answering them at once, upsert the same row.
            models.UniqueConstraint(
                fields=["postmortem", "user"], name="postmortems_reviewpresence_one_per_person"
            ),
        ]
        indexes = [
            # "Who is here": a review's rows seen in the last 45 s (selectors.people_here),
            # and the prune of its stale rows (services.presence_record).
            models.Index(fields=["postmortem", "seen_at"], name="pm_presence_here"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.postmortem_id}: {self.section or 'reading'}"
