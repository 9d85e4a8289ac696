"""/api/v1/incidents/{number}/postmortem: read, start, save a section, change status."""

from datetime import datetime
from typing import Any

from django.http import Http404
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.decorators import decorate_view

from accounts.http import AuthenticatedHttpRequest
from lib.markdown import SECTION_MAX_CHARS
from postmortems.api.detection import DetectionOut, stored_detection
from postmortems.api.errors import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, error_body, refuse
from postmortems.api.idempotency import IDEMPOTENCY_KEY_DOC, idempotent
from postmortems.api.links import INCIDENT, created
from postmortems.api.schemas import (
    BodyIn,
    ErrorOut,
    IncidentNumber,
    PersonOut,
    PostmortemStatus,
    SectionName,
    Text,
    person,
    web_url,
)
from postmortems.forms import SectionForm, StatusForm
from postmortems.models.comments import comment_label
from postmortems.models.review_templates import layout_keys, review_sections, section_text
from postmortems.models.reviews import Postmortem
from postmortems.permissions import get_incident_for_user, get_postmortem_for_user
from postmortems.readiness.checks import Readiness, postmortem_readiness
from postmortems.services.postmortems import (
    OpenComments,
    SectionConflict,
    postmortem_set_status,
    postmortem_start,
    postmortem_update_section,
    text_fingerprint,
)

router = Router(tags=["postmortems"])


class SectionOut(Schema):
    name: SectionName = Field(description="The same as `key` (kept for older clients).")
    key: SectionName = Field(description="Where to save it: .../sections/{key}.")
    label: str
    question: str = Field(description="The section's guiding question.")
    text: str
    fingerprint: str = Field(description="Send it back as `base` when saving this section.")


class CheckOut(Schema):
    name: str
    label: str
    passed: bool
    required: bool = Field(description="Required checks must pass before publishing.")
    message: str


class PostmortemOut(Schema):
    incident: int = Field(description="The incident number.")
    reference: str = Field(examples=["INC-42"])
    status: PostmortemStatus
    authors: list[PersonOut]
    tags: list[str]
    sections: list[SectionOut] = Field(
        description="The review's sections in order, as its template laid them out."
    )
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    ready: bool = Field(description="Every required readiness check passes.")
    checks: list[CheckOut]
    detection: DetectionOut | None = Field(
        description="How the incident was found and its alerts' criteria; null until "
        "the review's editor first opens it."
    )
    url: str = Field(description="The postmortem's page.")


class SectionIn(BodyIn):
    text: Text = Field(max_length=SECTION_MAX_CHARS, description="Markdown.")
    base: Text = Field(
        max_length=64,
        description="The `fingerprint` of the text your change started from.",
    )


class SectionSavedOut(Schema):
    name: SectionName
    text: str
    fingerprint: str
    revision: int | None = Field(description="The section's revision number now.")


class SectionConflictOut(ErrorOut):
    current_text: str
    current_fingerprint: str


class StatusIn(BodyIn):
    status: PostmortemStatus
    confirm_open_comments: bool = Field(
        False, description="Publish even though review comments are still open."
    )


class NotReadyOut(ErrorOut):
    missing: list[CheckOut] = Field(
        default_factory=list, description="The required checks that fail."
    )


class OpenCommentOut(Schema):
    code: str
    section: str
    label: str = Field(description="The section's name in the review's layout.")
    text: str
    author: PersonOut | None
    created_at: datetime


class OpenCommentsOut(ErrorOut):
    open_comments: list[OpenCommentOut]


def checks_out(readiness: Readiness, results=None) -> list[dict[str, Any]]:
    return [
        {
            "name": r.name,
            "label": r.label,
            "passed": r.passed,
            "required": r.required,
            "message": r.message,
        }
        for r in (readiness.results if results is None else results)
    ]


def postmortem_out(postmortem: Postmortem) -> dict[str, Any]:
    readiness = postmortem_readiness(postmortem=postmortem)
    incident = postmortem.incident
    return {
        "incident": incident.number,
        "reference": incident.reference,
        "status": postmortem.status,
        "authors": [person(user) for user in postmortem.authors.all()],
        "tags": sorted(tag.slug for tag in postmortem.tags.all()),
        "sections": [
            {
                "name": part.key,
                "key": part.key,
                "label": part.label,
                "question": part.question,
                "text": part.text,
                "fingerprint": text_fingerprint(part.text),
            }
            for part in review_sections(postmortem)
        ],
        "created_at": postmortem.created_at,
        "updated_at": postmortem.updated_at,
        "published_at": postmortem.published_at,
        "ready": readiness.ready,
        "checks": checks_out(readiness),
        "detection": stored_detection(postmortem),
        "url": web_url(reverse("pm-postmortem-detail", args=[incident.number])),
    }


@router.get(
    "/incidents/{number}/postmortem",
    response={200: PostmortemOut, **READ_ERRORS},
    url_name="postmortem",
)
def read_postmortem(request: AuthenticatedHttpRequest, number: IncidentNumber):
    """The review: its sections (with fingerprints for saving), status and readiness."""
    return postmortem_out(get_postmortem_for_user(request, number))


@router.post(
    "/incidents/{number}/postmortem",
    response={201: PostmortemOut, **CREATE_ERRORS},
    url_name="postmortem",
    openapi_extra=created(
        {
            "ReadPostmortem": ("postmortems_read_postmortem", {"number": INCIDENT}),
            "SaveSection": (
                "postmortems_save_section",
                {"number": INCIDENT, "section": "$response.body#/sections/0/name"},
            ),
            "ChangeStatus": ("postmortems_change_status", {"number": INCIDENT}),
            "AddEvent": ("timeline_add_event", {"number": INCIDENT}),
            "ListEvents": ("timeline_list_events", {"number": INCIDENT}),
            "AddItem": ("actions_add_item", {"number": INCIDENT}),
            "ListItems": ("actions_list_items", {"number": INCIDENT}),
        },
        **IDEMPOTENCY_KEY_DOC,
    ),
)
@decorate_view(idempotent)
def start_postmortem(request: AuthenticatedHttpRequest, number: IncidentNumber):
    """Start the incident's postmortem (or answer the one already started)."""
    incident = get_incident_for_user(request, number, write=True)
    postmortem_start(incident=incident, by=request.user)
    return Status(201, postmortem_out(get_postmortem_for_user(request, number)))


@router.put(
    "/incidents/{number}/postmortem/sections/{section}",
    response={200: SectionSavedOut, 409: SectionConflictOut, **WRITE_ERRORS},
    url_name="postmortem-section",
)
def save_section(
    request: AuthenticatedHttpRequest,
    number: IncidentNumber,
    section: SectionName,
    payload: SectionIn,
):
    """Replace one section's Markdown, as the editor does.

    `base` is the fingerprint of the text you started from. When someone else changed
    the section since, nothing is saved: 409 with their text, to merge and send again
    with `current_fingerprint` as the new base.
    """
    postmortem = get_postmortem_for_user(request, number, write=True)
    if section not in layout_keys(postmortem):
        raise Http404("This review has no such section.")
    form = SectionForm({"text": payload.text, "base": payload.base}, section=section)
    if not form.is_valid():
        refuse(form)
    try:
        revision = postmortem_update_section(
            postmortem=postmortem,
            section=section,
            text=form.cleaned_data["text"],
            base_fingerprint=form.cleaned_data["base"],
            by=request.user,
        )
    except SectionConflict as conflict:
        body = error_body(
            str(conflict),
            current_text=conflict.current_text,
            current_fingerprint=text_fingerprint(conflict.current_text),
        )
        return Status(409, body)
    text = section_text(postmortem, section)
    return {
        "name": section,
        "text": text,
        "fingerprint": text_fingerprint(text),
        "revision": revision.number if revision else None,
    }


@router.post(
    "/incidents/{number}/postmortem/status",
    response={
        200: PostmortemOut,
        409: OpenCommentsOut,
        **WRITE_ERRORS,
        422: NotReadyOut,
    },
    url_name="postmortem-status",
)
def change_status(request: AuthenticatedHttpRequest, number: IncidentNumber, payload: StatusIn):
    """Move between draft, in review and published.

    Publishing needs every required readiness check (422 lists those missing) and, while
    review comments are open, `confirm_open_comments` (409 lists them otherwise).
    """
    postmortem = get_postmortem_for_user(request, number, write=True)
    form = StatusForm({"status": payload.status, "confirm": payload.confirm_open_comments})
    if not form.is_valid():
        refuse(form)
    try:
        postmortem_set_status(
            postmortem=postmortem,
            status=form.cleaned_data["status"],
            by=request.user,
            publish_with_open_comments=form.cleaned_data["confirm"],
        )
    except OpenComments as open_comments:
        body = error_body(
            str(open_comments.message),
            open_comments=[
                {
                    "code": str(comment.code),
                    "section": comment.section,
                    "label": comment_label(postmortem, comment.section),
                    "text": comment.text,
                    "author": person(comment.author),
                    "created_at": comment.created_at,
                }
                for comment in open_comments.comments
            ],
        )
        return Status(409, body)
    return postmortem_out(get_postmortem_for_user(request, number))
