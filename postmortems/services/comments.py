"""Review comments: posted while a postmortem is in review, resolved by its authors."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from postmortems.models.comments import ReviewComment, comment_targets
from postmortems.models.reviews import Postmortem


def review_comment_add(
    *, postmortem: Postmortem, section: str, text: str, by: User
) -> ReviewComment:
    """Anyone who may read the postmortem comments, but only while it is in review,
    and only on a part the review has: a section of its own layout (built-in or one
    of its template's custom sections), the timeline or the action items."""
    if postmortem.status != Postmortem.Status.IN_REVIEW:
        raise ValidationError("Comments are open only while the postmortem is in review.")
    if section not in comment_targets(postmortem):
        raise ValidationError({"section": f"This review has no section “{section}”."})
    comment = ReviewComment(
        postmortem=postmortem,
        section=section,
        text=text.strip(),
        author=by,
        created_at=timezone.now(),
    )
    comment.full_clean()
    comment.save()
    return comment


def review_comment_resolve(*, comment: ReviewComment, by: User) -> ReviewComment:
    """Mark a comment resolved; resolving twice keeps the first resolution."""
    now = timezone.now()
    updated = ReviewComment.objects.filter(pk=comment.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=by
    )
    if updated:
        comment.resolved_at, comment.resolved_by = now, by
    else:
        comment.refresh_from_db(fields=["resolved_at", "resolved_by"])
    return comment
