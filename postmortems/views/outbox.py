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
from postmortems.services.outbox import outbox_retry


@require_GET
@staff_required
def outbox_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    emails = OutboundEmail.objects.select_related("incident", "team").order_by("-created_at")
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
