"""Timeline events from a chat transcript: paste (or upload a Slack export), preview
and pick, import in one step.

An uploaded export is read once, at the preview: the chosen channel travels to the
import step as JSON in the form (slack_export.carried_json), is parsed again there,
and messages already in the timeline (same import key) are shown as such and left out.

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
from lib.http_methods import require_POST_or_back
from postmortems.chat_import.forms import ChatImportForm, ChatImportSelectionForm
from postmortems.chat_import.reader import MAX_BYTES, ParseResult, parse_transcript
from postmortems.chat_import.slack_export import (
    MAX_CARRIED_BYTES,
    ChannelChoice,
    ExportError,
    carried_json,
    read_export_upload,
)
from postmortems.models.incidents import Incident
from postmortems.models.reviews import Postmortem
from postmortems.permissions import get_postmortem_for_user
from postmortems.selectors import timeline_import_keys_stored
from postmortems.services.timeline import timeline_events_import
from postmortems.views.editor import TIMELINE_TEMPLATE, editor_context, readiness_changed

PAGE = "postmortems/timeline_import.html"


def import_zone(incident: Incident, request: AuthenticatedHttpRequest) -> ZoneInfo:
    # Incidents store no time zone of their own (their times are instants), so a
    # time without a zone in the chat is read in the importing person's zone: the
    # zone in which the editor shows and takes every other time.
    return request.user.zone


def _parse(
    transcript: str, incident: Incident, zone: ZoneInfo, max_bytes: int = MAX_BYTES
) -> ParseResult:
    start_date = incident.started_at.astimezone(zone).date()
    return parse_transcript(transcript, start_date=start_date, zone=zone, max_bytes=max_bytes)


def _already(postmortem: Postmortem, result: ParseResult) -> set[str]:
    keys = {message.key for message in result.messages if message.key}
    return timeline_import_keys_stored(postmortem=postmortem, keys=keys)


def _transcript(form: ChatImportForm) -> str | None:
    """The pasted text, or the uploaded export as JSON; None after adding the error."""
    uploads = form.cleaned_data["files"]
    if not uploads:
        return form.cleaned_data["transcript"]
    try:
        export = read_export_upload(files=uploads, channel=form.cleaned_data["channel"])
        return carried_json(export)
    except ChannelChoice as choice:
        form.offer_channels(choice.channels)
        form.add_error("channel", str(choice))
    except ExportError as error:
        form.add_error("files", str(error))
    return None


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
    form = ChatImportForm(request.POST, request.FILES)
    context: dict = {"form": form}
    if form.is_valid() and (transcript := _transcript(form)) is not None:
        zone = import_zone(postmortem.incident, request)
        uploaded = bool(form.cleaned_data["files"])
        limit = MAX_CARRIED_BYTES if uploaded else MAX_BYTES
        result = _parse(transcript, postmortem.incident, zone, limit)
        field = "files" if uploaded else "transcript"
        if result.error:
            form.add_error(field, result.error)
        elif not result.messages:
            form.add_error(
                field,
                "No messages found in the export's day files."
                if uploaded
                else "No messages found. Lines should start with a time and a name, "
                "such as “[10:42] alice: restarted the primary”.",
            )
            context["result"] = result
        else:
            selection = ChatImportSelectionForm(
                initial={"transcript": transcript},
                messages=result.messages,
                already=_already(postmortem, result),
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
    # The hidden transcript is either a paste (checked against MAX_BYTES at the
    # preview) or an uploaded export carried as JSON, which may be larger.
    result = _parse(request.POST.get("transcript", ""), incident, zone, MAX_CARRIED_BYTES)
    selection = ChatImportSelectionForm(
        request.POST, messages=result.messages, already=_already(postmortem, result)
    )
    if selection.is_valid():
        if result.error or not result.messages:
            selection.add_error(None, result.error or "There is nothing to import.")
        else:
            picked = selection.selected()
            try:
                events = timeline_events_import(
                    postmortem=postmortem, by=request.user, events=picked
                )
            except ValidationError as error:
                selection.add_error(None, error)
            else:
                return _imported(request, postmortem, len(events), len(picked) - len(events))
    context = {"selection": selection, "result": result, "zone": zone}
    return _render(request, postmortem, context, ok=False)


def _imported(request, postmortem: Postmortem, count: int, known: int = 0) -> HttpResponse:
    editor = reverse("pm-postmortem-edit", args=[postmortem.incident.number])
    from_editor = request.htmx and urlsplit(request.htmx.current_url or "").path == editor
    if from_editor:  # the new events show in the editor's timeline, swapped in
        response = TemplateResponse(
            request, f"{TIMELINE_TEMPLATE}#timeline", editor_context(postmortem)
        )
        retarget(response, "#timeline")
        return readiness_changed(reswap(response, "outerHTML"))
    text = f"{count} timeline event{'s' if count != 1 else ''} imported."
    if known:  # another import (or a second click) added them first
        text += f" {known} {'were' if known != 1 else 'was'} already in the timeline."
    messages.success(request, text)
    if request.htmx:  # the import page itself has no timeline: go to the editor's
        return HttpResponseClientRedirect(editor + "#timeline")
    return redirect(editor + "#timeline")
