"""The client's address, as sign-in throttling and the audit log see it.

Behind the TLS proxy (BEHIND_TLS_PROXY=true) the connection comes from the proxy, which
appends the address it was connected from to X-Forwarded-For. Only that last entry
is the proxy's word: entries before it are whatever the client sent, so trusting
the first one would let anyone pick the address their failed sign-ins count against.
Without a proxy the header is the client's own invention and is ignored.
"""

import ipaddress
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest

# The address of the request being served (set by accounts.middleware.ClientIPMiddleware),
# so that services can record it in the audit log without being handed the request.
# None outside a request: management commands, Celery tasks.
current_client_ip: ContextVar[str | None] = ContextVar("current_client_ip", default=None)


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            address = _valid(forwarded.split(",")[-1])
            if address:
                return address
    return _valid(request.META.get("REMOTE_ADDR", ""))
