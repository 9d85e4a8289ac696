"""Section history: the list of revisions, a diff of any two, and restoring an old one."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthenticatedHttpRequest
from lib.http_methods import require_POST_or_back
from postmortems.forms import HistoryFilterForm, RestoreForm
from postmortems.models.review_templates import section_labels, section_text
from postmortems.models.reviews import Postmortem
from postmortems.models.revisions import SectionRevision
from postmortems.permissions import get_postmortem_for_user
from postmortems.selectors import section_revisions, section_revisions_by_number
from postmortems.services.postmortems import (
    SectionConflict,
    section_revision_restore,
    text_fingerprint,
)

HISTORY = "postmortems/postmortem_history.html"


def history_url(number: int, **query: str | int | None) -> str:
    params = {key: value for key, value in query.items() if value}
    url = reverse("pm-postmortem-history", args=[number])
    return f"{url}?{urlencode(params)}" if params else url


def _compare(postmortem: Postmortem, section: str, old: int | None, new: int | None, rows):
    """The two revisions to diff: those asked for, else the latest against the one before."""
    if not section:
        return None, None
    if old is None and new is None:
        numbers = sorted(r.number for r in rows)[-2:]
        if len(numbers) < 2:
            return None, None
        old, new = numbers
    wanted = {n for n in (old, new) if n is not None}
    found = {r.number: r for r in rows if r.number in wanted}
    if len(found) < len(wanted):  # older than the rows listed
        found = section_revisions_by_number(postmortem=postmortem, section=section, numbers=wanted)
    if old not in found or new not in found:
        return None, None
    return found[old], found[new]


@require_GET
@vary_on_headers("HX-Request")
def postmortem_history_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    postmortem = get_postmortem_for_user(request, number)
    labels = section_labels(postmortem)  # the review's layout, custom sections too
    form = HistoryFilterForm(request.GET, sections=labels)
    query = form.cleaned_data if form.is_valid() else {}
    section = query.get("section", "")
    rows = section_revisions(postmortem=postmortem, section=section)
    latest: dict[str, int] = {}
    for row in rows:
        latest[row.section] = max(latest.get(row.section, 0), row.number)
        row.label = labels.get(row.section, row.section)
        row.compare_url = (
            history_url(number, section=row.section, old=row.number - 1, new=row.number)
            if row.number > 1
            else ""
        )
    bases = {name: text_fingerprint(section_text(postmortem, name)) for name in latest}
    for row in rows:
        row.is_current = latest[row.section] == row.number
        row.base = bases[row.section]  # what a restore from this page replaces
    old, new = _compare(postmortem, section, query.get("old"), query.get("new"), rows)
    context = {
        "postmortem": postmortem,
        "incident": postmortem.incident,
        "form": form,
        "section": section,
        "section_label": labels.get(section, ""),
        "rows": rows,
        "old": old,
        "new": new,
    }
    if request.htmx:
        return TemplateResponse(request, f"{HISTORY}#compare", context)
    return TemplateResponse(request, HISTORY, context)


@require_POST_or_back("pm-postmortem-history")
def section_revision_restore_view(
    request: AuthenticatedHttpRequest, number: int, section: str, revision: int
) -> HttpResponse:
    postmortem = get_postmortem_for_user(request, number, write=True)
    labels = section_labels(postmortem)
    try:
        old = SectionRevision.objects.get(postmortem=postmortem, section=section, number=revision)
    except SectionRevision.DoesNotExist:
        raise Http404("No such revision.") from None
    old.postmortem = postmortem
    form = RestoreForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Open the history again and restore from there.")
        return redirect(history_url(number, section=section))
    try:
        restored = section_revision_restore(
            revision=old, by=request.user, base_fingerprint=form.cleaned_data["base"]
        )
    except SectionConflict as conflict:
        # Someone saved this section after the history page was loaded: show them what
        # changed instead of replacing their words unseen.
        messages.error(
            request,
            f"{labels.get(section, section)} was changed since you opened the history. Compare the "
            "latest version below, then restore again if you still want to.",
        )
        newest = conflict.revision.number if conflict.revision else None
        return redirect(history_url(number, section=section, old=revision, new=newest))
    label = labels.get(section, section)
    messages.success(
        request, f"{label}: revision {revision} restored as revision {restored.number}."
    )
    return redirect(history_url(number, section=section))
