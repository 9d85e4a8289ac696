"""Blameless language in the editor: live findings for a section, and dismissals."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthenticatedHttpRequest
from lib.http_methods import require_POST_or_back
from postmortems.blameless.findings import (
    TIMELINE,
    dismissed_keys,
    section_findings,
    timeline_findings,
)
from postmortems.blameless.services import blameless_dismissal_create
from postmortems.forms import BlamelessDismissForm, PreviewForm
from postmortems.models.review_templates import layout_keys, section_text
from postmortems.models.reviews import Postmortem
from postmortems.permissions import get_postmortem_for_user
from postmortems.views.editor import EDITOR, TIMELINE_TEMPLATE, readiness_changed


def _region(
    request: AuthenticatedHttpRequest, postmortem: Postmortem, section: str, text: str | None
) -> TemplateResponse:
    """The findings list of one section (or of the timeline), as the editor shows it."""
    dismissed = dismissed_keys(postmortem)
    context: dict[str, object] = {"postmortem": postmortem, "incident": postmortem.incident}
    if section == TIMELINE:
        events = list(postmortem.timeline_events.order_by("occurred_at", "created_at"))
        context["timeline_findings"] = timeline_findings(events, dismissed)
        return TemplateResponse(request, f"{TIMELINE_TEMPLATE}#timeline-blameless", context)
    if text is None:
        text = section_text(postmortem, section)
    context["section"] = {"name": section, "findings": section_findings(section, text, dismissed)}
    return TemplateResponse(request, f"{EDITOR}#blameless", context)


@require_POST_or_back("pm-postmortem-edit")
def blameless_check_view(
    request: AuthenticatedHttpRequest, number: int, section: str
) -> HttpResponse:
    """Findings for the text being typed (htmx, debounced). Without JavaScript the
    section's "Check language" button does the same through the section form."""
    postmortem = get_postmortem_for_user(request, number, write=True)
    if section not in layout_keys(postmortem):
        raise Http404("No such section.")
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return HttpResponse("<p class='muted'>This text is too long to check.</p>", status=400)
    return _region(request, postmortem, section, form.cleaned_data["text"])


@require_POST_or_back("pm-postmortem-edit")
@vary_on_headers("HX-Request")
def blameless_dismiss_view(
    request: AuthenticatedHttpRequest, number: int, section: str
) -> HttpResponse:
    postmortem = get_postmortem_for_user(request, number, write=True)
    if section != TIMELINE and section not in layout_keys(postmortem):
        raise Http404("No such section.")
    form = BlamelessDismissForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return HttpResponse("<p class='errorlist'>Say why this is fine.</p>", status=400)
        messages.error(request, "To dismiss a finding, say why it is fine.")
        return redirect(_anchor(number, section))
    data = form.cleaned_data
    blameless_dismissal_create(
        postmortem=postmortem,
        section=section,
        category=data["category"],
        excerpt=data["excerpt"],
        reason=data["reason"],
        by=request.user,
    )
    if request.htmx:
        text = data["text"] if "text" in request.POST else None
        # A dismissal can be what the "no open blameless findings" check waited for.
        return readiness_changed(_region(request, postmortem, section, text))
    messages.success(request, f"Dismissed “{data['excerpt']}”: {data['reason']}")
    return redirect(_anchor(number, section))


def _anchor(number: int, section: str) -> str:
    # The findings list shows beside the section's form: open it.
    query = "" if section == TIMELINE else f"?edit={section}"
    return reverse("pm-postmortem-edit", args=[number]) + f"{query}#blameless-{section}"
