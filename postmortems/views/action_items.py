"""Acting on one action item from a list of items (the team lead dashboard), and its history.

Each action is a small POST form in the item's table row
(postmortems/templates/postmortems/includes/dashboard_item.html). With htmx the view
answers with that row re-rendered: the result, or an error with what the user typed
kept.
Without JavaScript it redirects back to the page the form came from (`next`, when
it is a URL of this site) with a message.
"""

from collections.abc import Callable
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from accounts.http import AuthenticatedHttpRequest
from accounts.people_fields import PersonField
from accounts.single_line import SingleLineField
from lib.extensions import page_extras
from lib.http_methods import require_POST_or_back
from lib.moments import validate_day
from postmortems.models.actions import ActionItem
from postmortems.permissions import get_action_item_for_user
from postmortems.selectors import attach_assignees
from postmortems.services.action_changes import (
    REASON_REQUIRED,
    action_item_extend,
    action_item_mark_done,
    action_item_reassign,
)
from postmortems.services.edits import EditConflict

ROW = "postmortems/includes/dashboard_item.html"
ITEMS_CHANGED = "action-items-changed"
STALE_FORM = "This form is out of date. Reload the page and try again."
CONFLICT_MESSAGE = (
    "Someone else changed this action item after this page was loaded, so nothing was "
    "changed. The row now shows their version: check it, then try again."
)

# The forms of these rows are used by these views only, so they live here rather
# than in postmortems/forms.py. They parse; the services validate and write.


class RevisionForm(forms.Form):
    revision = forms.IntegerField(
        min_value=0, error_messages={"required": STALE_FORM, "invalid": STALE_FORM}
    )


class ExtendForm(RevisionForm):
    due_date = forms.DateField(
        validators=[validate_day],
        error_messages={
            "required": "Choose the new due date.",
            "invalid": "Enter the new due date as a date, like 2026-12-01.",
        },
    )
    reason = SingleLineField(max_length=500, error_messages={"required": REASON_REQUIRED})


class ReassignForm(RevisionForm):
    owner = PersonField(
        error_messages={
            "required": "Choose the new owner.",
            "invalid_choice": "Choose the new owner from the list.",
        },
    )


def _next_url(request: AuthenticatedHttpRequest, item: ActionItem) -> str:
    """Where the form came from, if that is on this site; else the item on its postmortem."""
    url = (request.POST if request.method == "POST" else request.GET).get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("pm-postmortem-detail", args=[item.postmortem.incident.number])


def _reloaded(item: ActionItem) -> ActionItem:
    """The item as saved now: after a conflict (or a failed save) the row shows the truth."""
    fresh = ActionItem.objects.select_related("owner").get(pk=item.pk)
    fresh.postmortem = item.postmortem
    return fresh


def _error_text(form: forms.Form) -> str:
    found = [str(message) for errors in form.errors.values() for message in errors]
    return " ".join(dict.fromkeys(found))


Outcome = tuple[int, str]  # a messages level and what to tell the user


def act_on_item(
    request: AuthenticatedHttpRequest,
    item: ActionItem,
    form: forms.Form,
    action: Callable[[dict], Outcome],
    *,
    keep_open: bool = False,
) -> HttpResponse:
    """Run `action`; answer htmx with the row (its extend and reassign forms stay open
    when `keep_open` and the action failed, with what the user typed)."""
    level, text = messages.ERROR, ""
    if not form.is_valid():
        text = _error_text(form)
    else:
        try:
            level, text = action(form.cleaned_data)
        except EditConflict:
            text = CONFLICT_MESSAGE
        except ValidationError as error:
            text = " ".join(error.messages)
    failed = level == messages.ERROR
    next_url = _next_url(request, item)
    if not request.htmx:
        messages.add_message(request, level, text)
        return redirect(next_url if "#" in next_url else f"{next_url}#item-{item.code}")
    if failed:
        item = _reloaded(item)
    expanded = failed and keep_open
    if expanded:
        # A failed reassign keeps the person the user chose selected.
        attach_assignees([item], chosen=form.data.get("owner"))
    context = {
        "item": item,
        "expanded": expanded,
        "today": timezone.localdate(),
        "next_url": next_url,
        "row_error": text if failed else "",
        "row_message": "" if failed else text,
        # What the user typed, so a failed form is not emptied (a missing reason keeps the date).
        "typed": form.data if failed else {},
    }
    response = TemplateResponse(request, ROW, context)
    # The dashboard refreshes its counts on this event; other pages ignore it.
    return response if failed else trigger_client_event(response, ITEMS_CHANGED)


@require_POST_or_back("pm-postmortem-detail")
@vary_on_headers("HX-Request")
def action_item_done_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID
) -> HttpResponse:
    item = get_action_item_for_user(request, number, code, write=True)

    def done(data: dict) -> Outcome:
        action_item_mark_done(item=item, by=request.user, expected_revision=data["revision"])
        return messages.SUCCESS, f"Marked “{item.title}” done."

    return act_on_item(request, item, RevisionForm(request.POST), done)


@require_POST_or_back("pm-postmortem-detail")
@vary_on_headers("HX-Request")
def action_item_extend_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID
) -> HttpResponse:
    item = get_action_item_for_user(request, number, code, write=True)

    def extend(data: dict) -> Outcome:
        action_item_extend(
            item=item,
            by=request.user,
            due_date=data["due_date"],
            reason=data["reason"],
            expected_revision=data["revision"],
        )
        due = item.due_date
        return messages.SUCCESS, f"“{item.title}” is now due {due:%b} {due.day}, {due.year}."

    return act_on_item(request, item, ExtendForm(request.POST), extend, keep_open=True)


@require_POST_or_back("pm-postmortem-detail")
@vary_on_headers("HX-Request")
def action_item_reassign_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID
) -> HttpResponse:
    item = get_action_item_for_user(request, number, code, write=True)

    def reassign(data: dict) -> Outcome:
        action_item_reassign(
            item=item, by=request.user, owner=data["owner"], expected_revision=data["revision"]
        )
        return messages.SUCCESS, f"“{item.title}” now belongs to {item.owner}."

    return act_on_item(request, item, ReassignForm(request.POST), reassign, keep_open=True)


@require_GET
@vary_on_headers("HX-Request")
def action_item_change_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID
) -> HttpResponse:
    """The row with its extend and reassign forms open. Lists show these forms only on
    demand: rendered for every row, a team's member list per row made the dashboard
    hundreds of kilobytes. Without JavaScript this is a page holding the row."""
    item = get_action_item_for_user(request, number, code, write=True)
    attach_assignees([item])
    context = {
        "item": item,
        "expanded": True,
        "today": timezone.localdate(),
        "next_url": _next_url(request, item),
        "incident": item.postmortem.incident,
    }
    template = ROW if request.htmx else "postmortems/action_item_change.html"
    return TemplateResponse(request, template, context)


@require_GET
def action_item_history_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID
) -> HttpResponse:
    item = get_action_item_for_user(request, number, code, write=False)
    return TemplateResponse(
        request,
        "postmortems/action_item_history.html",
        {
            "item": item,
            "postmortem": item.postmortem,
            "incident": item.postmortem.incident,
            "changes": item.changes.select_related("changed_by"),  # newest first
            "today": timezone.localdate(),
            **page_extras("action-item", item=item),
            # The outcome form is the owner's and the review's editors' (views/outcomes.py).
            "may_record": item.postmortem.can_edit or item.owner_id == request.user.pk,
        },
    )
