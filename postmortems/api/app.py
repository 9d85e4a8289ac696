"""The NinjaAPI instance: its routers, authentication, error handlers and URLs."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger
from ninja.parser import Parser

from postmortems.api import actions, archive, incidents, postmortems, timeline
from postmortems.api.auth import ApiTokenAuth
from postmortems.api.errors import error_body, install
from postmortems.api.postmortems import checks_out
from postmortems.json_input import loads_untrusted
from postmortems.models import ActionItem, Incident, TimelineEvent
from postmortems.permissions import visible_incidents
from postmortems.services.edits import EditConflict
from postmortems.services.postmortems import NotReadyToPublish


class UntrustedJsonParser(Parser):
    """Bodies through postmortems/json_input.py: UTF-8 only, bounded nesting, no NUL,
    no NaN. ninja answers what it refuses as a bad body (422 here, see errors.py)."""

    def parse_body(self, request: HttpRequest):
        return loads_untrusted(request.body)


api = NinjaAPI(
    title="Postmortems API",
    version="1",
    description=(
        "Incidents, postmortems, timelines, action items and the archive. Authenticate "
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

for module in (incidents, postmortems, timeline, actions, archive):
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


api.add_exception_handler(NotReadyToPublish, _on_not_ready)
api.add_exception_handler(EditConflict, _on_edit_conflict)


def _public_to_middleware(patterns: list) -> list:
    """Let every API URL past LoginRequiredMiddleware: the API answers 401 itself
    (ApiTokenAuth), where the middleware would redirect to the sign-in page."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _public_to_middleware(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            login_not_required(pattern.callback)
    return patterns


def urls() -> tuple[list, str, str]:
    patterns, app_name, namespace = api.urls
    return _public_to_middleware(patterns), app_name, namespace
