"""Inline lists on the editor (timeline events, action items): add, edit, delete.

Both lists behave the same, so one set of views serves both, configured by an
InlineList. With htmx, a successful change answers with the whole list partial
(the order may change); a form with errors answers with just that form, swapped
in place so that what the user typed stays. Without JavaScript, the same URLs
redirect back to the editor or render a full page with the form.
"""

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap, retarget

from accounts.http import AuthenticatedHttpRequest
from lib.http_methods import require_POST_or_back
from postmortems.forms import ActionItemForm, IdeaForm, TimelineEventForm
from postmortems.models.actions import ActionItem
from postmortems.models.reviews import TimelineEvent
from postmortems.permissions import get_postmortem_for_user
from postmortems.services.edits import EditConflict
from postmortems.views.editor import EDITOR, editor_context, readiness_changed

CONFLICT_MESSAGE = (
    "Someone else changed this while you were editing. Your version is still in the form "
    "and theirs is shown above it; save again to replace theirs."
)


@dataclass(frozen=True)
class InlineList:
    name: str  # partial names: <name>, <name>-row, <name>-form; also the page anchor
    var: str  # the template variable of one row ("event", "item")
    new_form_key: str  # key of the "add" form in editor_context
    new_prefix: str
    template: str  # the template that holds the list's partials
    form_class: type[TimelineEventForm | ActionItemForm | IdeaForm]
    get_for_user: Callable[..., TimelineEvent | ActionItem]
    create: Callable[..., TimelineEvent | ActionItem]
    update: Callable[..., TimelineEvent | ActionItem]
    delete: Callable[..., None]

    def editor_url(self, number: int) -> str:
        return reverse("pm-postmortem-edit", args=[number]) + f"#{self.name}"


def list_response(request, spec: InlineList, postmortem) -> HttpResponse:
    response = TemplateResponse(request, f"{spec.template}#{spec.name}", editor_context(postmortem))
    retarget(response, f"#{spec.name}")
    return readiness_changed(reswap(response, "outerHTML"))


def _data(form: TimelineEventForm | ActionItemForm | IdeaForm) -> dict:
    return {name: form.cleaned_data[name] for name in form.Meta.fields}


def add_view(request: AuthenticatedHttpRequest, number: int, spec: InlineList) -> HttpResponse:
    postmortem = get_postmortem_for_user(request, number, write=True)
    form = spec.form_class(request.POST, prefix=spec.new_prefix)
    if form.is_valid():
        try:
            spec.create(postmortem=postmortem, by=request.user, **_data(form))
        except ValidationError as error:
            form.add_error(None, error)
    if form.is_valid():
        if request.htmx:
            return list_response(request, spec, postmortem)
        return redirect(spec.editor_url(number))
    context = editor_context(postmortem, **{spec.new_form_key: form})
    if request.htmx:
        response = TemplateResponse(request, f"{spec.template}#{spec.name}-new", context)
        retarget(response, f"#{spec.name}-new")
        return reswap(response, "outerHTML")
    return TemplateResponse(request, EDITOR, context, status=400)


def edit_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID, spec: InlineList
) -> HttpResponse:
    obj = spec.get_for_user(request, number, code, write=True)
    postmortem = obj.postmortem
    conflict = None
    if request.method == "POST":
        form = spec.form_class(request.POST, instance=obj, prefix=str(code))
        if form.is_valid():
            try:
                spec.update(
                    form.instance,
                    by=request.user,
                    expected_revision=form.cleaned_data["revision"] or 0,
                )
            except EditConflict as error:
                conflict = error.current
                form.add_error(None, CONFLICT_MESSAGE)
                form.rebase(conflict.revision)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if request.htmx:
                    return list_response(request, spec, postmortem)
                return redirect(spec.editor_url(number))
    else:
        form = spec.form_class(instance=obj, prefix=str(code))
    context = {
        spec.var: obj,
        "form": form,
        "conflict": conflict,
        "postmortem": postmortem,
        "incident": postmortem.incident,
    }
    if request.htmx:
        return TemplateResponse(request, f"{spec.template}#{spec.name}-form", context)
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(
        request, "postmortems/inline_edit.html", {**context, "spec": spec}, status=status
    )


def row_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID, spec: InlineList
) -> HttpResponse:
    """One row, read-only: what "Cancel" swaps back in place of an edit form."""
    obj = spec.get_for_user(request, number, code, write=False)
    context = {spec.var: obj, "postmortem": obj.postmortem, "incident": obj.postmortem.incident}
    if request.htmx:
        return TemplateResponse(request, f"{spec.template}#{spec.name}-row", context)
    return redirect(spec.editor_url(number))


def delete_view(
    request: AuthenticatedHttpRequest, number: int, code: UUID, spec: InlineList
) -> HttpResponse:
    obj = spec.get_for_user(request, number, code, write=True)
    spec.delete(obj, by=request.user)
    if request.htmx:
        return list_response(request, spec, obj.postmortem)
    return redirect(spec.editor_url(number))


def bind(spec: InlineList) -> dict[str, Callable[..., HttpResponse]]:
    """The four views of one inline list, with their HTTP methods enforced."""

    def add(request, number):
        return add_view(request, number, spec)

    def edit(request, number, code):
        return edit_view(request, number, code, spec)

    def row(request, number, code):
        return row_view(request, number, code, spec)

    def delete(request, number, code):
        return delete_view(request, number, code, spec)

    return {
        "add": require_POST_or_back("pm-postmortem-edit")(add),
        "edit": require_http_methods(["GET", "POST"])(edit),
        "row": require_http_methods(["GET"])(row),
        "delete": require_POST_or_back("pm-postmortem-edit")(delete),
    }
