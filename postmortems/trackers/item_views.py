"""An action item's tracker issue: create one (one click) or link an existing one."""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthenticatedHttpRequest
from postmortems.permissions import get_action_item_for_user
from postmortems.trackers.forms import LinkIssueForm
from postmortems.trackers.pages import tracker_for_item_page
from postmortems.trackers.requests import tracker_issue_create, tracker_issue_link

PAGE = "postmortems/action_item_tracker.html"


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def action_item_tracker_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID
) -> HttpResponse:
    """GET: the item's issue panel. POST with `reference`: link that issue; without:
    create one. Writers only (403 for readers); htmx swaps the panel in place."""
    item = get_action_item_for_user(request, number, code, write=request.method == "POST")
    form = LinkIssueForm(request.POST if "reference" in request.POST else None)
    if request.method == "POST":
        try:
            if "reference" in request.POST:
                if form.is_valid():
                    tracker_issue_link(
                        item=item, reference=form.cleaned_data["reference"], by=request.user
                    )
            else:
                tracker_issue_create(item=item, by=request.user)
        except ValidationError as error:
            if "reference" in request.POST and hasattr(error, "error_dict"):
                form.add_error(None, error)
            else:
                messages.error(request, " ".join(error.messages))
        if (not request.htmx and form.is_valid()) or (
            not request.htmx and "reference" not in request.POST
        ):
            return redirect("pm-action-tracker", number=number, code=code)
    context = {
        "item": item,
        "incident": item.postmortem.incident,
        "link_form": form,
        **tracker_for_item_page(item=item),
    }
    template = f"{PAGE}#panel" if request.htmx else PAGE
    return TemplateResponse(request, template, context)
