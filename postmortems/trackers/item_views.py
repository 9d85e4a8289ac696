"""An action item's tracker issue: create one (one click) or link an existing one."""

from uuid import UUID

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
    error = ""
    if request.method == "POST":
        form = LinkIssueForm(request.POST)
        try:
            if "reference" not in request.POST:
                tracker_issue_create(item=item, by=request.user)
            elif form.is_valid():
                reference = form.cleaned_data["reference"]
                tracker_issue_link(item=item, reference=reference, by=request.user)
            else:
                error = " ".join(str(message) for message in form.errors.get("reference", []))
        except ValidationError as refused:
            error = " ".join(refused.messages)
        if not error and not request.htmx:
            return redirect("pm-action-tracker", number=number, code=code)
    context = {
        "item": item,
        "incident": item.postmortem.incident,
        "tracker_error": error,
        **tracker_for_item_page(item=item),
    }
    template = f"{PAGE}#panel" if request.htmx else PAGE
    return TemplateResponse(request, template, context, status=422 if error else 200)
