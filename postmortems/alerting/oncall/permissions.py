"""Who may see and change a team's on-call: one helper per object."""

from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership, Team
from postmortems.alerting.oncall.models import Rotation


def get_team_for_oncall(
    request: AuthenticatedHttpRequest, slug: str, *, write: bool = False
) -> tuple[Team, bool]:
    """(team, may_edit). Leads, staff and admins edit a team's on-call; its members read
    it (403 when they try to change it); for everyone else the team is not confirmed to
    exist (404), as for every team setting."""
    user = request.user
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise Http404("No such team.")
    if user.is_active and (user.is_staff or user.is_superuser):
        return team, True
    role = Membership.objects.filter(user=user, team=team).values_list("role", flat=True).first()
    if role is None:
        raise Http404("No such team.")
    may_edit = role == Membership.Role.LEAD
    if write and not may_edit:
        raise PermissionDenied("Only the team's leads change its on-call.")
    return team, may_edit


def get_rotation_for_user(
    request: AuthenticatedHttpRequest, slug: str, code: UUID, *, write: bool = False
) -> tuple[Rotation, bool]:
    team, may_edit = get_team_for_oncall(request, slug, write=write)
    rotation = Rotation.objects.filter(team=team, code=code).first()
    if rotation is None:
        raise Http404("No such rotation.")
    rotation.team = team
    return rotation, may_edit
