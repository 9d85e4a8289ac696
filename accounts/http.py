"""Typed request classes, so views can say what they rely on."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import User


class ClientIPHttpRequest(HttpRequest):
    client_ip: str | None  # set by accounts.middleware.ClientIPMiddleware


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    user: User
