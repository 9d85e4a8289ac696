"""Choosing another template for a fresh draft, from the editor's details area."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.http import AuthenticatedHttpRequest
from lib.http_methods import require_POST_or_back
from postmortems.models.review_templates import ReviewSection, ReviewTemplate
from postmortems.models.reviews import Postmortem
from postmortems.permissions import get_postmortem_for_user
from postmortems.services.review_templates import postmortem_switch_template

BUILTIN_CHOICE = "builtin"


def template_switch_context(postmortem: Postmortem, parts: list[ReviewSection]) -> dict:
    """The switch form, while the review is a draft with nothing written (one query for
    the team's templates then; none otherwise). The service decides again on save."""
    if postmortem.status != Postmortem.Status.DRAFT or any(p.text.strip() for p in parts):
        return {}
    templates = list(ReviewTemplate.objects.filter(team_id=postmortem.incident.team_id))
    if not templates:
        return {}
    return {
        "template_switch": {
            "current": str(postmortem.template.code) if postmortem.template else BUILTIN_CHOICE,
            "choices": [
                (BUILTIN_CHOICE, "Built-in template", "The standard sections."),
                *((str(t.code), t.name, t.description) for t in templates),
            ],
        }
    }


@require_POST_or_back("pm-postmortem-edit")
def postmortem_template_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    postmortem = get_postmortem_for_user(request, number, write=True)
    chosen = request.POST.get("template", "")
    template = None
    if chosen != BUILTIN_CHOICE:
        template = ReviewTemplate.objects.filter(
            team_id=postmortem.incident.team_id, code__in=[chosen] if _is_uuid(chosen) else []
        ).first()
        if template is None:
            messages.error(request, "Choose one of the team's templates.")
            return redirect(reverse("pm-postmortem-edit", args=[number]) + "#template")
    try:
        postmortem_switch_template(postmortem=postmortem, template=template, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        name = template.name if template else "the built-in template"
        messages.success(request, f"This review now uses {name}.")
    return redirect(reverse("pm-postmortem-edit", args=[number]) + "#template")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
