"""/api/v1/incidents/{number}/postmortem/comments: list, add, resolve review comments.

The same rules as the pages (postmortems/views/comments.py): whoever reads the review
lists and adds comments, on any part of the review's own layout (a team template's
custom sections too), while it is in review; those who edit it resolve them.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import Http404
from ninja import Field, Router, Schema, Status
from ninja.decorators import decorate_view

from accounts.http import AuthenticatedHttpRequest
from postmortems.api.errors import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, refuse
from postmortems.api.idempotency import IDEMPOTENCY_KEY_DOC, idempotent
from postmortems.api.links import CODE, SAME_NUMBER, created
from postmortems.api.schemas import BodyIn, IncidentNumber, PersonOut, SectionName, Text, person
from postmortems.forms import ReviewCommentForm
from postmortems.models.comments import ReviewComment, comment_label, comment_targets
from postmortems.models.reviews import Postmortem
from postmortems.permissions import get_comment_for_user, get_postmortem_for_user
from postmortems.services.comments import review_comment_add, review_comment_resolve

router = Router(tags=["comments"])
NO_SUCH_SECTION = "This review has no such section."


class CommentOut(Schema):
    code: UUID
    section: SectionName = Field(
        description="A key of the review's `sections` (custom `c_...` ones too), "
        "`timeline` or `action_items`."
    )
    label: str = Field(description="The section's name in the review's layout.")
    text: str = Field(description="Markdown.")
    author: PersonOut | None
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: PersonOut | None


class CommentIn(BodyIn):
    section: SectionName = Field(
        description="A key of the review's `sections`, `timeline` or `action_items`; "
        "404 for a key the review does not have."
    )
    text: Text = Field(max_length=5000, description="Markdown.")


def comment_out(postmortem: Postmortem, comment: ReviewComment) -> dict[str, Any]:
    return {
        "code": comment.code,
        "section": comment.section,
        "label": comment_label(postmortem, comment.section),
        "text": comment.text,
        "author": person(comment.author),
        "created_at": comment.created_at,
        "resolved_at": comment.resolved_at,
        "resolved_by": person(comment.resolved_by),
    }


@router.get(
    "/incidents/{number}/postmortem/comments",
    response={200: list[CommentOut], **READ_ERRORS},
    url_name="postmortem-comments",
)
def list_comments(request: AuthenticatedHttpRequest, number: IncidentNumber):
    """The review's comments, oldest first, open and resolved, on every part."""
    postmortem = get_postmortem_for_user(request, number)
    comments = postmortem.review_comments.select_related("author", "resolved_by")
    return [comment_out(postmortem, comment) for comment in comments.order_by("created_at", "pk")]


@router.post(
    "/incidents/{number}/postmortem/comments",
    response={201: CommentOut, **CREATE_ERRORS},
    url_name="postmortem-comments",
    openapi_extra=created(
        {"ResolveComment": ("comments_resolve_comment", {"number": SAME_NUMBER, "code": CODE})},
        **IDEMPOTENCY_KEY_DOC,
    ),
)
@decorate_view(idempotent)
def add_comment(request: AuthenticatedHttpRequest, number: IncidentNumber, payload: CommentIn):
    """Comment on one part of the review while it is in review (422 otherwise)."""
    postmortem = get_postmortem_for_user(request, number)
    if payload.section not in comment_targets(postmortem):
        raise Http404(NO_SUCH_SECTION)
    form = ReviewCommentForm(
        {"section": payload.section, "text": payload.text}, postmortem=postmortem
    )
    if not form.is_valid():
        refuse(form)
    comment = review_comment_add(
        postmortem=postmortem,
        section=form.cleaned_data["section"],
        text=form.cleaned_data["text"],
        by=request.user,
    )
    return Status(201, comment_out(postmortem, comment))


@router.post(
    "/incidents/{number}/postmortem/comments/{code}/resolve",
    response={200: CommentOut, **WRITE_ERRORS},
    url_name="postmortem-comment-resolve",
)
def resolve_comment(request: AuthenticatedHttpRequest, number: IncidentNumber, code: UUID):
    """Resolve a comment (for those who edit the review); resolving twice keeps the
    first resolution."""
    comment = get_comment_for_user(request, number, code, write=True)
    review_comment_resolve(comment=comment, by=request.user)
    return comment_out(comment.postmortem, comment)
