import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.http import ClientIPHttpRequest
from lib.client_ip import client_ip, current_client_ip


class UserTimezoneMiddleware:
    """Show every time in the signed-in user's own time zone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class ClientIPMiddleware:
    """Work out the client's address once per request (lib/client_ip.py): on the
    request for views, and in a context variable for services that write the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: ClientIPHttpRequest) -> HttpResponse:
        request.client_ip = client_ip(request)
        token = current_client_ip.set(request.client_ip)
        try:
            return self.get_response(request)
        finally:
            current_client_ip.reset(token)
