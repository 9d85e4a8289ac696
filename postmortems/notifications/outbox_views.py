"""Staff pages for outgoing email: status, attempts, errors, and retry."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import staff_required
from postmortems.notifications.models import OutboundMessage
from postmortems.notifications.outbox import outbox_retry, outbox_retry_failed
from postmortems.notifications.selectors import outbox_rows, outbox_trouble


@require_GET
@staff_required
def outbox_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    now = timezone.now()
    status = request.GET.get("status", "")
    # Every row, so staff can run the outbox; what a row says about an incident the
    # viewer may not see is hidden in the template (`about_visible`).
    emails = outbox_rows(status=status, now=now, viewer=request.user)
    page = Paginator(emails, 50).get_page(request.GET.get("page"))
    statuses = [*OutboundMessage.Status.choices, ("deferred", "Deferred over an hour")]
    return TemplateResponse(
        request,
        "postmortems/outbox.html",
        {
            "page": page,
            "status": status,
            "statuses": statuses,
            "trouble": outbox_trouble(now=now),
        },
    )


@require_POST
@staff_required
def outbox_retry_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    email = get_object_or_404(OutboundMessage, pk=pk)
    if outbox_retry(email=email, now=timezone.now()):
        messages.success(request, f"Message to {email.destination} queued again.")
    else:
        messages.error(request, "Only failed emails can be retried.")
    return redirect("pm-outbox")


@require_POST
@staff_required
def outbox_retry_failed_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = outbox_retry_failed(now=timezone.now())
    if count:
        messages.success(
            request,
            f"{count} failed email{pluralize(count)} queued again; they go out within "
            "a few minutes.",
        )
    else:
        messages.info(request, "No failed emails to retry.")
    return redirect("pm-outbox")
