"""The postmortem editor: sections with live preview, details, status; and the read view."""

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from lib.extensions import page_extras
from lib.http_methods import require_POST_or_back
from lib.markdown import render_markdown
from postmortems.blameless.findings import (
    DismissedKeys,
    OpenFinding,
    dismissed_keys,
    section_findings,
    timeline_findings,
)
from postmortems.chat_import.forms import ChatImportForm
from postmortems.forms import (
    ActionItemForm,
    IdeaForm,
    PostmortemDetailsForm,
    PreviewForm,
    SectionForm,
    StatusForm,
    TimelineEventForm,
)
from postmortems.models.comments import comment_label
from postmortems.models.review_templates import ReviewSection, layout_keys, review_sections
from postmortems.models.reviews import Postmortem
from postmortems.models.revisions import SectionRevision
from postmortems.permissions import get_incident_for_user, get_postmortem_for_user
from postmortems.readiness.checks import Readiness, postmortem_readiness
from postmortems.selectors import postmortem_with_content
from postmortems.services.postmortems import (
    OpenComments,
    SectionConflict,
    postmortem_set_status,
    postmortem_start,
    postmortem_update_details,
    postmortem_update_section,
    text_fingerprint,
)
from postmortems.views.comment_threads import CommentThread, comment_threads
from postmortems.views.template_switch import template_switch_context

EDITOR = "postmortems/postmortem_edit.html"
# The editor's lists live in templates of their own; htmx answers render their partials.
TIMELINE_TEMPLATE = "postmortems/editor/timeline.html"
ACTIONS_TEMPLATE = "postmortems/editor/actions.html"
# Sent with every editor save that can change readiness; the checklist listens for it.
READINESS_CHANGED = "readiness-changed"


def readiness_changed(response: HttpResponse) -> HttpResponse:
    """Tell the editor page to refresh its checklist and publish button."""
    return trigger_client_event(response, READINESS_CHANGED)


@dataclass
class EditorSection:
    name: str
    label: str
    help: str
    form: SectionForm
    preview: SafeString
    findings: list[OpenFinding]
    conflict_text: str | None = None
    conflict_revision: SectionRevision | None = None  # who saved the text in the way, when
    saved: bool = False
    thread: CommentThread | None = None
    # Shown as its form (textarea and live preview) rather than as the document reads it.
    editing: bool = False

    @property
    def empty(self) -> bool:
        """Nothing written yet: the document shows a short prompt instead."""
        return not str(self.form["text"].value() or "").strip()


def _section(
    postmortem: Postmortem,
    name: str,
    form: SectionForm | None = None,
    dismissed: DismissedKeys | None = None,
    part: ReviewSection | None = None,
) -> EditorSection:
    if part is None:
        part = next(s for s in review_sections(postmortem) if s.key == name)
    label, help_text = part.label, part.question
    if form is None:
        text = part.text
        form = SectionForm(
            initial={"text": text, "base": text_fingerprint(text), "editor": uuid.uuid4().hex},
            section=name,
        )
    else:
        text = form.data.get("text", "")
    if dismissed is None:
        dismissed = dismissed_keys(postmortem)
    findings = section_findings(name, text, dismissed)
    return EditorSection(name, label, help_text, form, render_markdown(text), findings)


def editor_context(postmortem: Postmortem, **overrides) -> dict:
    """Everything the editor page shows; `overrides` replace single parts (bound forms).
    `user` among them is the viewer, for what the parts above show only to those who
    may see it (the partial renders of one section pass none)."""
    user: User | None = overrides.pop("user", None)
    editing: str | None = overrides.pop("editing", None)
    postmortem_with_content(postmortem)
    sections = overrides.pop("sections", {})
    dismissed = dismissed_keys(postmortem)
    for state in sections.values():  # shown with the findings of what was typed
        state.findings = section_findings(state.name, state.form.data.get("text", ""), dismissed)
        state.editing = True
    threads = comment_threads(postmortem, can_edit=True, back="edit")
    # The review's own layout (review_templates.py), custom sections with their threads.
    parts = review_sections(postmortem)
    editor_sections = [
        sections.get(part.key) or _section(postmortem, part.key, dismissed=dismissed, part=part)
        for part in parts
    ]
    for section in editor_sections:
        section.thread = threads.get(section.name)
        if section.name == editing:
            section.editing = True
    # Before readiness: a part's section may bring what the checklist reads up to date
    # (the detection review refreshes its suggestions).
    extras = page_extras("review-edit", postmortem=postmortem, user=user)
    events = list(postmortem.timeline_events.all())
    found_in_timeline = timeline_findings(events, dismissed)
    # The checklist reuses the dismissals and the timeline's findings read above.
    readiness = postmortem_readiness(
        postmortem=postmortem,
        events=events,
        dismissed=dismissed,
        timeline_found=found_in_timeline,
        extras=extras,
    )
    return {
        **_status_context(postmortem, readiness),
        "timeline_findings": found_in_timeline,
        "incident": postmortem.incident,
        "sections": editor_sections,
        "threads": threads,
        "panel_threads": [thread for thread in threads.values() if thread.visible],
        "findings_count": sum(len(section.findings) for section in editor_sections),
        "details_form": PostmortemDetailsForm(
            initial={
                "authors": list(postmortem.authors.all()),
                "tags": ", ".join(tag.name for tag in postmortem.tags.all()),
            }
        ),
        "event_form": TimelineEventForm(prefix="new-event"),
        "import_form": ChatImportForm(),
        "item_form": ActionItemForm(prefix="new-item"),
        "idea_form": IdeaForm(prefix="new-idea"),
        **split_ideas(postmortem),
        **template_switch_context(postmortem, parts),
        **extras,
        **overrides,
    }


def split_ideas(postmortem: Postmortem) -> dict:
    """The review's committed items and its ideas, apart, from the prefetched list."""
    items = list(postmortem.action_items.all())
    return {
        "commitments": [item for item in items if not item.is_idea],
        "ideas": [item for item in items if item.is_idea],
    }


@require_POST_or_back("pm-incident-detail")
def postmortem_start_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    incident = get_incident_for_user(request, number, write=True)
    postmortem_start(incident=incident, by=request.user)
    return redirect("pm-postmortem-edit", number=number)


@require_GET
def postmortem_edit_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """The review as one document; `?edit=<section>` shows that section as its form
    (the Edit link without JavaScript)."""
    postmortem = get_postmortem_for_user(request, number, write=True)
    editing = request.GET.get("edit")
    if editing not in layout_keys(postmortem):
        editing = None
    return TemplateResponse(
        request, EDITOR, editor_context(postmortem, user=request.user, editing=editing)
    )


@require_GET
@vary_on_headers("HX-Request")
def postmortem_section_form_view(
    request: AuthenticatedHttpRequest, number: int, section: str
) -> HttpResponse:
    """One section of the document, swapped in place by htmx: as its form (Edit), or
    as it reads (`?mode=read`, closing an editor). Without htmx the editor page does it."""
    postmortem = get_postmortem_for_user(request, number, write=True)
    if section not in layout_keys(postmortem):
        raise Http404("No such section.")
    reading = request.GET.get("mode") == "read"
    if not request.htmx:
        query = "" if reading else f"?edit={section}"
        return redirect(reverse("pm-postmortem-edit", args=[number]) + f"{query}#section-{section}")
    state = _section(postmortem, section)
    state.editing = not reading
    return TemplateResponse(request, f"{EDITOR}#section", {"section": state, **_urls(postmortem)})


@require_POST_or_back("pm-postmortem-edit")
@vary_on_headers("HX-Request")
def postmortem_section_view(
    request: AuthenticatedHttpRequest, number: int, section: str
) -> HttpResponse:
    """Save one section: the Save button (htmx or a plain form post), "Preview" without
    JavaScript, and autosave (static/js/autosave.js, `action=autosave`).

    Autosave answers JSON with the new base on success; on a conflict it answers 409
    with the section's conflict view, which the script swaps in and which autosaves no
    more until the person has merged and saved.
    """
    postmortem = get_postmortem_for_user(request, number, write=True)
    if section not in layout_keys(postmortem):
        raise Http404("No such section.")
    action = request.POST.get("action")
    autosave = action == "autosave"
    form = SectionForm(request.POST, section=section)
    state = _section(postmortem, section, form)
    if action in {"preview", "check"} or not form.is_valid():
        if autosave:
            return JsonResponse(
                {"error": " ".join(map(str, form.errors.get("text", [])))}, status=400
            )
        state.editing = True
        if request.htmx:
            context = {"section": state, **_urls(postmortem)}
            return TemplateResponse(request, f"{EDITOR}#section", context)
        # Without JavaScript, "Preview" and "Check language" render the page with this
        # section's preview and blameless findings for the text as typed, unsaved.
        return TemplateResponse(
            request,
            EDITOR,
            editor_context(postmortem, user=request.user, sections={section: state}),
        )
    text = form.cleaned_data["text"]
    try:
        revision = postmortem_update_section(
            postmortem=postmortem,
            section=section,
            text=text,
            base_fingerprint=form.cleaned_data["base"],
            by=request.user,
            kind=SectionRevision.Kind.AUTOSAVE if autosave else SectionRevision.Kind.SAVE,
            editor=form.cleaned_data["editor"],
        )
    except SectionConflict as conflict:
        # Keep what this user typed; show the other version; the next save wins.
        data = request.POST.copy()  # what the form was bound to
        data["base"] = text_fingerprint(conflict.current_text)
        state.form = SectionForm(data, section=section)
        state.conflict_text = conflict.current_text
        state.conflict_revision = conflict.revision
        state.editing = True
        status = 409 if autosave else 200
    else:
        if autosave:
            saved_at = timezone.localtime()
            return JsonResponse(
                {
                    "base": text_fingerprint(text),
                    "revision": revision.number if revision else None,
                    "saved": f"Saved {saved_at:%H:%M:%S}",
                }
            )
        if not request.htmx:
            messages.success(request, f"{state.label} saved.")
            return redirect(reverse("pm-postmortem-edit", args=[number]) + f"#section-{section}")
        editor = form.cleaned_data["editor"]
        state = _section(postmortem, section)
        state.form.initial["editor"] = editor or state.form.initial["editor"]
        state.saved = True
        status = 200
    if request.htmx or autosave:
        response = TemplateResponse(
            request, f"{EDITOR}#section", {"section": state, **_urls(postmortem)}, status=status
        )
        return readiness_changed(response) if state.saved else response
    return TemplateResponse(
        request, EDITOR, editor_context(postmortem, user=request.user, sections={section: state})
    )


def _urls(postmortem: Postmortem) -> dict:
    return {"postmortem": postmortem, "incident": postmortem.incident}


def _status_context(postmortem: Postmortem, readiness: Readiness) -> dict:
    """What the checklist and the status buttons show."""
    return {
        **_urls(postmortem),
        "readiness": readiness,
        "status_choices": Postmortem.Status.choices,
    }


@require_GET
@vary_on_headers("HX-Request")
def postmortem_readiness_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """The checklist, and out of band the status buttons, after an editor save. Without
    htmx there is nothing to refresh in place: the pages show it when they load."""
    postmortem = get_postmortem_for_user(request, number)
    if not request.htmx:
        page = "pm-postmortem-edit" if postmortem.can_edit else "pm-postmortem-detail"
        return redirect(reverse(page, args=[number]) + "#readiness")
    readiness = postmortem_readiness(postmortem=postmortem)
    return TemplateResponse(
        request, "postmortems/readiness_refresh.html", _status_context(postmortem, readiness)
    )


@require_POST
def markdown_preview_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Render Markdown for the live preview. Reads no data, so it needs no object check."""
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return HttpResponse("<p class='muted'>This text is too long to preview.</p>", status=400)
    html = render_markdown(form.cleaned_data["text"])
    return HttpResponse(html or "<p class='muted'>Nothing to preview yet.</p>")


@require_POST_or_back("pm-postmortem-edit")
def postmortem_details_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    postmortem = get_postmortem_for_user(request, number, write=True)
    form = PostmortemDetailsForm(request.POST)
    if not form.is_valid():
        return TemplateResponse(
            request, EDITOR, editor_context(postmortem, user=request.user, details_form=form)
        )
    postmortem_update_details(
        postmortem=postmortem,
        authors=list(form.cleaned_data["authors"]),
        tag_names=form.cleaned_data["tags"],
    )
    messages.success(request, "Authors and tags saved.")
    return redirect(reverse("pm-postmortem-edit", args=[number]) + "#details")


@require_POST_or_back("pm-postmortem-edit")
def postmortem_status_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    postmortem = get_postmortem_for_user(request, number, write=True)
    form = StatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Choose a valid status.")
        postmortem_set_status(
            postmortem=postmortem,
            status=form.cleaned_data["status"],
            by=request.user,
            publish_with_open_comments=form.cleaned_data["confirm"],
        )
    except OpenComments as open_comments:
        # The confirmation step: list what is still open, offer "publish anyway".
        return TemplateResponse(
            request,
            "postmortems/publish_confirm.html",
            {
                "postmortem": postmortem,
                "incident": postmortem.incident,
                "comments": [
                    (comment_label(postmortem, comment.section), comment)
                    for comment in open_comments.comments
                ],
                "message": open_comments.message,
            },
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("pm-postmortem-edit", number=number)
    messages.success(request, f"The postmortem is now {postmortem.get_status_display().lower()}.")
    if postmortem.status == Postmortem.Status.PUBLISHED:
        return redirect("pm-postmortem-detail", number=number)
    return redirect("pm-postmortem-edit", number=number)


@require_GET
def postmortem_detail_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    postmortem = get_postmortem_for_user(request, number)
    postmortem_with_content(postmortem)
    threads = comment_threads(postmortem, can_edit=postmortem.can_edit, back="read")
    sections = [
        (part.key, part.label, part.text, threads.get(part.key))
        for part in review_sections(postmortem)
    ]
    # After postmortem_with_content: related reviews reuse its services and tags.
    extras = page_extras("review-read", postmortem=postmortem, user=request.user)
    readiness = None
    if postmortem.status != Postmortem.Status.PUBLISHED:
        # The parts' checks answer from what their extras read (the detection review).
        readiness = postmortem_readiness(postmortem=postmortem, extras=extras)
    return TemplateResponse(
        request,
        "postmortems/postmortem_detail.html",
        {
            "postmortem": postmortem,
            "incident": postmortem.incident,
            "sections": sections,
            "threads": threads,
            "panel_threads": [thread for thread in threads.values() if thread.visible],
            "readiness": readiness,
            **split_ideas(postmortem),
            **extras,
        },
    )
