"""/api/v1/incidents/{number}/postmortem/actions: list, add, change, complete items."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ninja import Field, Router, Schema, Status

from accounts.http import AuthenticatedHttpRequest
from postmortems.api.errors import READ_ERRORS, WRITE_ERRORS, refuse
from postmortems.api.forms import ActionItemApiForm, form_data
from postmortems.api.schemas import (
    Day,
    ErrorOut,
    IncidentNumber,
    ItemPriority,
    ItemStatus,
    ItemType,
    PersonOut,
    Revision,
    Text,
    person,
)
from postmortems.markdown import TEXT_MAX_CHARS
from postmortems.models import ActionItem
from postmortems.permissions import get_action_item_for_user, get_postmortem_for_user
from postmortems.services.action_changes import action_item_mark_done
from postmortems.services.actions import action_item_create, action_item_update

router = Router(tags=["action items"])


class ItemOut(Schema):
    code: UUID
    title: str
    description: str
    owner: PersonOut | None
    due_date: date | None
    priority: ItemPriority
    type: ItemType = Field(description="Empty until chosen.")
    status: ItemStatus
    wont_do_reason: str
    tracker_url: str
    revision: int = Field(description="Send it back with a change (409 when outdated).")
    completed_at: datetime | None
    created_at: datetime


class ItemConflictOut(ErrorOut):
    current: ItemOut


class ItemFieldsIn(Schema):
    title: Text | None = Field(None, max_length=200)
    description: Text | None = Field(None, max_length=TEXT_MAX_CHARS)
    owner: Text | None = Field(None, max_length=254, description="Email address, or null.")
    due_date: Day | None = None
    priority: ItemPriority | None = None
    type: ItemType | None = None
    status: ItemStatus | None = None
    wont_do_reason: Text | None = Field(None, max_length=2_000)
    tracker_url: Text | None = Field(None, max_length=500)


class ItemCreateIn(ItemFieldsIn):
    title: Text = Field(max_length=200)
    description: Text = Field("", max_length=TEXT_MAX_CHARS)
    priority: ItemPriority = ActionItem.Priority.MEDIUM.value
    type: ItemType = Field("", description="Empty until chosen.")
    status: ItemStatus = ActionItem.Status.OPEN.value
    wont_do_reason: Text = Field("", max_length=2_000)
    tracker_url: Text = Field("", max_length=500)


class ItemUpdateIn(ItemFieldsIn):
    revision: Revision


class CompleteIn(Schema):
    revision: Revision


def item_out(item: ActionItem) -> dict[str, Any]:
    return {
        **{
            name: getattr(item, name)
            for name in (
                "code",
                "title",
                "description",
                "due_date",
                "priority",
                "type",
                "status",
                "wont_do_reason",
                "tracker_url",
                "revision",
                "completed_at",
                "created_at",
            )
        },
        "owner": person(item.owner),
    }


@router.get(
    "/incidents/{number}/postmortem/actions",
    response={200: list[ItemOut], **READ_ERRORS},
    url_name="actions",
)
def list_items(request: AuthenticatedHttpRequest, number: IncidentNumber):
    """The action items, by due date."""
    postmortem = get_postmortem_for_user(request, number)
    items = ActionItem.objects.filter(postmortem=postmortem).select_related("owner")
    return [item_out(item) for item in items.order_by("due_date", "created_at")]


@router.post(
    "/incidents/{number}/postmortem/actions",
    response={201: ItemOut, **WRITE_ERRORS},
    url_name="actions",
)
def add_item(request: AuthenticatedHttpRequest, number: IncidentNumber, payload: ItemCreateIn):
    postmortem = get_postmortem_for_user(request, number, write=True)
    form = ActionItemApiForm(form_data(ActionItemApiForm, None, payload.dict()))
    if not form.is_valid():
        refuse(form)
    data = {name: form.cleaned_data[name] for name in form.Meta.fields}
    item = action_item_create(postmortem=postmortem, by=request.user, **data)
    return Status(201, item_out(item))


@router.patch(
    "/incidents/{number}/postmortem/actions/{code}",
    response={200: ItemOut, 409: ItemConflictOut, **WRITE_ERRORS},
    url_name="action",
)
def update_item(
    request: AuthenticatedHttpRequest, number: IncidentNumber, code: UUID, payload: ItemUpdateIn
):
    """Change some fields. Send the `revision` you read: 409 when someone saved since."""
    item = get_action_item_for_user(request, number, code, write=True)
    changes = payload.dict(exclude_unset=True)
    form = ActionItemApiForm(form_data(ActionItemApiForm, item, changes), instance=item)
    if not form.is_valid():
        refuse(form)
    action_item_update(
        item=form.instance, by=request.user, expected_revision=form.cleaned_data["revision"]
    )
    return item_out(form.instance)


@router.post(
    "/incidents/{number}/postmortem/actions/{code}/complete",
    response={200: ItemOut, 409: ItemConflictOut, **WRITE_ERRORS},
    url_name="action-complete",
)
def complete_item(
    request: AuthenticatedHttpRequest, number: IncidentNumber, code: UUID, payload: CompleteIn
):
    """Mark done. 409 when the item changed since `revision`; 422 when already finished."""
    item = get_action_item_for_user(request, number, code, write=True)
    action_item_mark_done(item=item, by=request.user, expected_revision=payload.revision)
    return item_out(item)
