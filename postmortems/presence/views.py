"""The editor's presence report: "I am here, editing section X" in, "who else is
here" out (a fragment for htmx, with out-of-band swaps into each section's slot).
Posted by static/js/presence.js only; without JavaScript nothing reports."""

from django.conf import settings
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts.http import AuthenticatedHttpRequest
from lib.http_methods import require_POST_or_back
from postmortems.permissions import get_postmortem_for_user
from postmortems.presence.selectors import people_here, presence_for
from postmortems.presence.services import editable_parts, presence_leave, presence_record

FRAGMENT = "presence/bar.html#presence-people"


@require_POST_or_back("pm-postmortem-edit")
def presence_view(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    """POST section=<name> (blank: reading), or left=1 when the page goes away (sent
    as a beacon, whose answer nobody reads)."""
    postmortem = get_postmortem_for_user(request, number, write=True)
    if request.POST.get("left"):
        presence_leave(postmortem=postmortem, user=request.user)
        return HttpResponse(status=204)
    now = timezone.now()
    rows = people_here(postmortem=postmortem, now=now)
    presence_record(
        postmortem=postmortem,
        user=request.user,
        section=request.POST.get("section", ""),
        now=now,
        seen=next((row for row in rows if row.user_id == request.user.pk), None),
    )
    others, slots = presence_for(
        rows=rows, viewer_id=request.user.pk, parts=editable_parts(postmortem)
    )
    context = {
        "incident": postmortem.incident,
        "others": others,
        "slots": slots,
        "interval": settings.PRESENCE_POLL_SECONDS,
        "oob": True,
    }
    return TemplateResponse(request, FRAGMENT, context)
