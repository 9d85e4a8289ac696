"""Confirming or dismissing a possible recurrence, from the incident page, the review's
editor or its read view. htmx swaps the panel; without JavaScript the form posts and
the person is sent back to the page it was on."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthenticatedHttpRequest
from lib.http_methods import require_POST_or_back
from postmortems.permissions import get_incident_for_user
from postmortems.recurrence.models import Recurrence
from postmortems.recurrence.pages import BACK, recurrence_context
from postmortems.recurrence.selectors import recurrence_for_user
from postmortems.recurrence.services import DECISIONS, RecurrenceConflict, recurrence_decide

PANEL = "recurrence/panel.html#recurrence-panel"
CONFLICT = (
    "Someone else decided this recurrence first; nothing was changed. Their decision is shown."
)


def _revision(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


@require_POST_or_back("pm-incident-detail")
@vary_on_headers("HX-Request")
def recurrence_decide_view(
    request: AuthenticatedHttpRequest, number: int, code: str, decision: str
) -> HttpResponse:
    """POST confirm or dismiss, with an optional note and the revision the page showed
    (RecurrenceConflict when someone decided otherwise since)."""
    if decision not in DECISIONS:
        raise Http404("Decide confirm or dismiss.")
    incident = get_incident_for_user(request, number, write=True)
    try:
        recurrence = recurrence_for_user(incident=incident, user=request.user, code=code)
    except (Recurrence.DoesNotExist, ValidationError):
        raise Http404("No such recurrence.") from None
    back = request.POST.get("back", "incident")
    back = back if back in BACK else "incident"
    problem = ""
    try:
        recurrence_decide(
            recurrence=recurrence,
            decision=decision,
            by=request.user,
            note=request.POST.get("note", ""),
            expected_revision=_revision(request.POST.get("revision", "")),
        )
    except RecurrenceConflict:
        problem = CONFLICT
    except ValidationError as error:
        problem = " ".join(error.messages)
    if request.htmx:
        context = recurrence_context(
            incident=incident, user=request.user, can_decide=True, back=back
        )
        context["recurrence_problem"] = problem
        return TemplateResponse(request, PANEL, context, status=409 if problem else 200)
    if problem:
        messages.error(request, problem)
    else:
        done = "Confirmed as a recurrence." if decision == "confirm" else "Dismissed."
        messages.success(request, f"{recurrence.earlier.reference}: {done}")
    return redirect(BACK[back], number=incident.number)
