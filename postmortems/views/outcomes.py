"""Recording whether a done action item's fix worked, and moving its verification date.

One page per item (`pm-action-outcome`): what was done, when the outcome is asked
for, and the form. The same panel is shown inline where items are (the review
editor, the item's history page) through htmx: its forms post with `hx-post` and get
the panel back; without JavaScript they post to the page and are redirected back
(or shown again with their errors and what was typed).

Who: the item's owner, and those who edit the review (its team, authors, leads,
admins); others who see the incident get 403, and those who may not see it 404
(postmortems/permissions.py, get_action_item_for_user with owner_writes).
"""

from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthenticatedHttpRequest
from accounts.single_line import SingleLineField
from lib.http_methods import require_POST_or_back
from lib.markdown import TEXT_MAX_CHARS
from lib.moments import validate_day
from postmortems.models.actions import ActionItem
from postmortems.permissions import get_action_item_for_user
from postmortems.services.edits import EditConflict
from postmortems.services.outcomes import (
    Then,
    action_item_move_verification,
    action_item_record_outcome,
)
from postmortems.views.action_items import CONFLICT_MESSAGE, RevisionForm

PAGE = "postmortems/action_item_outcome.html"
PANEL = f"{PAGE}#panel"


class OutcomeForm(RevisionForm):
    outcome = forms.ChoiceField(
        label="What did you find?",
        choices=ActionItem.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what you found."},
    )
    evidence = forms.URLField(
        label="Evidence link",
        help_text="A graph, a test run, an alert that fired, a drill report.",
        max_length=500,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter the evidence as a link, like https://…"},
    )
    note = forms.CharField(
        label="What you saw",
        help_text="Markdown. Needed when you cannot tell, or when there is no link.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    then = forms.ChoiceField(
        label="If it did not work",
        choices=Then.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    follow_up_due = forms.DateField(
        label="New item due",
        help_text="For a new action item; two weeks from today if left empty.",
        required=False,
        validators=[validate_day],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_note(self) -> str:
        note = self.cleaned_data["note"]
        if len(note) > TEXT_MAX_CHARS:
            raise ValidationError(f"Keep the note under {TEXT_MAX_CHARS} characters.")
        return note


class VerifyOnForm(RevisionForm):
    verify_on = forms.DateField(
        label="Ask on",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_day],
        error_messages={
            "required": "Choose the new verification date.",
            "invalid": "Enter the verification date as a date, like 2026-12-01.",
        },
    )
    reason = SingleLineField(label="Why (optional)", max_length=500, required=False)


def _render(
    request: AuthenticatedHttpRequest,
    item: ActionItem,
    *,
    form: OutcomeForm | None = None,
    move_form: VerifyOnForm | None = None,
    error: str = "",
    message: str = "",
) -> HttpResponse:
    context = {
        "item": item,
        "incident": item.postmortem.incident,
        "form": form or OutcomeForm(initial={"revision": item.revision}),
        "move_form": move_form or VerifyOnForm(initial={"revision": item.revision}),
        "today": timezone.localdate(),
        "panel_error": error,
        "panel_message": message,
    }
    return TemplateResponse(request, PANEL if request.htmx else PAGE, context)


def _add_errors(form: forms.Form, error: ValidationError) -> None:
    """The service's errors on the form's fields (the model's names mapped to the form's)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, texts in error.message_dict.items():
        name = {"outcome_evidence": "evidence", "outcome_note": "note"}.get(field, field)
        form.add_error(name if name in form.fields else None, texts)


def _reloaded(item: ActionItem) -> ActionItem:
    fresh = ActionItem.objects.select_related("owner", "outcome_by").get(pk=item.pk)
    fresh.postmortem = item.postmortem
    return fresh


def _done(request: AuthenticatedHttpRequest, item: ActionItem, text: str) -> HttpResponse:
    if request.htmx:
        return _render(request, _reloaded(item), message=text)
    messages.success(request, text)
    return redirect(reverse("pm-action-outcome", args=[item.postmortem.incident.number, item.code]))


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def action_item_outcome_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID
) -> HttpResponse:
    item = get_action_item_for_user(request, number, code, write=True, owner_writes=True)
    if request.method == "GET":
        return _render(request, item)
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return _render(request, item, form=form)
    data = form.cleaned_data
    try:
        recorded = action_item_record_outcome(
            item=item,
            outcome=data["outcome"],
            evidence=data["evidence"],
            note=data["note"],
            by=request.user,
            revision=data["revision"],
            then=data["then"],
            follow_up_due=data["follow_up_due"],
        )
    except EditConflict:
        fresh = _reloaded(item)
        # What was typed stays; the revision is the current one, so a second send saves.
        kept = OutcomeForm({**request.POST.dict(), "revision": fresh.revision})
        return _render(request, fresh, form=kept, error=CONFLICT_MESSAGE)
    except ValidationError as error:
        _add_errors(form, error)
        return _render(request, _reloaded(item), form=form)
    if recorded.follow_up is not None:
        text = f"Recorded. “{recorded.follow_up.title}” is the new action item."
    elif item.status == ActionItem.Status.OPEN:
        text = f"Recorded. “{item.title}” is open again."
    else:
        text = f"Recorded: {item.get_outcome_display().lower()}."
    return _done(request, item, text)


@require_POST_or_back("pm-postmortem-detail")
@vary_on_headers("HX-Request")
def action_item_verify_on_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID
) -> HttpResponse:
    item = get_action_item_for_user(request, number, code, write=True, owner_writes=True)
    form = VerifyOnForm(request.POST)
    if not form.is_valid():
        return _render(request, item, move_form=form)
    data = form.cleaned_data
    try:
        action_item_move_verification(
            item=item,
            by=request.user,
            verify_on=data["verify_on"],
            reason=data["reason"],
            revision=data["revision"],
        )
    except EditConflict:
        return _render(request, _reloaded(item), error=CONFLICT_MESSAGE)
    except ValidationError as error:
        _add_errors(form, error)
        return _render(request, _reloaded(item), move_form=form)
    day = data["verify_on"]
    return _done(request, item, f"The outcome is now asked for on {day:%b} {day.day}, {day.year}.")
