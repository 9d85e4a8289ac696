"""Who may set up a team's alerting and read its deliveries: one helper per object."""

from uuid import UUID

from django.http import Http404

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Team
from postmortems.alerting.models import AlertIntegration
from postmortems.permissions import get_team_for_user


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
