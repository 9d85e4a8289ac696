"""/api/v1/incidents: list with filters, create, read, update, resolve."""

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from pydantic.json_schema import SkipJsonSchema

from accounts.http import AuthenticatedHttpRequest
from lib.markdown import TEXT_MAX_CHARS
from postmortems.api.errors import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, InvalidInput, refuse
from postmortems.api.forms import IncidentApiForm, form_data
from postmortems.api.idempotency import IDEMPOTENCY_KEY_DOC, idempotent
from postmortems.api.links import NUMBER, created
from postmortems.api.pages import SyncPageOut, page_of, sync_page_of
from postmortems.api.schemas import (
    BodyIn,
    ErrorOut,
    IncidentNumber,
    IncidentStatus,
    Moment,
    PersonOut,
    PostmortemStatus,
    Revision,
    SeverityValue,
    Text,
    person,
    web_url,
)
from postmortems.models.incidents import Incident, Severity
from postmortems.permissions import get_incident_for_user
from postmortems.selectors import IncidentFilters, incident_list
from postmortems.services.incidents import incident_create, incident_resolve, incident_update

router = Router(tags=["incidents"])


class IncidentPostmortemOut(Schema):
    status: PostmortemStatus
    published_at: datetime | None


class IncidentOut(Schema):
    number: int
    reference: str = Field(examples=["INC-42"])
    title: str
    severity: SeverityValue
    status: IncidentStatus
    team: str = Field(description="The owning team's slug.")
    owner: PersonOut | None
    services: list[str] = Field(description="Service slugs.")
    description: str
    started_at: datetime
    detected_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    restricted: bool
    postmortem_not_needed: bool
    postmortem_not_needed_reason: str
    revision: int = Field(description="Send it back with a change (409 when outdated).")
    created_at: datetime
    updated_at: datetime
    postmortem: IncidentPostmortemOut | None
    url: str = Field(description="The incident's page.")


class IncidentPageOut(SyncPageOut):
    items: list[IncidentOut]


class IncidentConflictOut(ErrorOut):
    current: IncidentOut


class IncidentFiltersIn(Schema):
    # SkipJsonSchema: a filter left out is None here, but a query string has no null.
    status: IncidentStatus | SkipJsonSchema[None] = None
    severity: SeverityValue | SkipJsonSchema[None] = None
    team: Text = Field("", max_length=100, description="Team slug.")
    service: Text = Field("", max_length=100, description="Service slug.")
    q: Text = Field("", max_length=200, description="Words in the title.")
    started_after: Moment | SkipJsonSchema[None] = Field(None, description="Inclusive.")
    started_before: Moment | SkipJsonSchema[None] = Field(None, description="Exclusive.")
    updated_after: Moment | SkipJsonSchema[None] = Field(
        None,
        description="Changed at or after this moment (inclusive), oldest change first: "
        "to sync, send the `updated_at` of the last incident you read, minus a minute "
        "(see docs/api.md), then follow `next_cursor` until it is null.",
    )
    cursor: Text = Field(
        "", max_length=200, description="The `next_cursor` of the previous page of a sync."
    )
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(25, ge=1, le=100)


class IncidentFieldsIn(BodyIn):
    """What create and update accept; update takes any subset."""

    title: Text | None = Field(None, max_length=200)
    severity: SeverityValue | None = None
    status: IncidentStatus | None = None
    team: Text | None = Field(None, max_length=100, description="Team slug.")
    owner: Text | None = Field(None, max_length=254, description="Email address, or null.")
    services: list[Text] | None = Field(None, max_length=50, description="Service slugs.")
    description: Text | None = Field(None, max_length=TEXT_MAX_CHARS)
    started_at: Moment | None = None
    detected_at: Moment | None = None
    mitigated_at: Moment | None = None
    resolved_at: Moment | None = None
    restricted: bool | None = None
    postmortem_not_needed: bool | None = None
    postmortem_not_needed_reason: Text | None = Field(None, max_length=300)


class IncidentCreateIn(IncidentFieldsIn):
    title: Text = Field(max_length=200)
    severity: SeverityValue = Severity.SEV3.value
    status: IncidentStatus = Incident.Status.INVESTIGATING.value
    team: Text = Field(max_length=100, description="Team slug.")
    owner: Text | None = Field(
        None, max_length=254, description="Email address; you when left out, none when null."
    )
    services: list[Text] = Field(default_factory=list, max_length=50, description="Slugs.")
    description: Text = Field("", max_length=TEXT_MAX_CHARS)
    started_at: Moment | None = Field(None, description="Now when left out.")
    restricted: bool = False
    postmortem_not_needed: bool = False
    postmortem_not_needed_reason: Text = Field("", max_length=300)


class IncidentUpdateIn(IncidentFieldsIn):
    revision: Revision


class ResolveIn(BodyIn):
    revision: Revision
    resolved_at: Moment | None = Field(None, description="Now when left out.")


def incident_out(incident: Incident, services: list | None = None) -> dict[str, Any]:
    """`services`: the incident's services when not prefetched."""
    postmortem = getattr(incident, "postmortem", None)  # joined by the callers
    if services is None:
        services = list(incident.services.all())
    return {
        **{
            name: getattr(incident, name)
            for name in (
                "number",
                "reference",
                "title",
                "severity",
                "status",
                "description",
                "started_at",
                "detected_at",
                "mitigated_at",
                "resolved_at",
                "restricted",
                "postmortem_not_needed",
                "postmortem_not_needed_reason",
                "revision",
                "created_at",
                "updated_at",
            )
        },
        "team": incident.team.slug,
        "owner": person(incident.owner),
        "services": sorted(service.slug for service in services),
        "postmortem": (
            {"status": postmortem.status, "published_at": postmortem.published_at}
            if postmortem is not None
            else None
        ),
        "url": web_url(reverse("pm-incident-detail", args=[incident.number])),
    }


def _changes(payload: Schema) -> dict[str, Any]:
    return payload.dict(exclude_unset=True)


def _save_or_refuse(form: IncidentApiForm, save) -> Incident:
    if not form.is_valid():
        refuse(form)
    return save(form)


@router.get("/incidents", response={200: IncidentPageOut, **READ_ERRORS}, url_name="incidents")
def list_incidents(request: AuthenticatedHttpRequest, filters: Query[IncidentFiltersIn]):
    """Incidents you may see, newest first, with the incident list's filters; with
    `updated_after`, those changed since, in the order they changed: a sync."""
    if filters.cursor and filters.updated_after is None:
        raise InvalidInput({"cursor": ["A cursor continues a sync: send `updated_after` too."]})
    incidents = incident_list(
        user=request.user,
        filters=IncidentFilters(
            status=filters.status or "",
            severity=filters.severity or "",
            team=filters.team,
            service=filters.service,
            q=filters.q.strip(),
            started_after=filters.started_after,
            started_before=filters.started_before,
            updated_after=filters.updated_after,
        ),
    )
    if filters.updated_after is None:
        page = page_of(incidents, page=filters.page, page_size=filters.page_size, out=incident_out)
        return {**page, "next_cursor": None}
    return sync_page_of(
        incidents.order_by("updated_at", "pk"),
        cursor=filters.cursor,
        page=filters.page,
        page_size=filters.page_size,
        out=incident_out,
    )


@router.post(
    "/incidents",
    response={201: IncidentOut, **CREATE_ERRORS},
    url_name="incidents",
    openapi_extra=created(
        {
            "ReadIncident": ("incidents_read_incident", {"number": NUMBER}),
            "UpdateIncident": ("incidents_update_incident", {"number": NUMBER}),
            "ResolveIncident": ("incidents_resolve_incident", {"number": NUMBER}),
            "StartPostmortem": ("postmortems_start_postmortem", {"number": NUMBER}),
        },
        **IDEMPOTENCY_KEY_DOC,
    ),
)
@decorate_view(idempotent)
def create_incident(request: AuthenticatedHttpRequest, payload: IncidentCreateIn):
    """Open an incident. It gets the next INC number."""
    changes = payload.dict()
    if "owner" not in payload.model_fields_set:
        changes["owner"] = request.user.email  # as the page's form proposes
    if changes.get("started_at") is None:
        changes["started_at"] = timezone.now()
    form = IncidentApiForm(form_data(IncidentApiForm, None, changes), user=request.user)

    def save(form: IncidentApiForm) -> Incident:
        data = form.cleaned_data
        fields = {name: data[name] for name in form.Meta.fields if name != "services"}
        return incident_create(by=request.user, services=list(data["services"]), **fields)

    incident = _save_or_refuse(form, save)
    incident = get_incident_for_user(request, incident.number)
    return Status(201, incident_out(incident))


@router.get("/incidents/{number}", response={200: IncidentOut, **READ_ERRORS}, url_name="incident")
def read_incident(request: AuthenticatedHttpRequest, number: IncidentNumber):
    return incident_out(get_incident_for_user(request, number))


@router.patch(
    "/incidents/{number}",
    response={200: IncidentOut, 409: IncidentConflictOut, **WRITE_ERRORS},
    url_name="incident",
)
def update_incident(
    request: AuthenticatedHttpRequest, number: IncidentNumber, payload: IncidentUpdateIn
):
    """Change some fields. Send the `revision` you read: 409 when someone saved since."""
    incident = get_incident_for_user(request, number, write=True)
    form = IncidentApiForm(
        form_data(IncidentApiForm, incident, _changes(payload)),
        instance=incident,
        user=request.user,
    )

    def save(form: IncidentApiForm) -> Incident:
        return incident_update(
            incident=form.instance,
            expected_revision=form.cleaned_data["revision"] or 0,
            services=list(form.cleaned_data["services"]),
        )

    _save_or_refuse(form, save)
    return incident_out(get_incident_for_user(request, number))


@router.post(
    "/incidents/{number}/resolve",
    response={200: IncidentOut, 409: IncidentConflictOut, **WRITE_ERRORS},
    url_name="incident-resolve",
)
def resolve_incident(request: AuthenticatedHttpRequest, number: IncidentNumber, payload: ResolveIn):
    """Mark resolved, now or at `resolved_at`: the postmortem's 24-hour clock starts."""
    incident = get_incident_for_user(request, number, write=True)
    incident_resolve(
        incident=incident, expected_revision=payload.revision, resolved_at=payload.resolved_at
    )
    return incident_out(get_incident_for_user(request, number))
