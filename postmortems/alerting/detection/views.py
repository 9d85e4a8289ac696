"""The detection review's saves, from the review editor's "Detection" section.

Each answers htmx with the section (the named partial "detection") and tells the
checklist to refresh; without JavaScript it redirects to the editor's section, or on a
failed save or a conflict renders the editor with what the author typed kept."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh

from accounts.http import AuthenticatedHttpRequest
from lib.http_methods import require_POST_or_back
from postmortems.alerting.detection.forms import (
    AnswerForm,
    FoundForm,
    LinkFiringForm,
    MarkReviewedForm,
)
from postmortems.alerting.detection.models import DetectionAnswer, DetectionReview
from postmortems.alerting.detection.pages import detection_section
from postmortems.alerting.detection.services import (
    DetectionConflict,
    detection_action_create,
    detection_answer_save,
    detection_found_save,
    detection_no_alert_action_create,
    detection_review_mark,
    detection_review_refresh,
    firing_link,
)
from postmortems.models.reviews import Postmortem
from postmortems.permissions import get_postmortem_for_user
from postmortems.selectors import postmortem_with_content
from postmortems.views.editor import EDITOR, editor_context, readiness_changed

SECTION = "alerting/detection/section.html#detection"
CONFLICT = (
    "Someone else saved the detection review since you opened it; nothing was changed. "
    "Their version is shown: check it and save again."
)


def _editable(request: AuthenticatedHttpRequest, number: int) -> tuple[Postmortem, DetectionReview]:
    postmortem = get_postmortem_for_user(request, number, write=True)
    review = detection_review_refresh(postmortem=postmortem)
    return postmortem, review


def _answer(review: DetectionReview, answer_id: int) -> DetectionAnswer:
    answer = next((a for a in review.answers.all() if a.pk == answer_id), None)
    if answer is None:
        raise Http404("No such answer.")
    answer.review = review
    return answer


def _respond(
    request: AuthenticatedHttpRequest, postmortem: Postmortem, *, done: str = "", **state
) -> HttpResponse:
    """The section after a save (`done` says what was saved) or a refused one (`state`
    holds the bound forms, the conflict or the error)."""
    postmortem_with_content(postmortem)
    if request.htmx:
        section = detection_section(postmortem=postmortem, **state)
        response = TemplateResponse(request, SECTION, {"detection": section, **_urls(postmortem)})
        return readiness_changed(response) if done else response
    if done:
        messages.success(request, done)
        url = reverse("pm-postmortem-edit", args=[postmortem.incident.number])
        return redirect(url + "#detection")
    section = detection_section(postmortem=postmortem, **state)
    return TemplateResponse(request, EDITOR, editor_context(postmortem, detection=section))


def _urls(postmortem: Postmortem) -> dict:
    return {"postmortem": postmortem, "incident": postmortem.incident}


@require_POST_or_back("pm-postmortem-edit")
@vary_on_headers("HX-Request")
def detection_answer_view(
    request: AuthenticatedHttpRequest, number: int, answer_id: int
) -> HttpResponse:
    postmortem, review = _editable(request, number)
    answer = _answer(review, answer_id)
    form = AnswerForm(request.POST, prefix=f"answer-{answer.pk}")
    if not form.is_valid():
        return _respond(request, postmortem, bound={answer.pk: form})
    try:
        detection_answer_save(
            answer=answer,
            passed=form.cleaned_data["passed"],
            note=form.cleaned_data["note"],
            by=request.user,
            expected_revision=form.cleaned_data["revision"],
        )
    except DetectionConflict as conflict:
        theirs = _answer(conflict.current, answer.pk)
        data = request.POST.copy()
        data[form.add_prefix("revision")] = str(conflict.current.revision)
        again = AnswerForm(data, prefix=form.prefix)
        again.is_valid()
        return _respond(
            request, postmortem, bound={answer.pk: again}, conflicts={answer.pk: theirs}
        )
    return _respond(request, postmortem, done=f"{answer.rule_name}: {answer.criterion} saved.")


@require_POST_or_back("pm-postmortem-edit")
@vary_on_headers("HX-Request")
def detection_found_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    postmortem, review = _editable(request, number)
    form = FoundForm(request.POST)
    if not form.is_valid():
        return _respond(request, postmortem, found_form=form)
    try:
        detection_found_save(
            review=review,
            found_by=form.cleaned_data["found_by"],
            suggested_alert=form.cleaned_data["suggested_alert"],
            notes=form.cleaned_data["notes"],
            by=request.user,
            expected_revision=form.cleaned_data["revision"],
        )
    except DetectionConflict as conflict:
        data = request.POST.copy()
        data["revision"] = str(conflict.current.revision)
        again = FoundForm(data)
        again.is_valid()
        return _respond(request, postmortem, found_form=again, error=CONFLICT)
    return _respond(request, postmortem, done="How the incident was found: saved.")


@require_POST_or_back("pm-postmortem-edit")
@vary_on_headers("HX-Request")
def detection_mark_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    postmortem, review = _editable(request, number)
    form = MarkReviewedForm(request.POST)
    if not form.is_valid():
        return _respond(request, postmortem, error="Reload the page and try again.")
    try:
        detection_review_mark(
            review=review, by=request.user, expected_revision=form.cleaned_data["revision"]
        )
    except DetectionConflict:
        return _respond(request, postmortem, error=CONFLICT)
    except ValidationError as error:
        return _respond(request, postmortem, error=" ".join(error.messages))
    return _respond(request, postmortem, done="Detection marked reviewed.")


@require_POST_or_back("pm-postmortem-edit")
@vary_on_headers("HX-Request")
def detection_link_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    postmortem, _review = _editable(request, number)
    form = LinkFiringForm(request.POST)
    if not form.is_valid():
        return _respond(request, postmortem, error="Choose an alert to link.")
    try:
        firing = firing_link(
            postmortem=postmortem, firing_id=form.cleaned_data["firing"], by=request.user
        )
    except ValidationError as error:
        return _respond(request, postmortem, error=" ".join(error.messages))
    return _respond(request, postmortem, done=f"{firing.rule.name} linked to this incident.")


@require_POST_or_back("pm-postmortem-edit")
@vary_on_headers("HX-Request")
def detection_action_view(
    request: AuthenticatedHttpRequest, number: int, answer_id: int
) -> HttpResponse:
    postmortem, review = _editable(request, number)
    answer = _answer(review, answer_id)
    try:
        item = detection_action_create(answer=answer, by=request.user)
    except ValidationError as error:
        return _respond(request, postmortem, error=" ".join(error.messages))
    return _action_made(request, postmortem, item.title)


@require_POST_or_back("pm-postmortem-edit")
@vary_on_headers("HX-Request")
def detection_no_alert_action_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    postmortem, review = _editable(request, number)
    item = detection_no_alert_action_create(review=review, by=request.user)
    return _action_made(request, postmortem, item.title)


def _action_made(
    request: AuthenticatedHttpRequest, postmortem: Postmortem, title: str
) -> HttpResponse:
    """The action list changed too: with htmx the page reloads to show it there (a
    redirect to the same page with only a new #fragment would not reload it)."""
    messages.success(request, f"Action item added: {title}")
    if request.htmx:
        return HttpResponseClientRefresh()
    return redirect(reverse("pm-postmortem-edit", args=[postmortem.incident.number]) + "#detection")
