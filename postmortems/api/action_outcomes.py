"""Proven fixes: POST /api/v1/action-items/{code}/outcome records whether a done
item's fix worked, POST .../verify-on moves the day it is asked for
(postmortems/services/outcomes.py has the rules).

The item is named by its code alone, as the follow-up list (GET /api/v1/action-items)
shows it; who may record is who may on the page: the item's owner and those who edit
its review (403 for other readers, 404 for those who may not see the incident)."""

from typing import TYPE_CHECKING, Literal, TypeAlias
from uuid import UUID

from django.http import Http404
from ninja import Field, Router, Schema

from accounts.http import AuthenticatedHttpRequest
from lib.markdown import TEXT_MAX_CHARS
from postmortems.api.actions import ItemConflictOut, ItemOut, item_out
from postmortems.api.errors import WRITE_ERRORS
from postmortems.api.schemas import BodyIn, Day, ItemOutcome, Revision, Text
from postmortems.models.actions import ActionItem
from postmortems.permissions import get_action_item_for_user
from postmortems.services.outcomes import (
    Then,
    action_item_move_verification,
    action_item_record_outcome,
)

router = Router(tags=["action items"])

if TYPE_CHECKING:  # a Literal built at run time, as in api/schemas.py
    ThenValue: TypeAlias = str
else:
    ThenValue = Literal[tuple(Then.values)]


class OutcomeIn(BodyIn):
    revision: Revision
    outcome: ItemOutcome = Field(
        description="worked (send `evidence` and/or `note`), did_not_work (send `then`), "
        "cannot_tell (send `note`)."
    )
    evidence: Text = Field("", max_length=500, description="A link to what shows it worked.")
    note: Text = Field("", max_length=TEXT_MAX_CHARS, description="What you saw (Markdown).")
    then: ThenValue | Literal[""] = Field(
        "",
        description="For did_not_work: reopen this item, or follow_up (it stays done and "
        "a new open item, owned by the same person, follows it).",
    )
    follow_up_due: Day | None = Field(
        None, description="The new item's due date; two weeks from today when left out."
    )


class OutcomeOut(Schema):
    item: ItemOut
    follow_up: ItemOut | None = Field(description="The new item, for did_not_work + follow_up.")


class VerifyOnIn(BodyIn):
    revision: Revision
    verify_on: Day = Field(description="Today or later, in your own calendar.")
    reason: Text = Field("", max_length=500, description="Why (kept in the item's history).")


def _item(request: AuthenticatedHttpRequest, code: UUID) -> ActionItem:
    """The item named by its code, for its owner and its review's editors."""
    number = (
        ActionItem.objects.filter(code=code)
        .values_list("postmortem__incident__number", flat=True)
        .first()
    )
    if number is None:
        raise Http404("No such action item.")
    return get_action_item_for_user(request, number, code, write=True, owner_writes=True)


@router.post(
    "/action-items/{code}/outcome",
    response={200: OutcomeOut, 409: ItemConflictOut, **WRITE_ERRORS},
    url_name="action-outcome",
)
def record_outcome(request: AuthenticatedHttpRequest, code: UUID, payload: OutcomeIn):
    """Record whether the fix of a done item worked. 409 when the item changed since
    `revision` (the body holds it as it is now); 422 with `errors` for bad input."""
    item = _item(request, code)
    recorded = action_item_record_outcome(
        item=item,
        outcome=payload.outcome,
        evidence=payload.evidence,
        note=payload.note,
        by=request.user,
        revision=payload.revision,
        then=payload.then,
        follow_up_due=payload.follow_up_due,
    )
    follow_up = recorded.follow_up
    return {
        "item": item_out(recorded.item),
        "follow_up": item_out(follow_up) if follow_up is not None else None,
    }


@router.post(
    "/action-items/{code}/verify-on",
    response={200: ItemOut, 409: ItemConflictOut, **WRITE_ERRORS},
    url_name="action-verify-on",
)
def move_verify_on(request: AuthenticatedHttpRequest, code: UUID, payload: VerifyOnIn):
    """Move the day a done item's outcome is asked for (too early to tell). 409 when the
    item changed since `revision`; 422 when it is not waiting for an outcome or the day
    is past."""
    item = action_item_move_verification(
        item=_item(request, code),
        by=request.user,
        verify_on=payload.verify_on,
        revision=payload.revision,
        reason=payload.reason,
    )
    return item_out(item)
