from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Team
from lib.extensions import page_extras
from lib.months import parse_month
from postmortems.forms import IncidentForm
from postmortems.models.incidents import RESTORE_DAYS, Incident, Severity
from postmortems.permissions import (
    can_delete_incident,
    get_incident_for_deletion,
    get_incident_for_user,
)
from postmortems.selectors import IncidentFilters, incident_list
from postmortems.services.edits import EditConflict
from postmortems.services.incidents import incident_create, incident_delete, incident_update

PAGE_SIZE = 25


def _filters_from(request: AuthenticatedHttpRequest) -> IncidentFilters:
    get = request.GET
    valid = {
        "status": set(Incident.Status.values),
        "severity": set(Severity.values),
        "has_postmortem": {"yes", "no"},
    }
    values = {
        name: get.get(name, "") if get.get(name, "") in allowed else ""
        for name, allowed in valid.items()
    }
    return IncidentFilters(
        team=get.get("team", "")[:100],
        q=get.get("q", "").strip()[:200],
        month=parse_month(get.get("month", "")),
        status=values["status"],
        severity=values["severity"],
        has_postmortem=values["has_postmortem"],
    )


@vary_on_headers("HX-Request")
def incident_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    filters = _filters_from(request)
    page = Paginator(incident_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "teams": Team.objects.values_list("slug", "name"),
        "postmortem_choices": [("yes", "Started"), ("no", "Missing")],
        "statuses": Incident.Status.choices,
        "severities": Severity.choices,
    }
    template = "postmortems/incident_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return TemplateResponse(request, template, context)


@require_http_methods(["GET", "POST"])
def incident_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = IncidentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields if name != "services"}
        incident = incident_create(
            by=request.user, services=list(form.cleaned_data["services"]), **data
        )
        messages.success(request, f"{incident.reference} created.")
        return redirect("pm-incident-detail", number=incident.number)
    return TemplateResponse(request, "postmortems/incident_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def incident_edit_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    incident = get_incident_for_user(request, number, write=True)
    form = IncidentForm(request.POST or None, instance=incident, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            incident_update(
                incident=form.instance,
                expected_revision=form.cleaned_data["revision"] or 0,
                services=list(form.cleaned_data["services"]),
            )
        except EditConflict as conflict:
            form.add_error(
                None,
                "Someone else saved this incident while you were editing. Your changes are "
                "still in the form; check the current values on the incident page, then save "
                "again to replace them.",
            )
            form.rebase(conflict.current.revision)
        else:
            messages.success(request, f"{incident.reference} saved.")
            return redirect("pm-incident-detail", number=incident.number)
    return TemplateResponse(
        request, "postmortems/incident_form.html", {"form": form, "incident": incident}
    )


def incident_detail_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    incident = get_incident_for_user(request, number)
    postmortem = getattr(incident, "postmortem", None)  # joined by get_incident_for_user
    return TemplateResponse(
        request,
        "postmortems/incident_detail.html",
        {
            "incident": incident,
            "postmortem": postmortem,
            "services": incident.services.all(),
            **page_extras("incident", incident=incident, user=request.user),
            "can_delete": can_delete_incident(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def incident_delete_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """GET asks for confirmation; POST deletes (softly: admins restore it in the admin)."""
    incident = get_incident_for_deletion(request, number)
    if request.method == "POST":
        incident_delete(incident=incident, by=request.user, request=request)
        messages.success(
            request,
            f"{incident.reference} deleted. Admins can restore it for {RESTORE_DAYS} days "
            "(admin, Incidents, filter “deleted”).",
        )
        return redirect("pm-incident-list")
    return TemplateResponse(
        request,
        "postmortems/incident_delete.html",
        {"incident": incident, "restore_days": RESTORE_DAYS},
    )
