"""/api/v1/teams/<slug>/rotations: a team's on-call rotations, who is on call now, the
rotations' warnings and their shifts. Read by the team's members, its leads and staff,
as the on-call pages are (postmortems/alerting/oncall/permissions.py)."""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from accounts.http import AuthenticatedHttpRequest
from postmortems.alerting.oncall.checks import rotation_warnings
from postmortems.alerting.oncall.models import Rotation
from postmortems.alerting.oncall.permissions import get_team_for_oncall
from postmortems.alerting.oncall.schedule import next_handoff
from postmortems.alerting.oncall.selectors import (
    OnCall,
    on_call_now_many,
    rotation_shifts,
    team_rotations,
)
from postmortems.api.errors import READ_ERRORS
from postmortems.api.schemas import Moment, PersonOut, person

router = Router(tags=["on-call"])
LONGEST_WINDOW = timedelta(days=366)


class OnCallOut(Schema):
    person: PersonOut | None = Field(description="The account, when the shift names one.")
    name: str = Field(description="The account's name, or the name the schedule feed gave.")
    override: bool


class WarningOut(Schema):
    code: str = Field(description='"fewer-than-four" or "no-secondary".')
    message: str


class RotationOut(Schema):
    code: UUID
    name: str
    source: str = Field(description='"members" (members in order) or "ical" (a feed).')
    time_zone: str
    handoff_weekday: int = Field(description="0 (Monday) to 6 (Sunday).")
    handoff_hour: int
    has_secondary: bool
    members: list[PersonOut] = Field(description="In order: the first was primary first.")
    primary: OnCallOut | None
    secondary: OnCallOut | None
    next_handoff: datetime | None
    warnings: list[WarningOut]


class ShiftOut(Schema):
    role: str
    person: PersonOut | None
    name: str
    starts_at: datetime
    ends_at: datetime
    source: str


class ShiftsQueryIn(Schema):
    since: Moment | None = Field(None, description="Default: now.")
    until: Moment | None = Field(None, description="Default: 8 weeks after `since`.")


def _on_call(entry: OnCall | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"person": person(entry.user), "name": entry.name, "override": entry.override}


@router.get(
    "/teams/{slug}/rotations",
    response={200: list[RotationOut], **READ_ERRORS},
    url_name="team-rotations",
)
def list_rotations(request: AuthenticatedHttpRequest, slug: str):
    """The team's rotations with their members in order, who is on call now (overrides
    win), the next handoff and the warnings (fewer than four people, no secondary)."""
    team, _ = get_team_for_oncall(request, slug)
    now = timezone.now()
    rotations = list(team_rotations(team=team))
    current = on_call_now_many(rotation_ids=[r.pk for r in rotations], now=now)
    found = []
    for rotation in rotations:
        members = list(rotation.members.all())
        found.append(
            {
                "code": rotation.code,
                "name": rotation.name,
                "source": rotation.source,
                "time_zone": rotation.time_zone,
                "handoff_weekday": rotation.handoff_weekday,
                "handoff_hour": rotation.handoff_hour,
                "has_secondary": rotation.has_secondary,
                "members": [person(m.user) for m in members],
                "primary": _on_call(current[rotation.pk].primary),
                "secondary": _on_call(current[rotation.pk].secondary),
                "next_handoff": (
                    next_handoff(rotation, now)
                    if rotation.source == Rotation.Source.MEMBERS
                    else None
                ),
                "warnings": [
                    {"code": code, "message": message}
                    for code, message in rotation_warnings(rotation=rotation, members=members)
                ],
            }
        )
    return found


@router.get(
    "/teams/{slug}/rotations/{code}/shifts",
    response={200: list[ShiftOut], **READ_ERRORS},
    url_name="rotation-shifts",
)
def list_shifts(
    request: AuthenticatedHttpRequest, slug: str, code: UUID, params: Query[ShiftsQueryIn]
):
    """The rotation's shifts overlapping [since, until) (at most a year), in order.
    Overrides are not folded in: they are listed as they are on the rotation's page."""
    team, _ = get_team_for_oncall(request, slug)
    rotation = Rotation.objects.filter(team=team, code=code).first()
    if rotation is None:
        raise Http404("No such rotation.")
    since = params.since or timezone.now()
    until = params.until or since + timedelta(weeks=8)
    if until <= since or until - since > LONGEST_WINDOW:
        raise HttpError(422, "`until` must come after `since`, at most a year later.")
    return [
        {
            "role": shift.role,
            "person": person(shift.user),
            "name": str(shift.user or shift.person),
            "starts_at": shift.starts_at,
            "ends_at": shift.ends_at,
            "source": shift.source,
        }
        for shift in rotation_shifts(rotation=rotation, since=since, until=until)
    ]
