"""/api/v1/teams/{slug}/oncall-load: a team's on-call load over a month, per person,
with the care warnings (postmortems/alerting/load/). The same rule as the page: the
team's leads, admins and staff; members 403, everyone else 404."""

from datetime import datetime

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from accounts.http import AuthenticatedHttpRequest
from lib.months import parse_month
from postmortems.alerting.load.care import care_warnings
from postmortems.alerting.load.selectors import chosen_month, month_load
from postmortems.alerting.oncall.policy import team_policy
from postmortems.alerting.permissions import get_team_for_alerting
from postmortems.api.errors import READ_ERRORS, InvalidInput
from postmortems.api.schemas import ErrorOut

router = Router(tags=["on-call"])


class LoadQueryIn(Schema):
    month: str = Field(
        "", max_length=7, description="YYYY-MM, in the team's zone; last month when left out."
    )


class PersonLoadOut(Schema):
    email: str
    display_name: str
    primary_shifts: int
    secondary_shifts: int
    on_call_hours: float
    pages: int
    out_of_hours_pages: int
    nights_interrupted: int
    out_of_hours_hours_worked: float
    suggested_time_off_in_lieu_hours: float = Field(
        description="The out-of-hours hours worked, rounded up to the next half hour."
    )
    consecutive_shifts: int = Field(description="The longest run of weeks in a row as primary.")
    last_shift_end: datetime | None
    on_call_now: bool


class CareWarningOut(Schema):
    kind: str = Field(
        description="small_rotation, no_secondary, page_share, busy_shift or consecutive_shifts."
    )
    message: str
    action: str
    source: str


class OncallLoadOut(Schema):
    team: str
    month: str
    time_zone: str
    since: datetime
    until: datetime
    people: list[PersonLoadOut]
    unattributed_pages: int = Field(description="Pages when nobody with an account was on call.")
    warnings: list[CareWarningOut]


@router.get(
    "/teams/{slug}/oncall-load",
    response={200: OncallLoadOut, 403: ErrorOut, **READ_ERRORS},
    url_name="oncall-load",
)
def oncall_load(request: AuthenticatedHttpRequest, slug: str, query: Query[LoadQueryIn]):
    """Per person: shifts, on-call hours, pages, out-of-hours pages, nights interrupted,
    hours worked out of hours and the suggested time off in lieu; and the warnings."""
    team = get_team_for_alerting(request, slug)
    if query.month and parse_month(query.month) is None:
        raise InvalidInput({"month": ["Give a month as YYYY-MM."]})
    now = timezone.now()
    policy = team_policy(team)
    month = chosen_month(query.month, now=now, policy=policy)
    load = month_load(team=team, month=month, now=now, policy=policy)
    return {
        "team": team.slug,
        "month": f"{month:%Y-%m}",
        "time_zone": policy.time_zone,
        "since": load.since,
        "until": load.until,
        "people": [
            {
                "email": p.email,
                "display_name": p.name,
                "primary_shifts": p.primary_shifts,
                "secondary_shifts": p.secondary_shifts,
                "on_call_hours": p.on_call_hours,
                "pages": p.pages,
                "out_of_hours_pages": p.out_of_hours_pages,
                "nights_interrupted": p.nights_interrupted,
                "out_of_hours_hours_worked": p.worked_hours,
                "suggested_time_off_in_lieu_hours": p.time_off_in_lieu,
                "consecutive_shifts": p.consecutive_shifts,
                "last_shift_end": p.last_shift_end,
                "on_call_now": p.on_call_now,
            }
            for p in load.attributed
        ],
        "unattributed_pages": sum(p.pages for p in load.people if p.user_id is None),
        "warnings": [
            {"kind": str(w.kind), "message": w.message, "action": w.action, "source": w.source}
            for w in care_warnings(load)
        ],
    }
