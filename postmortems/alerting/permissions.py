"""Who may set up a team's alerting and read its deliveries: one helper per object."""

from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Membership, Team, User
from postmortems.alerting.firings.models import AlertRule
from postmortems.alerting.models import AlertIntegration
from postmortems.permissions import get_team_for_user, is_admin


def get_team_for_alerting(request: AuthenticatedHttpRequest, slug: str) -> Team:
    """A team's alerting integrations are set up by its leads and by staff (who also
    read the delivery log). Otherwise as for every team setting (get_team_for_user):
    members get 403, and for everyone else the team is not confirmed to exist (404)."""
    user = request.user
    if user.is_active and user.is_staff:
        team = Team.objects.filter(slug=slug).first()
        if team is None:
            raise Http404("No such team.")
        return team
    return get_team_for_user(request, slug)


def get_alert_integration_for_user(
    request: AuthenticatedHttpRequest, slug: str, code: UUID
) -> AlertIntegration:
    team = get_team_for_alerting(request, slug)
    try:
        integration = AlertIntegration.objects.get(team=team, code=code)
    except AlertIntegration.DoesNotExist:
        raise Http404("No such integration.") from None
    integration.team = team
    return integration


def get_alert_rule_for_user(
    request: AuthenticatedHttpRequest, slug: str, rule_id: int
) -> AlertRule:
    """A rule's firings: whoever reads the team's alert page (get_team_for_alerting); a
    rule of another team is not there (404)."""
    team = get_team_for_alerting(request, slug)
    rule = AlertRule.objects.select_related("integration").filter(team=team, pk=rule_id).first()
    if rule is None:
        raise Http404("No such alert rule.")
    rule.team = team
    return rule


def reads_every_team(user: User) -> bool:
    return user.is_active and (user.is_staff or is_admin(user))


def teams_for_alerting(user: User) -> QuerySet[Team]:
    """The teams whose alerts `user` reads (get_team_for_alerting's rule, for lists):
    every team for staff and admins, the teams they lead for everyone else."""
    if reads_every_team(user):
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user, memberships__role=Membership.Role.LEAD)
