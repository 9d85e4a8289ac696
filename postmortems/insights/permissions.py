"""Which teams a dashboard page shows, for whom."""

from dataclasses import dataclass

from django.http import Http404

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership, Team, User
from postmortems.permissions import is_admin


@dataclass(frozen=True)
class DashboardScope:
    """The teams a dashboard page shows. `teams` None means every team (admins only).

    `sees_everything`: the viewer sees every incident of `teams`, so the dashboard's
    reads skip visibility_filter (a join and subplans on every row that the planner
    cannot see through) and filter by team alone. get_dashboard_scope_for_user only
    builds such scopes: a scope is every team for an admin, who sees everything, or
    one team the user belongs to, and visibility_filter lets members of the owning
    team see its restricted incidents. Whoever adds another kind of scope (a team the
    user does not belong to, several teams) must set it False.
    """

    teams: list[Team] | None
    choices: list[Team]  # the teams this user may pick
    key: str  # a team slug, "all", or "" when the user is in no team
    label: str
    sees_everything: bool
    # The viewer leads the one team shown, or is an admin or staff: the on-call
    # sections show (who carried the pages is for leads, as on the on-call load page).
    leads: bool = False

    def viewer(self, user: User) -> User | None:
        """Whom the dashboard's reads filter for: None (no visibility filter) when the
        scope sees everything, else `user`."""
        return None if self.sees_everything else user


def get_dashboard_scope_for_user(request: AuthenticatedHttpRequest, key: str) -> DashboardScope:
    """Leads and members see their own teams (the ones they lead first); admins pick any
    team or all of them. Asking for another team's dashboard is a 404, as for a
    restricted incident: its existence is not confirmed."""
    user = request.user
    if is_admin(user):
        choices = list(Team.objects.order_by("name"))
        led = [m.team for m in user.memberships.filter(role=Membership.Role.LEAD)]
        if key == "all" or (not key and not led):
            return DashboardScope(
                teams=None, choices=choices, key="all", label="All teams", sees_everything=True
            )
    else:
        memberships = list(user.memberships.select_related("team").order_by("role", "team__name"))
        choices = [m.team for m in memberships]  # "lead" sorts before "member"
        led = [m.team for m in memberships if m.role == Membership.Role.LEAD]
        if not choices:
            return DashboardScope(
                teams=[], choices=[], key="", label="No team", sees_everything=True
            )
    team: Team | None
    if not key:
        team = (led or choices)[0]
    else:
        team = next((t for t in choices if t.slug == key), None)
        if team is None:
            raise Http404("No such team.")
    # `team` is one of the user's own teams (`choices`), or the user is an admin.
    leads = is_admin(user) or user.is_staff or team in led
    return DashboardScope(
        teams=[team], choices=choices, key=team.slug, label=team.name, sees_everything=True,
        leads=leads,
    )  # fmt: skip
