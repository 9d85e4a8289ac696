"""Input no view can use, refused before any view sees it, with the answer each kind
of client expects: JSON for the API (postmortems/api/errors.py's shape) and for the
alert receivers ({"error": ...}), the site's error page for everything else.

- NUL in the path, the query string or a form body (PostgreSQL stores and compares
  no NUL, so a search for "%00" was a server error on every list page with a search
  box, and /accounts/sso/%00/login/ on the sign-in pages); file contents are not
  looked at. The API answers bad input 422, as it does for
  every other invalid value (postmortems/api/errors.py), the others 400;
- a body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413, where Django answers 400 and the API
  answered 500. The receivers (/hooks/) read their bodies themselves, with their own
  limit (ALERT_WEBHOOK_MAX_BYTES), and are left to do so.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template import loader

from postmortems.api.errors import error_body

API_PREFIX = "/api/"
HOOKS_PREFIX = "/hooks/"
NUL_MESSAGE = "The request contains a NUL character, which no field accepts."
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
    path = request.path_info
    if path.startswith(API_PREFIX):
        return JsonResponse(error_body(message), status=422 if status == 400 else status)
    if path.startswith(HOOKS_PREFIX):
        return JsonResponse({"error": message}, status=status)
    # A plain template, like 500.html: no session, user or database needed.
    html = loader.get_template("400.html").render({"status": status, "message": message})
    return HttpResponse(html, status=status)


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in data.lists())


def _too_big(request: HttpRequest) -> bool:
    """Django's own rule (HttpRequest.body), checked before anything reads the body."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or request.content_type == "multipart/form-data":
        return False
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > limit
    except ValueError:
        return False


class BadInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(HOOKS_PREFIX) and _too_big(request):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return refuse(request, 413, f"The body is larger than {limit} bytes.")
        if "\x00" in request.path_info:  # /accounts/sso/%00/login/ looked it up
            return refuse(request, 400, NUL_MESSAGE)
        try:
            if _has_nul(request.GET):
                return refuse(request, 400, NUL_MESSAGE)
            # Parsing a form here is no extra work: CsrfViewMiddleware reads it next.
            # Not for the API: it takes JSON only, reads its body itself (NUL refused
            # there), and a form parsed here would leave it no body to read (500).
            form = (
                request.method == "POST"
                and request.content_type in FORM_TYPES
                and not request.path_info.startswith(API_PREFIX)
            )
            if form and _has_nul(request.POST):
                return refuse(request, 400, NUL_MESSAGE)
        except RequestDataTooBig as error:
            return refuse(request, 413, str(error))
        except (SuspiciousOperation, MultiPartParserError) as error:  # too many fields
            return refuse(request, 400, str(error))
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # A view that reads a multipart body past its limits.
        if isinstance(exception, RequestDataTooBig):
            return refuse(request, 413, str(exception))
        return None
