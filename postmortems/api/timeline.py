"""/api/v1/incidents/{number}/postmortem/timeline: list, add, change events."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from ninja import Field, Router, Schema, Status
from ninja.decorators import decorate_view

from accounts.http import AuthenticatedHttpRequest
from lib.markdown import TEXT_MAX_CHARS
from postmortems.api.errors import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, refuse
from postmortems.api.forms import form_data
from postmortems.api.idempotency import IDEMPOTENCY_KEY_DOC, idempotent
from postmortems.api.links import CODE, SAME_NUMBER, created
from postmortems.api.schemas import (
    BodyIn,
    ErrorOut,
    EventKind,
    IncidentNumber,
    Moment,
    Revision,
    Text,
)
from postmortems.forms import TimelineEventForm
from postmortems.models.reviews import TimelineEvent
from postmortems.permissions import get_postmortem_for_user, get_timeline_event_for_user
from postmortems.services.timeline import timeline_event_create, timeline_event_update

router = Router(tags=["timeline"])


class EventOut(Schema):
    code: UUID
    occurred_at: datetime
    kind: EventKind
    text: str
    source_url: str
    revision: int = Field(description="Send it back with a change (409 when outdated).")
    created_at: datetime


class EventConflictOut(ErrorOut):
    current: EventOut


class EventFieldsIn(BodyIn):
    occurred_at: Moment | None = None
    kind: EventKind | None = None
    text: Text | None = Field(None, max_length=TEXT_MAX_CHARS, description="Markdown.")
    source_url: Text | None = Field(None, max_length=500)


class EventCreateIn(EventFieldsIn):
    occurred_at: Moment
    kind: EventKind = TimelineEvent.Kind.ACTION.value
    text: Text = Field(max_length=TEXT_MAX_CHARS, description="Markdown.")
    source_url: Text = Field("", max_length=500)


class EventUpdateIn(EventFieldsIn):
    revision: Revision


def event_out(event: TimelineEvent) -> dict[str, Any]:
    return {
        name: getattr(event, name)
        for name in ("code", "occurred_at", "kind", "text", "source_url", "revision", "created_at")
    }


def _events(postmortem) -> QuerySet[TimelineEvent]:
    return TimelineEvent.objects.filter(postmortem=postmortem).order_by("occurred_at", "created_at")


@router.get(
    "/incidents/{number}/postmortem/timeline",
    response={200: list[EventOut], **READ_ERRORS},
    url_name="timeline",
)
def list_events(request: AuthenticatedHttpRequest, number: IncidentNumber):
    """The timeline, in time order."""
    postmortem = get_postmortem_for_user(request, number)
    return [event_out(event) for event in _events(postmortem)]


@router.post(
    "/incidents/{number}/postmortem/timeline",
    response={201: EventOut, **CREATE_ERRORS},
    url_name="timeline",
    openapi_extra=created(
        {"UpdateEvent": ("timeline_update_event", {"number": SAME_NUMBER, "code": CODE})},
        **IDEMPOTENCY_KEY_DOC,
    ),
)
@decorate_view(idempotent)
def add_event(request: AuthenticatedHttpRequest, number: IncidentNumber, payload: EventCreateIn):
    postmortem = get_postmortem_for_user(request, number, write=True)
    form = TimelineEventForm(form_data(TimelineEventForm, None, payload.dict()))
    if not form.is_valid():
        refuse(form)
    data = {name: form.cleaned_data[name] for name in form.Meta.fields}
    return Status(
        201, event_out(timeline_event_create(postmortem=postmortem, by=request.user, **data))
    )


@router.patch(
    "/incidents/{number}/postmortem/timeline/{code}",
    response={200: EventOut, 409: EventConflictOut, **WRITE_ERRORS},
    url_name="timeline-event",
)
def update_event(
    request: AuthenticatedHttpRequest, number: IncidentNumber, code: UUID, payload: EventUpdateIn
):
    """Change some fields. Send the `revision` you read: 409 when someone saved since."""
    event = get_timeline_event_for_user(request, number, code, write=True)
    changes = payload.dict(exclude_unset=True)
    form = TimelineEventForm(form_data(TimelineEventForm, event, changes), instance=event)
    if not form.is_valid():
        refuse(form)
    timeline_event_update(event=form.instance, expected_revision=form.cleaned_data["revision"])
    return event_out(form.instance)
