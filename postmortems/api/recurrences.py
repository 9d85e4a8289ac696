"""/api/v1/incidents/{number}/recurrences: the earlier reviewed incidents an incident
may repeat, the later ones that may repeat it, and confirming or dismissing. Only
recurrences whose two incidents the caller may see are named (as on the pages)."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Router, Schema, Status

from accounts.http import AuthenticatedHttpRequest
from postmortems.api.errors import READ_ERRORS, WRITE_ERRORS, InvalidInput, error_body
from postmortems.api.schemas import BodyIn, ErrorOut, IncidentNumber, Revision, Text
from postmortems.permissions import get_incident_for_user
from postmortems.recurrence.models import Recurrence
from postmortems.recurrence.selectors import recurrence_for_user, recurrences_for_incident
from postmortems.recurrence.services import (
    NOTE_MAX_CHARS,
    RecurrenceConflict,
    recurrence_decide,
)

router = Router(tags=["recurrences"])


class IncidentRefOut(Schema):
    number: int
    reference: str = Field(examples=["INC-42"])
    title: str
    started_at: datetime


class UnsettledItemOut(Schema):
    code: str
    title: str
    status: str
    outcome: str = Field(description="worked, did_not_work, cannot_tell; empty until said.")


class SharedOut(Schema):
    alert_rules: list[str]
    services: list[str] = Field(description="Service slugs.")
    tags: list[str] = Field(description="Tag slugs.")


class RecurrenceOut(Schema):
    code: str = Field(description="Names the recurrence in a decision.")
    incident: IncidentRefOut = Field(description="The later incident.")
    earlier: IncidentRefOut = Field(description="The earlier reviewed incident.")
    shared: SharedOut
    status: str = Field(examples=["suggested", "confirmed", "dismissed"])
    decided_by: str | None = Field(description="Email of who decided; null until decided.")
    decided_at: datetime | None
    note: str
    revision: int = Field(description="Send it back to change a decision (409 when outdated).")


class RecurrenceDetailOut(RecurrenceOut):
    unsettled_items: list[UnsettledItemOut] = Field(
        description="The earlier review's items not done-and-worked."
    )


class RecurrencesOut(Schema):
    recurrence_of: list[RecurrenceDetailOut] = Field(
        description="Earlier reviewed incidents this one may repeat, strongest first."
    )
    recurred_as: list[RecurrenceOut] = Field(
        description="Later incidents that may repeat this one (dismissed ones left out)."
    )


class DecisionIn(BodyIn):
    note: Text = Field("", max_length=NOTE_MAX_CHARS)
    revision: Revision | None = Field(
        None, description="Needed to change a decision already taken: the revision you read."
    )


class RecurrenceConflictOut(ErrorOut):
    current: RecurrenceOut


def _ref(incident) -> dict[str, Any]:
    return {
        "number": incident.number,
        "reference": incident.reference,
        "title": incident.title,
        "started_at": incident.started_at,
    }


def recurrence_out(recurrence: Recurrence) -> dict[str, Any]:
    return {
        "code": str(recurrence.code),
        "incident": _ref(recurrence.incident),
        "earlier": _ref(recurrence.earlier),
        "shared": {
            relation: [thing.slug for thing in things]
            for relation, things in recurrence.shared.items()
        },
        "status": recurrence.status,
        "decided_by": recurrence.decided_by.email if recurrence.decided_by else None,
        "decided_at": recurrence.decided_at,
        "note": recurrence.note,
        "revision": recurrence.revision,
    }


def _detail_out(recurrence: Recurrence) -> dict[str, Any]:
    # The earlier review may have been deleted since (the admin offers it): no items.
    postmortem = getattr(recurrence.earlier, "postmortem", None)
    items = getattr(postmortem, "unsettled_items", [])
    return {
        **recurrence_out(recurrence),
        "unsettled_items": [
            {"code": str(i.code), "title": i.title, "status": i.status, "outcome": i.outcome}
            for i in items
        ],
    }


@router.get(
    "/incidents/{number}/recurrences",
    response={200: RecurrencesOut, **READ_ERRORS},
    url_name="recurrences",
)
def list_recurrences(request: AuthenticatedHttpRequest, number: IncidentNumber):
    incident = get_incident_for_user(request, number)
    found = recurrences_for_incident(incident=incident, user=request.user)
    return {
        "recurrence_of": [_detail_out(r) for r in found.of],
        "recurred_as": [recurrence_out(r) for r in found.recurred_as],
    }


def _decide(request: AuthenticatedHttpRequest, number: int, code: str, decision: str, payload):
    incident = get_incident_for_user(request, number, write=True)
    try:
        recurrence = recurrence_for_user(incident=incident, user=request.user, code=code)
    except (Recurrence.DoesNotExist, ValidationError):
        raise Http404("No such recurrence.") from None
    try:
        recurrence_decide(
            recurrence=recurrence,
            decision=decision,
            by=request.user,
            note=payload.note,
            expected_revision=payload.revision,
        )
    except RecurrenceConflict:
        detail = "Someone else decided this recurrence first; nothing was changed."
        current = recurrence_for_user(incident=incident, user=request.user, code=code)
        return Status(409, error_body(detail, current=recurrence_out(current)))
    except ValidationError as error:
        raise InvalidInput({"__all__": error.messages}) from None
    return recurrence_out(recurrence_for_user(incident=incident, user=request.user, code=code))


DECIDE_RESPONSES = {200: RecurrenceOut, 409: RecurrenceConflictOut, **WRITE_ERRORS}


@router.post(
    "/incidents/{number}/recurrences/{code}/confirm",
    response=DECIDE_RESPONSES,
    url_name="recurrence-confirm",
)
def confirm_recurrence(
    request: AuthenticatedHttpRequest, number: IncidentNumber, code: str, payload: DecisionIn
):
    """Confirm it is a recurrence. 409 with the recurrence as it is when it was already
    dismissed and the `revision` you send is not the one it has now."""
    return _decide(request, number, code, "confirm", payload)


@router.post(
    "/incidents/{number}/recurrences/{code}/dismiss",
    response=DECIDE_RESPONSES,
    url_name="recurrence-dismiss",
)
def dismiss_recurrence(
    request: AuthenticatedHttpRequest, number: IncidentNumber, code: str, payload: DecisionIn
):
    """Dismiss it: not a recurrence. 409 as for confirm."""
    return _decide(request, number, code, "dismiss", payload)
