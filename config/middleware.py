"""The outermost middleware: request id and access log, then the probes."""

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import LazyObject

from config.probes import healthz, readyz
from lib.request_ids import (
    bind_request_id,
    new_request_id,
    sane_request_id,
    unbind_request_id,
)

access_log = logging.getLogger("access")
# Probes answer every few seconds; their successes are logged at DEBUG so they do not
# drown the access log (a failure is logged at INFO like any other request).
_PROBE_PATHS = {"/healthz", "/readyz"}
# URL parameters that are credentials (feed and unsubscribe links, password reset):
# the access log shows "[redacted]" in their place.
_SECRET_URL_KWARGS = ("token",)


class RequestIdHttpRequest(HttpRequest):
    request_id: str  # set by RequestIdMiddleware


class RequestIdMiddleware:
    """Binds a request id for the request, returns it in `X-Request-ID` and writes one
    access log line per request. First in MIDDLEWARE, so even an HTTPS redirect or a
    rejected host gets an id and a line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: RequestIdHttpRequest) -> HttpResponse:
        request_id = sane_request_id(request.headers.get("X-Request-ID")) or new_request_id()
        request.request_id = request_id
        token = bind_request_id(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            self._log(request, response, (time.perf_counter() - started) * 1000)
            return response
        finally:
            unbind_request_id(token)

    def _log(self, request: HttpRequest, response: HttpResponse, duration_ms: float) -> None:
        path = _loggable_path(request)
        user_id = _user_id(request)
        level = (
            logging.DEBUG if path in _PROBE_PATHS and response.status_code == 200 else logging.INFO
        )
        access_log.log(
            level,
            "%s %s %s %.1f ms user=%s",
            request.method,
            path,
            response.status_code,
            duration_ms,
            user_id if user_id is not None else "-",
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round(duration_ms, 1),
                "user_id": user_id,
            },
        )


def _loggable_path(request: HttpRequest) -> str:
    """The path without its query string, with secret URL parameters redacted."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for key in _SECRET_URL_KWARGS:
            value = match.kwargs.get(key)
            if value:
                path = path.replace(str(value), "[redacted]")
    return path


def _user_id(request: HttpRequest) -> int | None:
    # Only a user the request already loaded: logging must not add a session query to
    # requests that never looked (probes, static files). AuthenticationMiddleware sets
    # a lazy `user` and caches what it loads on `_cached_user`; login and logout
    # replace `user` with the real one.
    user = vars(request).get("user")
    if isinstance(user, LazyObject):
        user = getattr(request, "_cached_user", None)
    return user.pk if user is not None and user.is_authenticated else None


class ProbeMiddleware:
    """Answers /healthz and /readyz ahead of the rest of the stack, in particular before
    CommonMiddleware validates the Host header: load balancers and container health
    checks probe by IP address (Host: 10.0.0.5:8000), which ALLOWED_HOSTS rightly
    refuses for every other page. The same views are also in config/urls.py."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.probes = {"/healthz": healthz, "/readyz": readyz}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.probes.get(request.path_info)
        return probe(request) if probe is not None else self.get_response(request)
