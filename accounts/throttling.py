"""Hooks for django-axes, which throttles sign-ins (settings: AXES_*)."""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from lib.client_ip import client_ip

USERNAME_KEPT = 255


def login_username(request: HttpRequest | None, credentials: dict | None = None) -> str | None:
    """The email address a sign-in tried, as accounts are stored (lower case), so that
    "Olivia@…" and "olivia@…" count towards one lockout. Cut to the length axes stores
    (AccessAttempt.username is 255 characters; no account's address is longer), so a
    longer one is counted, not a database error."""
    if credentials is not None:
        username = credentials.get("username")
    else:
        username = getattr(request, "POST", {}).get("username")
    return username.strip().lower()[:USERNAME_KEPT] if isinstance(username, str) else None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The page a locked-out sign-in gets instead of the form (429 Too Many Requests)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = TemplateResponse(
        request, "registration/locked_out.html", {"lockout_minutes": minutes}, status=429
    )
    return response.render()


class SignInThrottleBackend(AxesStandaloneBackend):
    """Axes' check, which refuses a locked-out username and address before the password
    is looked at. Every sign-in from the network comes through a view that passes the
    request; authenticate() without one comes from code (the shell, the test client's
    login()), has no client address to count against, and is left to the next backend
    instead of failing."""

    def authenticate(self, request: HttpRequest | None, *args, **kwargs):
        if request is None:
            return None
        if address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            # As axes does for a locked pair: the middleware answers with the lockout
            # page, and the failure is counted (so the lockout lasts while it goes on).
            request.axes_locked_out = True  # type: ignore[attr-defined]  # axes' own flag
            raise AxesBackendPermissionDenied("This address is locked out.")
        return super().authenticate(request, *args, **kwargs)


def address_failures(request: HttpRequest) -> int:
    """Failed sign-ins from the request's address within the lockout time, whatever
    the usernames: axes counts per username and address, which password spraying
    (one address, many usernames, a few tries each) never reaches."""
    address = client_ip(request)  # what axes records (AXES_CLIENT_IP_CALLABLE)
    if not address:
        return 0
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
    return recent.aggregate(n=Sum("failures_since_start"))["n"] or 0
