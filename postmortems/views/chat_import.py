"""Timeline events from a chat transcript: paste, preview and pick, import in one step.

With htmx the paste form and the preview replace each other in place in the editor
(partial "chat-import"), and a successful import swaps in the whole timeline.
Without JavaScript the same URLs render a page of their own and redirect back to
the editor after the import.
"""

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from accounts.http import AuthenticatedHttpRequest
from postmortems.chat_import import ParseResult, parse_transcript
from postmortems.forms import ChatImportForm, ChatImportSelectionForm
from postmortems.models import Incident, Postmortem
from postmortems.permissions import get_postmortem_for_user
from postmortems.services.timeline import timeline_events_import
from postmortems.views.editor import EDITOR, editor_context, readiness_changed
from postmortems.views.methods import require_POST_or_back

PAGE = "postmortems/timeline_import.html"


def import_zone(incident: Incident, request: AuthenticatedHttpRequest) -> ZoneInfo:
    # Incidents store no time zone of their own (their times are instants), so a
    # time without a zone in the chat is read in the importing person's zone: the
    # zone in which the editor shows and takes every other time.
    return request.user.zone


def _parse(transcript: str, incident: Incident, zone: ZoneInfo) -> ParseResult:
    start_date = incident.started_at.astimezone(zone).date()
    return parse_transcript(transcript, start_date=start_date, zone=zone)


def _render(request, postmortem: Postmortem, context: dict, *, ok: bool) -> HttpResponse:
    context = {"postmortem": postmortem, "incident": postmortem.incident, **context}
    if request.htmx:  # htmx swaps only 2xx answers, so errors come back as 200 too
        return TemplateResponse(request, f"{PAGE}#chat-import", context)
    return TemplateResponse(request, PAGE, context, status=200 if ok else 400)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def timeline_import_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """GET: the paste form. POST: the preview of what was pasted."""
    postmortem = get_postmortem_for_user(request, number, write=True)
    if request.method == "GET":
        return _render(request, postmortem, {"form": ChatImportForm()}, ok=True)
    form = ChatImportForm(request.POST)
    context: dict = {"form": form}
    if form.is_valid():
        transcript = form.cleaned_data["transcript"]
        zone = import_zone(postmortem.incident, request)
        result = _parse(transcript, postmortem.incident, zone)
        if result.error:
            form.add_error("transcript", result.error)
        elif not result.messages:
            form.add_error(
                "transcript",
                "No messages found. Lines should start with a time and a name, "
                "such as “[10:42] alice: restarted the primary”.",
            )
            context["result"] = result
        else:
            selection = ChatImportSelectionForm(
                initial={"transcript": transcript}, messages=result.messages
            )
            context.update(selection=selection, result=result, zone=zone)
    return _render(request, postmortem, context, ok=form.is_valid())


@require_POST_or_back("pm-postmortem-edit")
@vary_on_headers("HX-Request")
def timeline_import_add_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """Add the ticked messages as timeline events, all in one transaction."""
    postmortem = get_postmortem_for_user(request, number, write=True)
    incident = postmortem.incident
    zone = import_zone(incident, request)
    result = _parse(request.POST.get("transcript", ""), incident, zone)
    selection = ChatImportSelectionForm(request.POST, messages=result.messages)
    if selection.is_valid():
        if result.error or not result.messages:
            selection.add_error(None, result.error or "There is nothing to import.")
        else:
            try:
                events = timeline_events_import(
                    postmortem=postmortem, by=request.user, events=selection.selected()
                )
            except ValidationError as error:
                selection.add_error(None, error)
            else:
                return _imported(request, postmortem, len(events))
    context = {"selection": selection, "result": result, "zone": zone}
    return _render(request, postmortem, context, ok=False)


def _imported(request, postmortem: Postmortem, count: int) -> HttpResponse:
    editor = reverse("pm-postmortem-edit", args=[postmortem.incident.number])
    from_editor = request.htmx and urlsplit(request.htmx.current_url or "").path == editor
    if from_editor:  # the new events show in the editor's timeline, swapped in
        response = TemplateResponse(request, f"{EDITOR}#timeline", editor_context(postmortem))
        retarget(response, "#timeline")
        return readiness_changed(reswap(response, "outerHTML"))
    messages.success(request, f"{count} timeline event{'s' if count != 1 else ''} imported.")
    if request.htmx:  # the import page itself has no timeline: go to the editor's
        return HttpResponseClientRedirect(editor + "#timeline")
    return redirect(editor + "#timeline")
