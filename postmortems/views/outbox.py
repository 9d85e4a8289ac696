"""Staff pages for outgoing email: status, attempts, errors, and retry."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import staff_required
from postmortems.models import OutboundEmail
from postmortems.permissions import about_visible
from postmortems.services.outbox import outbox_retry


@require_GET
@staff_required
def outbox_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    # Every row, so staff can run the outbox; what a row says about an incident the
    # viewer may not see is hidden in the template (`about_visible`).
    emails = (
        OutboundEmail.objects.select_related("incident", "team")
        .annotate(about_visible=about_visible(request.user, "incident", "postmortem__incident"))
        .order_by("-created_at")
    )
    if status in OutboundEmail.Status.values:
        emails = emails.filter(status=status)
    page = Paginator(emails.defer("body_text", "body_html"), 50).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "postmortems/outbox.html",
        {"page": page, "status": status, "statuses": OutboundEmail.Status.choices},
    )


@require_POST
@staff_required
def outbox_retry_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    email = get_object_or_404(OutboundEmail, pk=pk)
    if outbox_retry(email=email, now=timezone.now()):
        messages.success(request, f"Message to {email.destination} queued again.")
    else:
        messages.error(request, "Only failed emails can be retried.")
    return redirect("pm-outbox")
