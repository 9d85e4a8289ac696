"""Action items: /api/v1/action-items across incidents (the follow-up list), and
/api/v1/incidents/{number}/postmortem/actions to list, add, change and complete one
review's items."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeAlias
from uuid import UUID

from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.decorators import decorate_view
from pydantic.json_schema import SkipJsonSchema

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Team, User
from lib.markdown import TEXT_MAX_CHARS
from postmortems.api.errors import CREATE_ERRORS, READ_ERRORS, WRITE_ERRORS, InvalidInput, refuse
from postmortems.api.forms import ActionItemApiForm, form_data
from postmortems.api.idempotency import IDEMPOTENCY_KEY_DOC, idempotent
from postmortems.api.links import CODE, SAME_NUMBER, created
from postmortems.api.pages import SyncPageOut, page_of, sync_page_of
from postmortems.api.schemas import (
    BodyIn,
    Day,
    ErrorOut,
    IncidentNumber,
    ItemOutcome,
    ItemPriority,
    ItemStatus,
    ItemType,
    ItemVerification,
    Moment,
    PersonOut,
    Revision,
    Text,
    person,
    web_url,
)
from postmortems.api.tracker_issues import TrackerIssueOut, tracker_issue_out
from postmortems.forms import VERIFICATION_PLAN_MAX_CHARS
from postmortems.insights import dashboard
from postmortems.insights.dashboard import ItemFilters
from postmortems.models.actions import ActionItem
from postmortems.permissions import get_action_item_for_user, get_postmortem_for_user
from postmortems.services.action_changes import action_item_mark_done
from postmortems.services.actions import action_item_create, action_item_update
from postmortems.services.commitments import action_item_commit
from postmortems.trackers.models import TrackerIssue

router = Router(tags=["action items"])


class ItemOut(Schema):
    code: UUID
    title: str
    description: str
    owner: PersonOut | None
    due_date: date | None
    priority: ItemPriority
    type: ItemType = Field(description="Empty until chosen.")
    status: ItemStatus = Field(
        description="`idea`: kept, not committed to; nothing counts it until it is "
        "committed (POST …/commit). The other statuses are commitments."
    )
    wont_do_reason: str
    tracker_url: str
    verification: ItemVerification = Field(
        description="How we will know it worked: test, alert, metric, drill, or none (no "
        "check possible; the plan says why). Empty until chosen."
    )
    verification_plan: str = Field(description="The check, described; for none, the reason.")
    revision: int = Field(description="Send it back with a change (409 when outdated).")
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime = Field(description="Its last change: what `updated_after` reads.")
    tracker_issue: TrackerIssueOut | None = Field(
        None, description="Its issue in the team's tracker, if it has one."
    )
    # Proven fixes (api/action_outcomes.py records the outcome).
    verify_on: date | None = Field(
        description="Done and waiting for its outcome: the day its owner is asked."
    )
    outcome: ItemOutcome | Literal[""] = Field(description="Empty until recorded.")
    outcome_evidence: str
    outcome_note: str
    outcome_at: datetime | None


class ItemConflictOut(ErrorOut):
    current: ItemOut


class ItemFieldsIn(BodyIn):
    title: Text | None = Field(None, max_length=200)
    description: Text | None = Field(None, max_length=TEXT_MAX_CHARS)
    owner: Text | None = Field(None, max_length=254, description="Email address, or null.")
    due_date: Day | None = None
    priority: ItemPriority | None = None
    type: ItemType | None = None
    status: ItemStatus | None = None
    wont_do_reason: Text | None = Field(None, max_length=2_000)
    tracker_url: Text | None = Field(None, max_length=500)
    verification: ItemVerification | None = None
    verification_plan: Text | None = Field(None, max_length=VERIFICATION_PLAN_MAX_CHARS)


class ItemCreateIn(ItemFieldsIn):
    title: Text = Field(max_length=200)
    description: Text = Field("", max_length=TEXT_MAX_CHARS)
    priority: ItemPriority = ActionItem.Priority.MEDIUM.value
    type: ItemType = Field("", description="Empty until chosen.")
    status: ItemStatus = Field(
        ActionItem.Status.OPEN.value, description="`idea` keeps an idea: a title is enough."
    )
    wont_do_reason: Text = Field("", max_length=2_000)
    tracker_url: Text = Field("", max_length=500)
    verification: ItemVerification = Field("", description="Empty until chosen.")
    verification_plan: Text = Field("", max_length=VERIFICATION_PLAN_MAX_CHARS)


class ItemUpdateIn(ItemFieldsIn):
    revision: Revision


class CompleteIn(BodyIn):
    revision: Revision


class CommitIn(BodyIn):
    revision: Revision
    owner: Text = Field(max_length=254, description="The owner's email address.")
    due_date: Day
    type: ItemType
    priority: ItemPriority | None = None
    verification: ItemVerification
    verification_plan: Text = Field(
        max_length=VERIFICATION_PLAN_MAX_CHARS,
        description="The check, described; for `none`, why no check is possible.",
    )


class ReviewItemsIn(Schema):
    updated_after: Moment | SkipJsonSchema[None] = Field(
        None, description="Changed at or after this moment (inclusive)."
    )


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
                "verification",
                "verification_plan",
                "revision",
                "completed_at",
                "created_at",
                "updated_at",
                "verify_on",
                "outcome",
                "outcome_evidence",
                "outcome_note",
                "outcome_at",
            )
        },
        "owner": person(item.owner),
        "tracker_issue": tracker_issue_out(_link_of(item)),
    }


def _link_of(item: ActionItem) -> TrackerIssue | None:
    """The item's link, joined by the lists (select_related), read for a single item."""
    try:
        return item.tracker_issue
    except TrackerIssue.DoesNotExist:
        return None


@router.get(
    "/incidents/{number}/postmortem/actions",
    response={200: list[ItemOut], **READ_ERRORS},
    url_name="actions",
)
def list_items(
    request: AuthenticatedHttpRequest, number: IncidentNumber, filters: Query[ReviewItemsIn]
):
    """The action items, by due date; with `updated_after`, those changed since, oldest
    change first."""
    postmortem = get_postmortem_for_user(request, number)
    items = ActionItem.objects.filter(postmortem=postmortem).select_related(
        "owner", "tracker_issue"
    )
    if filters.updated_after is None:
        items = items.order_by("due_date", "created_at")
    else:
        items = items.filter(updated_at__gte=filters.updated_after).order_by("updated_at", "pk")
    return [item_out(item) for item in items]


@router.post(
    "/incidents/{number}/postmortem/actions",
    response={201: ItemOut, **CREATE_ERRORS},
    url_name="actions",
    openapi_extra=created(
        {
            "UpdateItem": ("actions_update_item", {"number": SAME_NUMBER, "code": CODE}),
            "CompleteItem": ("actions_complete_item", {"number": SAME_NUMBER, "code": CODE}),
        },
        **IDEMPOTENCY_KEY_DOC,
    ),
)
@decorate_view(idempotent)
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


@router.post(
    "/incidents/{number}/postmortem/actions/{code}/commit",
    response={200: ItemOut, 409: ItemConflictOut, **WRITE_ERRORS},
    url_name="action-commit",
)
def commit_item(
    request: AuthenticatedHttpRequest, number: IncidentNumber, code: UUID, payload: CommitIn
):
    """Make an idea a commitment in one step: owner, due date, type and how we will know
    it worked, all required. 409 when the idea changed since `revision`; 422 with the
    missing fields, or when the item is already committed."""
    item = get_action_item_for_user(request, number, code, write=True)
    owner = User.objects.filter(email__iexact=payload.owner, is_active=True).first()
    if owner is None:
        raise InvalidInput({"owner": ["Nobody who can sign in has this email address."]})
    action_item_commit(
        item=item,
        by=request.user,
        owner=owner,
        due_date=payload.due_date,
        type=payload.type,
        priority=payload.priority,
        verification=payload.verification,
        verification_plan=payload.verification_plan,
        expected_revision=payload.revision,
    )
    return item_out(item)


if TYPE_CHECKING:  # a Literal built at run time, as in api/schemas.py
    ItemState: TypeAlias = str
else:
    ItemState = Literal[tuple(dashboard.STATES)]


class ItemIncidentOut(Schema):
    number: int
    reference: str = Field(examples=["INC-42"])
    title: str
    team: str = Field(description="The owning team's slug.")


class ListedItemOut(ItemOut):
    incident: ItemIncidentOut
    url: str = Field(description="The item on its review's page.")


class ListedItemPageOut(SyncPageOut):
    items: list[ListedItemOut]


class ItemListIn(Schema):
    state: ItemState | SkipJsonSchema[None] = Field(
        None,
        description="open, overdue (open and due before your today), due_soon (in the next "
        f"{dashboard.DUE_SOON_DAYS} days), unplanned (no owner or no due date), done "
        "(done or won't do), all (every commitment), ideas (not committed). open when "
        "left out; all with `updated_after`.",
    )
    team: Text = Field("", max_length=100, description="Team slug; every team when left out.")
    owner: Text = Field(
        "", max_length=254, description='An email address, "me", or "none" for unowned items.'
    )
    updated_after: Moment | SkipJsonSchema[None] = Field(
        None,
        description="Changed at or after this moment (inclusive), oldest change first: "
        "to sync, send the `updated_at` of the last item you read, minus a minute "
        "(see docs/api.md), then follow `next_cursor` until it is null.",
    )
    cursor: Text = Field(
        "", max_length=200, description="The `next_cursor` of the previous page of a sync."
    )
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


def _listed_item_out(item: ActionItem) -> dict[str, Any]:
    incident = item.postmortem.incident
    return {
        **item_out(item),
        "incident": {
            "number": incident.number,
            "reference": incident.reference,
            "title": incident.title,
            "team": incident.team.slug,
        },
        "url": web_url(reverse("pm-postmortem-detail", args=[incident.number]))
        + f"#item-{item.code}",
    }


def _owner_filter(request: AuthenticatedHttpRequest, owner: str) -> str:
    """ItemFilters.owner: a user's pk, "none", or "" for anyone."""
    if owner in ("", "none"):
        return owner
    if owner == "me":
        return str(request.user.pk)
    pk = User.objects.filter(email__iexact=owner).values_list("pk", flat=True).first()
    if pk is None:
        raise InvalidInput({"owner": ["Nobody has this email address."]})
    return str(pk)


@router.get(
    "/action-items",
    response={200: ListedItemPageOut, **READ_ERRORS},
    url_name="action-items",
)
def list_all_items(request: AuthenticatedHttpRequest, filters: Query[ItemListIn]):
    """Action items of every incident you may see, by due date: the dashboard's list.
    `state=overdue` is what slips; "today" is yours, in your profile's time zone.
    With `updated_after`, those changed since, in the order they changed: a sync."""
    if filters.cursor and filters.updated_after is None:
        raise InvalidInput({"cursor": ["A cursor continues a sync: send `updated_after` too."]})
    syncing = filters.updated_after is not None
    state = filters.state or ("all" if syncing else "open")
    teams = None
    if filters.team:
        team = Team.objects.filter(slug=filters.team).first()
        if team is None:
            raise InvalidInput({"team": ["No team has this slug."]})
        teams = [team]
    items = dashboard.filtered_items(
        dashboard.team_action_items(user=request.user, teams=teams),
        ItemFilters(state=state, owner=_owner_filter(request, filters.owner)),
        today=timezone.localdate(),
        tz=timezone.get_current_timezone(),
    ).select_related("owner", "postmortem__incident__team", "tracker_issue")
    if not syncing:
        page = page_of(items, page=filters.page, page_size=filters.page_size, out=_listed_item_out)
        return {**page, "next_cursor": None}
    # On pm_action_updated: a range from the moment on, already in this order.
    items = items.filter(updated_at__gte=filters.updated_after).order_by("updated_at", "pk")
    return sync_page_of(
        items,
        cursor=filters.cursor,
        page=filters.page,
        page_size=filters.page_size,
        out=_listed_item_out,
    )
