"""The server error page: 503 for database trouble, 500 for everything else.

Django calls `handler500` (config/urls.py) while it handles the exception, so
`sys.exc_info()` still holds it. Neither page touches the database (no session, no
user, no context processors): both are plain templates.
"""

import sys

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader

from config.database_errors import RETRY_AFTER, Trouble, database_trouble

HEADLINES = {
    Trouble.UNAVAILABLE: "The database is not answering",
    Trouble.READ_ONLY: "The database is read-only",
    Trouble.FULL: "The database is out of space",
}


def server_error(request: HttpRequest) -> HttpResponse:
    trouble = database_trouble(sys.exc_info()[1])
    if trouble is None:
        return HttpResponseServerError(loader.get_template("500.html").render())
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
