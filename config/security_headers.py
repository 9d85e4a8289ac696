"""Content-Security-Policy on every response, built from settings.CONTENT_SECURITY_POLICY.

Django 5.2 has no CSP support of its own; the policy is one fixed header, so a few
lines do. The other security headers come from Django's SecurityMiddleware
(Referrer-Policy, X-Content-Type-Options, HSTS) and XFrameOptionsMiddleware.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def policy_header(directives: dict[str, list[str]]) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # A view that needs a different policy sets its own header.
        if HEADER not in response:
            response[HEADER] = policy_header(settings.CONTENT_SECURITY_POLICY)
        return response
