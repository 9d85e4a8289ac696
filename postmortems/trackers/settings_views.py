"""A team's issue tracker settings: its leads and admins (get_team_for_user)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Team, User
from postmortems.notifications.emails import absolute_url
from postmortems.permissions import get_team_for_user
from postmortems.trackers.adapters import adapter_for
from postmortems.trackers.adapters.base import TrackerError, TrackerUnavailable
from postmortems.trackers.forms import PEOPLE_HINTS, TrackerConnectionForm, TrackerPeopleForm
from postmortems.trackers.models import TrackerConnection, TrackerPerson
from postmortems.trackers.requests import connection_for
from postmortems.trackers.services import (
    tracker_connection_delete,
    tracker_connection_new_secret,
    tracker_connection_save,
    tracker_people_save,
)

PAGE = "postmortems/tracker_settings.html"


def webhook_url(connection: TrackerConnection) -> str:
    return absolute_url(reverse("pm-tracker-webhook", args=[connection.code]))


def _people_form(
    team: Team, connection: TrackerConnection | None, data=None
) -> TrackerPeopleForm | None:
    if connection is None:
        return None
    members = list(
        User.objects.filter(memberships__team=team, is_active=True).order_by(
            "display_name", "email"
        )
    )
    accounts = dict(
        TrackerPerson.objects.filter(connection=connection).values_list("user_id", "account")
    )
    return TrackerPeopleForm(data, members=members, accounts=accounts, prefix="people")


def _page(request, team: Team, form, connection, *, secret: str = "", people=None) -> HttpResponse:
    return TemplateResponse(
        request,
        PAGE,
        {
            "team": team,
            "form": form,
            "connection": connection,
            "people_form": people or _people_form(team, connection),
            "webhook_url": webhook_url(connection) if connection else "",
            "secret": secret,  # shown once: right after connecting or replacing it
            "people_hint": PEOPLE_HINTS.get(connection.kind, "") if connection else "",
            "kinds": form.fields["kind"].choices if connection is None else [],
            "setup_template": f"postmortems/tracker_setup/{connection.kind}.html"
            if connection
            else "",
        },
    )


@require_http_methods(["GET", "POST"])
def tracker_settings_view(request: AuthenticatedHttpRequest, team: str) -> HttpResponse:
    team_obj = get_team_for_user(request, team)
    connection = TrackerConnection.objects.filter(team=team_obj).first()
    form = TrackerConnectionForm(
        request.POST or None, instance=connection, kind=request.GET.get("kind", "")
    )
    if request.method == "POST" and form.is_valid():
        made = connection is None
        saved = tracker_connection_save(connection=form.instance, team=team_obj, by=request.user)
        if made:
            return _page(
                request,
                team_obj,
                TrackerConnectionForm(instance=saved),
                saved,
                # A secret the tracker made is the team's already: never shown back.
                secret="" if form.secret_from_tracker else saved.webhook_secret,
            )
        messages.success(request, "Issue tracker settings saved.")
        return redirect("pm-tracker-settings", team=team_obj.slug)
    return _page(request, team_obj, form, connection)


def _connection(request: AuthenticatedHttpRequest, team: str) -> TrackerConnection:
    team_obj = get_team_for_user(request, team)
    connection = TrackerConnection.objects.filter(team=team_obj).select_related("team").first()
    if connection is None:
        from django.http import Http404

        raise Http404("The team has no issue tracker connected.")
    return connection


@require_POST
def tracker_secret_view(request: AuthenticatedHttpRequest, team: str) -> HttpResponse:
    connection = _connection(request, team)
    secret = tracker_connection_new_secret(connection=connection, by=request.user)
    return _page(
        request,
        connection.team,
        TrackerConnectionForm(instance=connection),
        connection,
        secret=secret,
    )


@require_POST
def tracker_check_view(request: AuthenticatedHttpRequest, team: str) -> HttpResponse:
    """A direct check, in the request: can the token read the project's issues?"""
    connection = _connection(request, team)
    try:
        issues = adapter_for(connection_for(connection)).changed_since(timezone.now())
    except (TrackerError, TrackerUnavailable) as error:
        messages.error(request, f"The tracker refused or could not be reached: {error}")
    else:
        messages.success(
            request,
            f"Connected: {connection.project} answered ({len(issues)} issues "
            "changed in the last moment).",
        )
    return redirect("pm-tracker-settings", team=connection.team.slug)


@require_POST
def tracker_people_view(request: AuthenticatedHttpRequest, team: str) -> HttpResponse:
    connection = _connection(request, team)
    people = _people_form(connection.team, connection, request.POST)
    assert people is not None
    if people.is_valid():
        count = tracker_people_save(connection=connection, accounts=people.accounts())
        messages.success(request, f"{count} people mapped to their tracker accounts.")
        return redirect("pm-tracker-settings", team=connection.team.slug)
    return _page(
        request,
        connection.team,
        TrackerConnectionForm(instance=connection),
        connection,
        people=people,
    )


@require_POST
def tracker_disconnect_view(request: AuthenticatedHttpRequest, team: str) -> HttpResponse:
    connection = _connection(request, team)
    tracker_connection_delete(connection=connection, by=request.user)
    messages.success(request, "Issue tracker disconnected; the action items keep their history.")
    return redirect("pm-tracker-settings", team=connection.team.slug)
