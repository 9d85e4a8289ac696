"""Nudging an action item's owner from its row (the rows' machinery is the core's)."""

from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthenticatedHttpRequest
from lib.http_methods import require_POST_or_back
from postmortems.notifications.nudges import action_item_nudge
from postmortems.permissions import get_action_item_for_user
from postmortems.views.action_items import Outcome, act_on_item


@require_POST_or_back("pm-postmortem-detail")
@vary_on_headers("HX-Request")
def action_item_nudge_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID
) -> HttpResponse:
    item = get_action_item_for_user(request, number, code, write=True)

    def nudge(_data: dict) -> Outcome:
        if action_item_nudge(item=item, by=request.user):
            return messages.SUCCESS, f"Nudged {item.owner}: an email is on its way."
        return messages.INFO, "Already nudged today."

    # A nudge changes nothing on the item, so it needs no revision: nothing to parse.
    return act_on_item(request, item, forms.Form(request.POST), nudge)
