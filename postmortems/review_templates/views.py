"""A team's review templates: the list, one template's page, and its sections.

Team leads and admins only, like the team's other settings (get_team_for_user). Plain
forms that redirect after each change, so every step works without JavaScript.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Team
from postmortems.models.review_templates import ReviewTemplate
from postmortems.permissions import get_team_for_user
from postmortems.review_templates.forms import (
    NewTemplateForm,
    ReviewTemplateForm,
    SectionAddForm,
    SectionForm,
)
from postmortems.services.review_templates import (
    review_template_create,
    review_template_section_add,
    review_template_section_move,
    review_template_section_remove,
    review_template_section_update,
    review_template_update,
)


def _template(team: Team, code: str) -> ReviewTemplate:
    template = (
        ReviewTemplate.objects.filter(team=team, code=code).prefetch_related("sections").first()
    )
    if template is None:
        raise Http404("No such template.")
    template.team = team
    return template


def _page(template: ReviewTemplate) -> str:
    return reverse("pm-review-template", args=[template.team.slug, template.code])


def _errors(request: AuthenticatedHttpRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


@require_http_methods(["GET", "POST"])
def review_template_list_view(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    team = get_team_for_user(request, slug)
    form = NewTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = review_template_create(team=team, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Template “{template.name}” created.")
            return redirect(_page(template))
    templates = list(ReviewTemplate.objects.filter(team=team).prefetch_related("sections"))
    return TemplateResponse(
        request,
        "review_templates/list.html",
        {"team": team, "templates": templates, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def review_template_view(request: AuthenticatedHttpRequest, slug: str, code: str) -> HttpResponse:
    team = get_team_for_user(request, slug)
    template = _template(team, code)
    form = ReviewTemplateForm(request.POST) if request.method == "POST" else None
    if form is not None and form.is_valid():
        try:
            review_template_update(template=template, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Template “{template.name}” saved.")
            return redirect(_page(template))
    sections = list(template.sections.all())
    return TemplateResponse(
        request,
        "review_templates/edit.html",
        {
            "team": team,
            "template": template,
            "form": form or ReviewTemplateForm.for_template(template),
            "sections": [(s, SectionForm.for_section(s)) for s in sections],
            "add_form": SectionAddForm(template=template),
        },
        status=400 if form is not None else 200,
    )


@require_POST
def review_template_section_add_view(
    request: AuthenticatedHttpRequest, slug: str, code: str
) -> HttpResponse:
    team = get_team_for_user(request, slug)
    template = _template(team, code)
    form = SectionAddForm(request.POST, template=template)
    if not form.is_valid():
        messages.error(request, "Choose a section, or name a new one.")
        return redirect(_page(template) + "#add-section")
    try:
        section = review_template_section_add(
            template=template, by=request.user, **form.cleaned_data
        )
    except ValidationError as error:
        _errors(request, error)
        return redirect(_page(template) + "#add-section")
    messages.success(request, f"Section “{section.label}” added.")
    return redirect(_page(template) + f"#section-{section.key}")


@require_POST
def review_template_section_view(
    request: AuthenticatedHttpRequest, slug: str, code: str, key: str
) -> HttpResponse:
    """One section's Save, Move up, Move down and Remove buttons (one form)."""
    team = get_team_for_user(request, slug)
    template = _template(team, code)
    section = next((s for s in template.sections.all() if s.key == key), None)
    if section is None:
        raise Http404("No such section.")
    section.template = template
    form = SectionForm(request.POST, prefix=f"s-{key}")
    if not form.is_valid():
        messages.error(request, "A section needs a name.")
        return redirect(_page(template) + f"#section-{key}")
    action = form.cleaned_data["action"]
    try:
        if action == "remove":
            review_template_section_remove(section=section, by=request.user)
            messages.success(request, f"Section “{section.label}” removed.")
            return redirect(_page(template) + "#sections")
        if action in {"up", "down"}:
            review_template_section_move(section=section, up=action == "up", by=request.user)
        else:
            review_template_section_update(
                section=section,
                label=form.cleaned_data["label"],
                question=form.cleaned_data["question"],
                by=request.user,
            )
            messages.success(request, f"Section “{section.label}” saved.")
    except ValidationError as error:
        _errors(request, error)
    return redirect(_page(template) + f"#section-{key}")
