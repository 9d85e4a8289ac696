import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from postmortems.models.reviews import Postmortem

# What a review comment can be about: the Markdown sections, then the two lists.
COMMENT_TARGETS = (
    *((name, label) for name, label, _help in Postmortem.SECTIONS),
    ("timeline", "Timeline"),
    ("action_items", "Action items"),
)


class ReviewComment(models.Model):
    """A reviewer's remark on one part of a postmortem while it is in review.

    Authors resolve comments; resolved ones stay, collapsed. Publishing with open
    comments needs an explicit confirmation (services.postmortems).
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    postmortem = models.ForeignKey(
        Postmortem, on_delete=models.CASCADE, related_name="review_comments"
    )
    section = models.CharField(max_length=30, choices=COMMENT_TARGETS)
    text = models.TextField(help_text="Markdown.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=models.F("created_at")),
                name="postmortems_reviewcomment_resolved_after_created",
            ),
        ]
        indexes = [
            # The postmortem page and the editor list a review's comments in order.
            models.Index(fields=["postmortem", "created_at"], name="pm_comment_pm_time"),
        ]

    def __str__(self) -> str:
        return f"Comment on {self.get_section_display()}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
