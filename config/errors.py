"""The server error page: 503 for database trouble, 409 for contention, 500 for the rest.

Django calls `handler500` (config/urls.py) while it handles the exception, so
`sys.exc_info()` still holds it. Neither page touches the database (no session, no
user, no context processors): both are plain templates.
"""

import sys

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django_htmx.http import reswap, retarget

from lib.database_errors import RETRY_AFTER, Trouble, database_trouble

HEADLINES = {
    Trouble.UNAVAILABLE: "The database is not answering",
    Trouble.READ_ONLY: "The database is read-only",
    Trouble.FULL: "The database is out of space",
}
# The page, and the notice htmx puts at the top of the page the request came from.
CONTENTION = "contention.html"
CONTENTION_NOTICE = "contention_notice.html"


def _contention(request: HttpRequest) -> HttpResponse:
    """Another write to the same postmortem met this one, again after retrying
    (lib.database_errors.retry_on_contention): nothing was saved, and sending the
    same thing again is all it takes. A page; for htmx a notice at the top of the page
    it came from (templates/base.html lets htmx swap a 409); for a script asking for
    JSON (the autosave), JSON it retries on."""
    message = (
        "Someone else was saving to the same review at the same moment, so your change "
        "was not saved. Save it again: nothing needs merging."
    )
    if "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"error": message}, status=409)
    else:
        fragment = getattr(request, "htmx", False)
        template = loader.get_template(CONTENTION_NOTICE if fragment else CONTENTION)
        body = template.render({"message": message})
        response = HttpResponse(body, status=409)
        if fragment:
            response = reswap(retarget(response, "body"), "afterbegin")
    response["Retry-After"] = str(RETRY_AFTER[Trouble.CONTENTION])
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    trouble = database_trouble(sys.exc_info()[1])
    if trouble is None:
        return HttpResponseServerError(loader.get_template("500.html").render())
    if trouble is Trouble.CONTENTION:
        return _contention(request)
    context = {
        "headline": HEADLINES[trouble],
        "trouble": str(trouble),
        "was_write": request.method not in {"GET", "HEAD", "OPTIONS"},
        "retry_minutes": max(RETRY_AFTER[trouble] // 60, 1),
    }
    response = HttpResponse(loader.get_template("503.html").render(context), status=503)
    response["Retry-After"] = str(RETRY_AFTER[trouble])
    response["Cache-Control"] = "no-store"
    return response
