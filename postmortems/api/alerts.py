"""/api/v1/teams/{team}/alert-rules and /api/v1/alerts: each rule's verdict, and the
firings behind it.

The same rule as the team's alert page (postmortems/alerting/permissions.py): a team's
alerts are read by its leads, staff and admins; its members get 403, everyone else 404.
/alerts lists the firings of every team the token's person reads that way. An incident a
firing is tied to is named only when the person may see it (a restricted incident they
may not see is null, as if there were none)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic.json_schema import SkipJsonSchema

from accounts.http import AuthenticatedHttpRequest
from postmortems.alerting.firings.models import Firing
from postmortems.alerting.oncall.models import Channel
from postmortems.alerting.permissions import (
    get_team_for_alerting,
    reads_every_team,
    teams_for_alerting,
)
from postmortems.alerting.quality.criteria import Verdict
from postmortems.alerting.quality.forms import DEFAULT_WINDOW, MAX_DAYS, window
from postmortems.alerting.quality.records import rule_record
from postmortems.alerting.quality.selectors import (
    rule_quality,
    visible_firings,
    visible_incident_ids,
)
from postmortems.api.errors import READ_ERRORS, InvalidInput
from postmortems.api.pages import SyncPageOut, page_of, sync_page_of
from postmortems.api.schemas import (
    ErrorOut,
    IncidentNumber,
    Moment,
    PersonOut,
    SeverityValue,
    Text,
    person,
    web_url,
)
from postmortems.permissions import visible_incidents

router = Router(tags=["alerts"])
# A team's member is refused (403) as on the page.
TEAM_READ_ERRORS: dict[int, Any] = {**READ_ERRORS, 403: ErrorOut}


class ProblemOut(Schema):
    verdict: str = Field(description=f"One of {', '.join(v.value for v in Verdict)}.")
    label: str
    why: str = Field(description='"4 of 6 pages came at night and nobody acted".')
    fix: str = Field(description="A suggested fix; names in backticks.")


class RuleOut(Schema):
    rule: str = Field(description="The rule's (alert's) name, as the tool sends it.")
    team: str = Field(description="The team's slug.")
    integration: UUID = Field(description="The integration's code (filter `integration`).")
    integration_name: str
    runbook_url: str = Field(description="The latest firing's runbook link.")
    verdict: str = Field(
        description="healthy, or the first problem: noisy, mis_prioritized, needs_runbook, late."
    )
    verdict_label: str
    why: str = Field(description="The verdict in one line.")
    problems: list[ProblemOut] = Field(description="Every criterion it fails, worst first.")
    load: int = Field(description="Pages, counted again out of hours and again at night.")
    firings: int
    pages: int
    out_of_hours_pages: int
    night_pages: int
    runbook_share: float | None = Field(description="0 to 1.")
    actionable_share: float | None = Field(description="0 to 1.")
    flapping: int
    repeats: int
    tied_to_incidents: int
    median_delay_seconds: int | None = Field(
        description="From the incident's start to the alert, over the firings tied to one."
    )
    late: int
    wasted_out_of_hours_pages: int
    severity_mismatches: int


class RulesOut(Schema):
    team: str
    since: datetime
    until: datetime
    items: list[RuleOut] = Field(description="The heaviest load first.")


class RulesQueryIn(Schema):
    days: int = Field(DEFAULT_WINDOW, ge=1, le=MAX_DAYS, description="The window, ending now.")


class FiringIncidentOut(Schema):
    number: int
    reference: str
    url: str


class FiringOut(Schema):
    rule: str
    team: str
    integration: UUID
    external_key: str = Field(description="The tool's fingerprint or alert id.")
    labels: dict[str, Any]
    severity_sent: str
    severity: SeverityValue = Field(description="As the integration mapped it.")
    channel: str = Field(description=f"One of {', '.join(Channel.values)}; phone is a page.")
    runbook_url: str
    source_url: str
    fired_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    acknowledged_by: str
    resolved_by: str
    notified: list[str] = Field(description="Whom the tool says it notified.")
    on_call: PersonOut | None = Field(description="Primary on call when it fired.")
    repeats: int
    flapping: bool
    out_of_hours: bool
    at_night: bool
    actionable: bool
    incident: FiringIncidentOut | None = Field(
        description="The incident it is tied to, when you may see it."
    )
    updated_at: datetime = Field(description="Its last change: what `updated_after` reads.")


class FiringPageOut(SyncPageOut):
    items: list[FiringOut]


class FiringFiltersIn(Schema):
    team: Text = Field("", max_length=100, description="Team slug; every team you read.")
    rule: Text = Field("", max_length=200, description="A rule's name.")
    integration: UUID | SkipJsonSchema[None] = Field(None, description="An integration's code.")
    since: Moment | SkipJsonSchema[None] = Field(None, description="Fired at or after.")
    until: Moment | SkipJsonSchema[None] = Field(None, description="Fired before.")
    incident: IncidentNumber | SkipJsonSchema[None] = Field(
        None, description="Only firings tied to this incident (404 when you may not see it)."
    )
    updated_after: Moment | SkipJsonSchema[None] = Field(
        None,
        description="Changed at or after this moment, oldest change first: a sync, as for "
        "incidents (follow `next_cursor`).",
    )
    cursor: Text = Field("", max_length=200, description="The `next_cursor` of a sync.")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


@router.get(
    "/teams/{team}/alert-rules",
    response={200: RulesOut, **TEAM_READ_ERRORS},
    url_name="alert-rules",
)
def list_alert_rules(
    request: AuthenticatedHttpRequest, team: str, params: Query[RulesQueryIn]
) -> dict[str, Any]:
    """Each rule of the team that fired in the window, with its numbers, its verdict and
    every problem with a suggested fix: the team's alert page (its leads and staff)."""
    team_obj = get_team_for_alerting(request, team)
    since, until = window(params.days, timezone.now())
    rules = rule_quality(team_ids=[team_obj.pk], since=since, until=until)
    return {
        "team": team_obj.slug,
        "since": since,
        "until": until,
        "items": [rule_record(quality) for quality in rules],
    }


FIRING_FIELDS = (
    "external_key", "labels", "severity_sent", "severity", "channel", "runbook_url",
    "source_url", "fired_at", "acknowledged_at", "resolved_at", "acknowledged_by",
    "resolved_by", "notified", "repeats", "flapping", "out_of_hours", "at_night",
    "actionable", "updated_at",
)  # fmt: skip


def firing_out(firing: Firing, *, incident_visible: bool) -> dict[str, Any]:
    incident = firing.incident if incident_visible else None
    return {
        **{name: getattr(firing, name) for name in FIRING_FIELDS},
        "rule": firing.rule.name,
        "team": firing.team.slug,
        "integration": firing.integration.code,
        "on_call": person(firing.on_call),
        "incident": (
            {
                "number": incident.number,
                "reference": incident.reference,
                "url": web_url(reverse("pm-incident-detail", args=[incident.number])),
            }
            if incident is not None
            else None
        ),
    }


@router.get("/alerts", response={200: FiringPageOut, **TEAM_READ_ERRORS}, url_name="alerts")
def list_alerts(request: AuthenticatedHttpRequest, filters: Query[FiringFiltersIn]):
    """Firings (every alert a receiver got) of the teams whose alerts you read, newest
    first; with `updated_after`, those changed since, in the order they changed."""
    if filters.cursor and filters.updated_after is None:
        raise InvalidInput({"cursor": ["A cursor continues a sync: send `updated_after` too."]})
    user = request.user
    team_ids: list[int] | None = None
    if filters.team:
        team_ids = [get_team_for_alerting(request, filters.team).pk]
    elif not reads_every_team(user):
        team_ids = list(teams_for_alerting(user).values_list("pk", flat=True))
    incident_id = None
    if filters.incident is not None:
        found = visible_incidents(user).filter(number=filters.incident).values("pk").first()
        if found is None:
            raise Http404("No such incident.")
        incident_id = found["pk"]
    firings = visible_firings(
        team_ids=team_ids,
        rule=filters.rule,
        integration=str(filters.integration) if filters.integration else "",
        since=filters.since,
        until=filters.until,
        incident_id=incident_id,
    )
    if filters.updated_after is None:
        answer = page_of(firings, page=filters.page, page_size=filters.page_size, out=_row)
        answer["next_cursor"] = None
    else:
        answer = sync_page_of(
            firings.filter(updated_at__gte=filters.updated_after).order_by("updated_at", "pk"),
            cursor=filters.cursor,
            page=filters.page,
            page_size=filters.page_size,
            out=_row,
        )
    rows = answer["items"]
    visible = visible_incident_ids(user, {row.incident_id for row in rows if row.incident_id})
    answer["items"] = [firing_out(row, incident_visible=row.incident_id in visible) for row in rows]
    return answer


def _row(firing: Firing) -> Firing:
    return firing
