"""The private action item calendar: the feed itself and a new link on request."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from lib.http_methods import require_POST_or_back
from postmortems.notifications.calendar_feed import (
    action_items_calendar,
    calendar_key_renew,
    user_from_calendar_token,
)


@login_not_required  # calendar apps cannot sign in: the signed token authenticates
@require_GET
def calendar_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    user = user_from_calendar_token(token)
    if user is None:
        raise Http404("No such calendar.")
    response = HttpResponse(
        action_items_calendar(user=user, now=timezone.now()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="action-items.ics"'
    response["Cache-Control"] = "private, no-cache"
    return response


@require_POST_or_back("accounts-profile")
def calendar_renew_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    calendar_key_renew(user=request.user)
    messages.success(request, "New calendar link made. The old one no longer works.")
    return redirect("accounts-profile")
