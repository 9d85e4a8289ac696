import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from postmortems.models.review_templates import section_labels
from postmortems.models.reviews import Postmortem

# The two lists a comment can be about besides the review's written sections.
LIST_TARGETS = {"timeline": "Timeline", "action_items": "Action items"}


def comment_targets(postmortem: Postmortem) -> dict[str, str]:
    """What a comment on this review can be about, key -> label, in the document's
    order: every section of its own layout (built-in and custom, as its template named
    them), then the timeline and the action items."""
    return {**{part["key"]: part["label"] for part in postmortem.layout}, **LIST_TARGETS}


def comment_label(postmortem: Postmortem, key: str) -> str:
    """The name of what a comment is about. A section later taken out of the review's
    layout keeps its comments: a built-in one under its usual name, a custom one as
    "Other (its key)"."""
    label = comment_targets(postmortem).get(key) or section_labels(postmortem).get(key)
    return label or f"Other ({key})"


class ReviewComment(models.Model):
    """A reviewer's remark on one part of a postmortem while it is in review.

    Authors resolve comments; resolved ones stay, collapsed. Publishing with open
    comments needs an explicit confirmation (services.postmortems).
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    postmortem = models.ForeignKey(
        Postmortem, on_delete=models.CASCADE, related_name="review_comments"
    )
    # A key of the review's layout (comment_targets), checked by review_comment_add: no
    # fixed choices, as a team's template adds sections of its own ("c_...").
    section = models.CharField(max_length=30)
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
        return f"Comment on {comment_label(self.postmortem, self.section)}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
