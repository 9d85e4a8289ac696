"""Hooks for django-axes, which throttles sign-ins (settings: AXES_*)."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

USERNAME_KEPT = 255


def login_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
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
        return super().authenticate(request, *args, **kwargs)
