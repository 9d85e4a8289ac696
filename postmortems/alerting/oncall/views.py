"""On-call pages: a team's rotations and policy, a rotation's schedule, members,
overrides, swaps and feed. Leads and staff edit; the team's members read."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthenticatedHttpRequest
from postmortems.alerting.oncall.checks import integration_policy_conflicts, rotation_warnings
from postmortems.alerting.oncall.forms import (
    FeedForm,
    MemberAddForm,
    MemberMoveForm,
    OverrideForm,
    PolicyForm,
    RotationForm,
    SwapForm,
    UploadForm,
)
from postmortems.alerting.oncall.ical_import import schedule_upload_import
from postmortems.alerting.oncall.models import (
    OnCallPolicy,
    Rotation,
    RotationMember,
    RotationOverride,
    ScheduleFeed,
)
from postmortems.alerting.oncall.permissions import get_rotation_for_user, get_team_for_oncall
from postmortems.alerting.oncall.policy import team_policy
from postmortems.alerting.oncall.schedule import next_handoff
from postmortems.alerting.oncall.selectors import (
    OnCallNow,
    on_call_now,
    on_call_now_many,
    rotation_overrides,
    rotation_shifts,
    team_rotations,
)
from postmortems.alerting.oncall.services import (
    oncall_policy_save,
    rotation_create,
    rotation_delete,
    rotation_members_set,
    rotation_override_create,
    rotation_override_delete,
    rotation_swap,
    rotation_update,
)
from postmortems.alerting.selectors import team_alert_integrations
from postmortems.alerting.tasks import import_schedule_feed

SCHEDULE_WEEKS = 8
ROTATION_PAGE = "alerting/oncall_rotation.html"


@require_GET
def oncall_team_view(request: AuthenticatedHttpRequest, team: str) -> HttpResponse:
    team_obj, may_edit = get_team_for_oncall(request, team)
    now = timezone.now()
    rotations = list(team_rotations(team=team_obj))
    current = on_call_now_many(rotation_ids=[r.pk for r in rotations], now=now)
    rows = []
    for rotation in rotations:
        members = list(rotation.members.all())
        rows.append(
            RotationRow(
                rotation=rotation,
                members=members,
                now=current[rotation.pk],
                warnings=rotation_warnings(rotation=rotation, members=members),
                next_handoff=(
                    next_handoff(rotation, now)
                    if rotation.source == Rotation.Source.MEMBERS
                    else None
                ),
                feed=_feed_of(rotation),
            )
        )
    policy = team_policy(team_obj)
    conflicts = [
        (integration, integration_policy_conflicts(integration=integration, policy=policy))
        for integration in team_alert_integrations(team=team_obj)
    ]
    return TemplateResponse(
        request,
        "alerting/oncall_team.html",
        {
            "team": team_obj,
            "may_edit": may_edit,
            "rows": rows,
            "policy": policy,
            "work_days": [Rotation.Weekday(day).label for day in sorted(policy.work_weekdays)],
            "conflicts": [(i, found) for i, found in conflicts if found],
            "now": now,
        },
    )


@dataclass(frozen=True)
class RotationRow:
    """One rotation on the team's page, with what was read for it."""

    rotation: Rotation
    members: list[RotationMember]
    now: OnCallNow
    warnings: list[tuple[str, str]]
    next_handoff: datetime | None
    feed: ScheduleFeed | None


def _feed_of(rotation: Rotation) -> ScheduleFeed | None:
    try:
        return rotation.feed  # the select_related row
    except ScheduleFeed.DoesNotExist:
        return None


@require_http_methods(["GET", "POST"])
def oncall_policy_view(request: AuthenticatedHttpRequest, team: str) -> HttpResponse:
    team_obj, _ = get_team_for_oncall(request, team, write=True)
    instance = OnCallPolicy.objects.filter(team=team_obj).first() or OnCallPolicy(team=team_obj)
    form = PolicyForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            oncall_policy_save(policy=form.instance, now=timezone.now())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("pm-oncall-team", team=team_obj.slug)
    return TemplateResponse(
        request, "alerting/oncall_policy_form.html", {"team": team_obj, "form": form}
    )


@require_http_methods(["GET", "POST"])
def rotation_create_view(request: AuthenticatedHttpRequest, team: str) -> HttpResponse:
    team_obj, _ = get_team_for_oncall(request, team, write=True)
    now = timezone.now()
    initial = {"starts_on": timezone.localdate(now), "time_zone": team_policy(team_obj).time_zone}
    form = RotationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in RotationForm.Meta.fields}
        try:
            rotation = rotation_create(team=team_obj, by=request.user, now=now, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("pm-oncall-rotation-edit", team=team_obj.slug, code=rotation.code)
    return TemplateResponse(
        request, "alerting/oncall_rotation_form.html", {"team": team_obj, "form": form}
    )


def _members_context(rotation: Rotation, add_form: MemberAddForm | None = None) -> dict:
    members = list(rotation.members.select_related("user").order_by("position"))
    return {
        "team": rotation.team,
        "rotation": rotation,
        "members": members,
        "warnings": rotation_warnings(rotation=rotation, members=members),
        "add_form": add_form
        or MemberAddForm(team=rotation.team, exclude=[m.user_id for m in members]),
    }


@require_http_methods(["GET", "POST"])
def rotation_edit_view(request: AuthenticatedHttpRequest, team: str, code: UUID) -> HttpResponse:
    rotation, _ = get_rotation_for_user(request, team, code, write=True)
    form = RotationForm(request.POST or None, instance=rotation)
    if request.method == "POST" and form.is_valid():
        try:
            rotation_update(rotation=form.instance, now=timezone.now())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("pm-oncall-rotation", team=rotation.team.slug, code=rotation.code)
    return TemplateResponse(
        request,
        "alerting/oncall_rotation_form.html",
        {"form": form, **_members_context(rotation)},
    )


@require_POST
@vary_on_headers("HX-Request")
def rotation_members_view(request: AuthenticatedHttpRequest, team: str, code: UUID) -> HttpResponse:
    """Add a person at the end, or move one up or down, or take one out. htmx swaps the
    members list; without JavaScript the form posts and the page comes back."""
    rotation, _ = get_rotation_for_user(request, team, code, write=True)
    order = list(rotation.members.order_by("position").values_list("user_id", flat=True))
    add_form = None
    if "action" in request.POST:
        move = MemberMoveForm(request.POST)
        if move.is_valid() and move.cleaned_data["user"] in order:
            pk, action = move.cleaned_data["user"], move.cleaned_data["action"]
            index = order.index(pk)
            if action == "remove":
                order.remove(pk)
            else:
                other = index - 1 if action == "up" else index + 1
                if 0 <= other < len(order):
                    order[index], order[other] = order[other], order[index]
            rotation_members_set(rotation=rotation, user_ids=order, now=timezone.now())
    else:
        add_form = MemberAddForm(request.POST, team=rotation.team, exclude=order)
        if add_form.is_valid():
            try:
                rotation_members_set(
                    rotation=rotation,
                    user_ids=[*order, add_form.cleaned_data["user"].pk],
                    now=timezone.now(),
                )
            except ValidationError as error:
                add_form.add_error(None, error)
            else:
                add_form = None
    if request.htmx:
        return TemplateResponse(
            request,
            "alerting/oncall_rotation_form.html#members",
            _members_context(rotation, add_form),
        )
    if add_form is not None:
        context = {"form": RotationForm(instance=rotation), **_members_context(rotation, add_form)}
        return TemplateResponse(request, "alerting/oncall_rotation_form.html", context, status=400)
    return redirect("pm-oncall-rotation-edit", team=rotation.team.slug, code=rotation.code)


@require_POST
def rotation_delete_view(request: AuthenticatedHttpRequest, team: str, code: UUID) -> HttpResponse:
    rotation, _ = get_rotation_for_user(request, team, code, write=True)
    rotation_delete(rotation=rotation)
    return redirect("pm-oncall-team", team=rotation.team.slug)


def _rotation_page(request, rotation: Rotation, may_edit: bool, status: int = 200, **forms):
    now = timezone.now()
    until = now + timedelta(weeks=SCHEDULE_WEEKS)
    shifts = list(rotation_shifts(rotation=rotation, since=now, until=until))
    overrides = list(rotation_overrides(rotation=rotation, since=now, until=until))
    schedule = [
        (
            shift,
            [
                o
                for o in overrides
                if o.role == shift.role
                and o.starts_at < shift.ends_at
                and o.ends_at > shift.starts_at
            ],
        )
        for shift in shifts
    ]
    members = list(rotation.members.select_related("user").order_by("position"))
    feed = ScheduleFeed.objects.filter(rotation=rotation).first()
    context = {
        "team": rotation.team,
        "rotation": rotation,
        "may_edit": may_edit,
        "now_on_call": on_call_now(rotation=rotation, now=now),
        "next_handoff": (
            next_handoff(rotation, now) if rotation.source == Rotation.Source.MEMBERS else None
        ),
        "members": members,
        "warnings": rotation_warnings(rotation=rotation, members=members),
        "schedule": schedule,
        "overrides": overrides,
        "feed": feed,
        "weeks": SCHEDULE_WEEKS,
    }
    if may_edit:
        future = [s for s in shifts if s.user_id is not None]
        context.update(
            override_form=forms.get("override_form") or OverrideForm(team=rotation.team),
            swap_form=forms.get("swap_form")
            or SwapForm(shifts=rotation_shifts(rotation=rotation, since=now, until=until)),
            feed_form=forms.get("feed_form") or FeedForm(instance=feed),
            upload_form=forms.get("upload_form") or UploadForm(),
            swappable=len(future) >= 2,
        )
    return TemplateResponse(request, ROTATION_PAGE, context, status=status)


@require_GET
def rotation_view(request: AuthenticatedHttpRequest, team: str, code: UUID) -> HttpResponse:
    rotation, may_edit = get_rotation_for_user(request, team, code)
    return _rotation_page(request, rotation, may_edit)


def _back(rotation: Rotation) -> HttpResponse:
    return redirect("pm-oncall-rotation", team=rotation.team.slug, code=rotation.code)


@require_POST
def override_create_view(request: AuthenticatedHttpRequest, team: str, code: UUID) -> HttpResponse:
    rotation, may_edit = get_rotation_for_user(request, team, code, write=True)
    form = OverrideForm(request.POST, team=rotation.team)
    if form.is_valid():
        try:
            rotation_override_create(
                rotation=rotation, by=request.user, now=timezone.now(), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _back(rotation)
    return _rotation_page(request, rotation, may_edit, status=400, override_form=form)


@require_POST
def override_delete_view(
    request: AuthenticatedHttpRequest, team: str, code: UUID, pk: int
) -> HttpResponse:
    rotation, _ = get_rotation_for_user(request, team, code, write=True)
    override = get_object_or_404(RotationOverride, rotation=rotation, pk=pk)
    rotation_override_delete(override=override)
    return _back(rotation)


@require_POST
def swap_view(request: AuthenticatedHttpRequest, team: str, code: UUID) -> HttpResponse:
    rotation, may_edit = get_rotation_for_user(request, team, code, write=True)
    now = timezone.now()
    shifts = rotation_shifts(
        rotation=rotation, since=now, until=now + timedelta(weeks=SCHEDULE_WEEKS)
    )
    form = SwapForm(request.POST, shifts=shifts)
    if form.is_valid():
        try:
            rotation_swap(rotation=rotation, by=request.user, now=now, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _back(rotation)
    return _rotation_page(request, rotation, may_edit, status=400, swap_form=form)


@require_POST
def feed_view(request: AuthenticatedHttpRequest, team: str, code: UUID) -> HttpResponse:
    """Set the feed's address; the rotation then takes its shifts from the feed, imported
    now (after commit) and every ONCALL_FEED_IMPORT_SECONDS."""
    rotation, may_edit = get_rotation_for_user(request, team, code, write=True)
    feed = ScheduleFeed.objects.filter(rotation=rotation).first() or ScheduleFeed(rotation=rotation)
    form = FeedForm(request.POST, instance=feed)
    if not form.is_valid():
        return _rotation_page(request, rotation, may_edit, status=400, feed_form=form)
    with transaction.atomic():
        _take_shifts_from_feed(rotation)
        saved = form.save()
        if saved.enabled:
            transaction.on_commit(lambda: import_schedule_feed.delay(saved.pk))
    return _back(rotation)


def _take_shifts_from_feed(rotation: Rotation) -> None:
    """A rotation given a feed or a file takes its shifts from there from now on."""
    if rotation.source != Rotation.Source.ICAL:
        rotation.source = Rotation.Source.ICAL
        rotation_update(rotation=rotation, now=timezone.now())


@require_POST
def upload_view(request: AuthenticatedHttpRequest, team: str, code: UUID) -> HttpResponse:
    rotation, may_edit = get_rotation_for_user(request, team, code, write=True)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.ONCALL_FEED_MAX_BYTES:
            form.add_error("file", "The file is too large.")
        else:
            try:
                with transaction.atomic():
                    _take_shifts_from_feed(rotation)
                    schedule_upload_import(
                        rotation=rotation, data=upload.read(), now=timezone.now()
                    )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return _back(rotation)
    return _rotation_page(request, rotation, may_edit, status=400, upload_form=form)
