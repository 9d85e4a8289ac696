"""Quick timeline entry on the editor: add events from typed or pasted lines, and change
an event's kind in place.

With htmx the add answers with the whole timeline section (the new events in order, the
form empty and focused, the carried day and any note on how a time was read); without
JavaScript it redirects back to the editor's timeline, or renders the editor with the
form and its errors. Lines that could not be read stay in the form with their reasons,
beside the events that were added.
"""

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import reswap, retarget

from accounts.http import AuthenticatedHttpRequest
from lib.http_methods import require_POST_or_back
from postmortems.models.reviews import TimelineEvent
from postmortems.permissions import get_postmortem_for_user, get_timeline_event_for_user
from postmortems.services.edits import EditConflict
from postmortems.services.timeline import timeline_event_update, timeline_events_import
from postmortems.timeline_entry.forms import TimelineEntryForm
from postmortems.timeline_entry.selectors import entry_anchor
from postmortems.views.editor import EDITOR, TIMELINE_TEMPLATE, editor_context, readiness_changed

KIND_CONFLICT = (
    "Someone else changed this event meanwhile; its kind is now {kind}. Choose again to change it."
)


def _editor_url(number: int, anchor: str = "timeline") -> str:
    return reverse("pm-postmortem-edit", args=[number]) + f"#{anchor}"


@require_POST_or_back("pm-postmortem-edit")
@vary_on_headers("HX-Request")
def timeline_entry_add_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    postmortem = get_postmortem_for_user(request, number, write=True)
    form = TimelineEntryForm(
        request.POST,
        previous=entry_anchor(postmortem=postmortem, user=request.user),
        zone=request.user.zone,
    )
    added = []
    if form.is_valid():
        try:
            added = timeline_events_import(
                postmortem=postmortem, by=request.user, events=form.events
            )
        except ValidationError as error:
            form.add_error(None, error)
    ok = form.is_valid()
    state = {
        "entry_form": form.lines_left() if ok else form,
        "entry_problems": form.read.problems,
        "entry_notes": form.read.notes if ok else [],
        "entry_added": len(added),
        "entry_focus": True,
    }
    if request.htmx:
        response = TemplateResponse(
            request, f"{TIMELINE_TEMPLATE}#timeline", editor_context(postmortem, **state)
        )
        retarget(response, "#timeline")
        response = reswap(response, "outerHTML")
        return readiness_changed(response) if added else response
    if ok and not form.read.problems:
        for note in form.read.notes:
            messages.info(request, note)
        return redirect(reverse("pm-postmortem-edit", args=[number]) + "?entry=next#timeline")
    return TemplateResponse(
        request,
        EDITOR,
        editor_context(postmortem, user=request.user, **state),
        status=200 if ok else 400,
    )


@require_POST_or_back("pm-postmortem-edit")
@vary_on_headers("HX-Request")
def timeline_event_kind_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID
) -> HttpResponse:
    """Change one event's kind, from the select in its row.

    The rows' controls belong to one form for the whole timeline (editor/timeline.html),
    so the post carries every row's fields; this event's are named by its code
    (`kind-<code>`, `revision-<code>`). Plain `kind` and `revision` are still read, for
    a page loaded before the rows shared their form."""
    event = get_timeline_event_for_user(request, number, code, write=True)
    postmortem = event.postmortem
    kind = request.POST.get(f"kind-{code}", request.POST.get("kind", ""))
    message = ""
    if kind not in TimelineEvent.Kind.values:
        message = "Choose one of the kinds."
    else:
        try:
            revision = int(request.POST.get(f"revision-{code}", request.POST.get("revision", "")))
        except ValueError:
            revision = -1
        event.kind = kind
        try:
            event = timeline_event_update(event=event, expected_revision=revision)
        except EditConflict as conflict:
            current = conflict.current
            assert isinstance(current, TimelineEvent)
            event = current
            event.postmortem = postmortem
            message = KIND_CONFLICT.format(kind=event.get_kind_display())
    if request.htmx:
        context = {
            "event": event,
            "postmortem": event.postmortem,
            "incident": event.postmortem.incident,
            "kind_message": message,
        }
        response = TemplateResponse(request, f"{TIMELINE_TEMPLATE}#timeline-row", context)
        return readiness_changed(response) if not message else response
    if message:
        messages.warning(request, message)
    return redirect(_editor_url(number, f"event-{event.code}"))
