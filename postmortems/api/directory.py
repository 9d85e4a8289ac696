"""/api/v1/teams, /services and /people: the names the other endpoints take.

Teams and services are named by slug and people by email address everywhere in the
API; these lists are where a client finds them. They show what the pages' forms
offer to everyone signed in: every team, every service, every active person.
"""

from typing import Any

from django.db.models import Q
from ninja import Field, Query, Router, Schema

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership, Team
from accounts.people_fields import active_people
from postmortems.api.errors import READ_ERRORS
from postmortems.api.pages import PageOut, page_of
from postmortems.api.schemas import Text
from postmortems.models.catalog import Service

router = Router(tags=["directory"])


class TeamOut(Schema):
    slug: str
    name: str
    role: str | None = Field(description='Your role in it: "lead", "member", or null.')


class ServiceOut(Schema):
    slug: str
    name: str
    parent: str | None = Field(description="The parent service's slug.")


class PersonInTeamOut(Schema):
    email: str
    display_name: str
    teams: list[str] = Field(description="Slugs of the person's teams.")


class PeoplePageOut(PageOut):
    items: list[PersonInTeamOut]


class PeopleQueryIn(Schema):
    q: Text = Field("", max_length=200, description="Words in the name or email address.")
    team: Text = Field("", max_length=100, description="Only members of this team (slug).")
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(100, ge=1, le=500)


@router.get("/teams", response={200: list[TeamOut], **READ_ERRORS}, url_name="teams")
def list_teams(request: AuthenticatedHttpRequest):
    """Every team, by name, with your role in each."""
    roles = dict(Membership.objects.filter(user=request.user).values_list("team_id", "role"))
    return [
        {"slug": team.slug, "name": team.name, "role": roles.get(team.pk)}
        for team in Team.objects.order_by("name")
    ]


@router.get("/services", response={200: list[ServiceOut], **READ_ERRORS}, url_name="services")
def list_services(request: AuthenticatedHttpRequest):
    """Every service, by name."""
    services = Service.objects.select_related("parent").order_by("name")
    return [
        {"slug": s.slug, "name": s.name, "parent": s.parent.slug if s.parent else None}
        for s in services
    ]


def _person(user) -> dict[str, Any]:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "teams": sorted(m.team.slug for m in user.memberships.all()),
    }


@router.get("/people", response={200: PeoplePageOut, **READ_ERRORS}, url_name="people")
def list_people(request: AuthenticatedHttpRequest, filters: Query[PeopleQueryIn]):
    """Active people, by name: whom `owner` fields may name."""
    people = active_people().prefetch_related("memberships__team").order_by("display_name", "pk")
    for word in filters.q.split():
        people = people.filter(Q(display_name__icontains=word) | Q(email__icontains=word))
    if filters.team:
        people = people.filter(memberships__team__slug=filters.team)
    return page_of(people, page=filters.page, page_size=filters.page_size, out=_person)
