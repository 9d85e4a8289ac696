"""The NinjaAPI instance: its routers, authentication, error handlers and URLs."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, re_path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger
from ninja.parser import Parser

from lib.json_input import loads_untrusted
from postmortems.api import (
    action_outcomes,
    actions,
    alerts,
    archive,
    comments,
    detection,
    directory,
    incidents,
    oncall,
    oncall_load,
    postmortems,
    recurrences,
    timeline,
    tracker_issues,
)
from postmortems.api.auth import ApiTokenAuth
from postmortems.api.errors import error_body, install
from postmortems.api.postmortems import checks_out
from postmortems.models.actions import ActionItem
from postmortems.models.incidents import Incident
from postmortems.models.reviews import TimelineEvent
from postmortems.permissions import visible_incidents
from postmortems.services.edits import EditConflict
from postmortems.services.postmortems import NotReadyToPublish


class UntrustedJsonParser(Parser):
    """Bodies through lib/json_input.py: UTF-8 only, bounded nesting, no NUL,
    no NaN. ninja answers what it refuses as a bad body (422 here, see errors.py)."""

    def parse_body(self, request: HttpRequest):
        return loads_untrusted(request.body)


api = NinjaAPI(
    title="Postmortems API",
    version="1",
    description=(
        "Incidents, postmortems, timelines, action items, the archive, and alerts with "
        "each alert rule's verdict. Authenticate "
        "with a personal token from your profile page: `Authorization: Bearer <token>`. "
        "The same rules as the pages decide what you see and change."
    ),
    auth=ApiTokenAuth(),
    parser=UntrustedJsonParser(),
    urls_namespace="pm-api",
    # The schema and the docs page describe the API, not its data: public, like the
    # sign-in page. The docs' scripts and styles are served from this site (the
    # "ninja" app's static files), never from a CDN.
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_decorator=login_not_required,
)
install(api)

for module in (
    incidents,
    postmortems,
    detection,
    timeline,
    actions,
    comments,
    action_outcomes,
    archive,
    directory,
    alerts,
    oncall,
    oncall_load,
    recurrences,
    tracker_issues,
):
    api.add_router("", module.router)


def _on_not_ready(request, exc: NotReadyToPublish):
    missing = checks_out(exc.readiness, exc.readiness.missing)
    return api.create_response(request, error_body(exc.messages[0], missing=missing), status=422)


def _on_edit_conflict(request, exc: EditConflict):
    """Someone saved first: 409 with the object as it is now, and nothing written."""
    current = exc.current
    if isinstance(current, Incident):
        fresh = visible_incidents(request.user).select_related("team", "owner", "postmortem")
        body = incidents.incident_out(fresh.get(pk=current.pk))
    elif isinstance(current, TimelineEvent):
        body = timeline.event_out(current)
    elif isinstance(current, ActionItem):
        body = actions.item_out(current)
    else:  # pragma: no cover - every revisioned model is listed above
        raise exc
    detail = "Someone else saved a newer version first; nothing was changed."
    return api.create_response(request, error_body(detail, current=body), status=409)


# As in api/errors.py: ninja's annotation wants handlers that also take the class.
_HANDLERS: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
    (NotReadyToPublish, _on_not_ready),
    (EditConflict, _on_edit_conflict),
]
for _exc_class, _handler in _HANDLERS:
    api.add_exception_handler(_exc_class, _handler)


def _json_not_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """ninja answers a method an endpoint lacks with a plain-text 405; say it in JSON."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        allowed = response["Allow"]
        detail = f"{request.method} is not allowed here; this endpoint takes {allowed}."
        answer = api.create_response(request, error_body(detail), status=405)
        answer["Allow"] = allowed
        return answer

    return wrapper


@csrf_exempt
def _unknown_endpoint(request: HttpRequest, path: str) -> HttpResponse:
    detail = f"No endpoint at /api/v1/{path}; the endpoints are listed at /api/v1/docs."
    return api.create_response(request, error_body(detail), status=404)


def _public_to_middleware(patterns: list) -> list:
    """Let every API URL past LoginRequiredMiddleware: the API answers 401 itself
    (ApiTokenAuth), where the middleware would redirect to the sign-in page. Every
    answer is JSON, a wrong method and an unknown path included."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _public_to_middleware(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            pattern.callback = login_not_required(_json_not_allowed(pattern.callback))
    return patterns


def urls() -> tuple[list, str, str]:
    patterns, app_name, namespace = api.urls
    catch_all = re_path(r"^(?P<path>.*)$", login_not_required(_unknown_endpoint))
    return [*_public_to_middleware(patterns), catch_all], app_name, namespace
