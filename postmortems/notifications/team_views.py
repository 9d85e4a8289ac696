"""A team's settings page: where its chat notifications go."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from postmortems.notifications.chat_messages import team_webhook_save
from postmortems.notifications.forms import TeamWebhookForm
from postmortems.notifications.models import TeamWebhook
from postmortems.permissions import get_team_for_user


@require_http_methods(["GET", "POST"])
def team_notifications_view(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    team = get_team_for_user(request, slug)
    hook = TeamWebhook.objects.filter(team=team).first() or TeamWebhook(team=team)
    form = TeamWebhookForm(request.POST or None, instance=hook)
    if request.method == "POST" and form.is_valid():
        team_webhook_save(team=team, by=request.user, **form.cleaned_data)
        messages.success(request, f"Chat notifications of {team.name} saved.")
        return redirect("pm-team-notifications", slug=team.slug)
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request, "postmortems/team_notifications.html", {"team": team, "form": form}, status=status
    )
