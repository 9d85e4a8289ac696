"""An action item's issue in its team's tracker: POST /api/v1/action-items/{code}/tracker-issue
creates one (or links an existing one, by URL or key). Both are outbox rows; the answer
says what is known now (`sync`: pending until the tracker answered)."""

from typing import Any
from uuid import UUID

from django.http import Http404
from ninja import Field, Router, Schema, Status

from accounts.http import AuthenticatedHttpRequest
from postmortems.api.errors import WRITE_ERRORS
from postmortems.api.schemas import BodyIn, Text
from postmortems.models.actions import ActionItem
from postmortems.permissions import get_action_item_for_user
from postmortems.trackers.models import TrackerIssue
from postmortems.trackers.requests import tracker_issue_create, tracker_issue_link

router = Router(tags=["action items"])


class TrackerIssueOut(Schema):
    key: str = Field(description='As the tracker writes it, e.g. "acme/api#12"; "" while created.')
    url: str
    closed: bool = Field(description="The issue's state as last read from the tracker.")
    sync: str = Field(description="pending (being created or read), linked, failed.")
    error: str = Field(description="Why the last call failed, if it did.")


class TrackerIssueIn(BodyIn):
    reference: Text = Field(
        "", max_length=500, description="An existing issue's URL or key; empty to create one."
    )


def tracker_issue_out(link: TrackerIssue | None) -> dict[str, Any] | None:
    if link is None:
        return None
    return {
        "key": link.key,
        "url": link.url,
        "closed": link.remote_closed,
        "sync": link.sync,
        "error": link.last_error,
    }


@router.post(
    "/action-items/{code}/tracker-issue",
    response={202: TrackerIssueOut, **WRITE_ERRORS},
    url_name="action-tracker-issue",
)
def create_tracker_issue(request: AuthenticatedHttpRequest, code: UUID, payload: TrackerIssueIn):
    """Create the item's issue in its team's tracker, or link `reference`. Accepted (202):
    a worker makes the call; read the item again for the outcome. 422 for ideas, items
    already linked, a team with no tracker, or a reference not of its project."""
    number = (
        ActionItem.objects.filter(code=code)
        .values_list("postmortem__incident__number", flat=True)
        .first()
    )
    if number is None:
        raise Http404("No such action item.")
    item = get_action_item_for_user(request, number, code, write=True)
    if payload.reference:
        link = tracker_issue_link(item=item, reference=payload.reference, by=request.user)
    else:
        link = tracker_issue_create(item=item, by=request.user)
    return Status(202, tracker_issue_out(link))
