"""Every error the API answers is JSON: {"detail": "...", "errors": {"field": ["..."]}}.

401 no or a bad token, 403 not allowed to write, 404 unknown or not visible (restricted
incidents are 404 for those who may not see them, as on the pages), 409 a conflict
(someone saved first; open review comments; another write to the same postmortem at the
same moment, met again after retrying: send the request again), 413 a body over
DATA_UPLOAD_MAX_MEMORY_SIZE, 422 invalid input (a body that is not UTF-8 JSON or is nested
too deep, NUL anywhere), 503 the database is down, read-only or full (with `Retry-After`;
nothing was saved).
Handlers that need more (the current text after a conflict, the missing readiness
checks) add keys to this shape.
"""

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from lib.database_errors import RETRY_AFTER, Trouble, database_trouble
from postmortems.api.schemas import ErrorOut

INVALID = "Some of the input is not valid; see `errors`."
UNAUTHENTICATED = "Send a valid API token: `Authorization: Bearer <token>`."


class InvalidInput(Exception):
    """A form (postmortems/forms.py) refused the input: 422 with its messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__(INVALID)
        self.errors = {name: list(messages) for name, messages in errors.items()}


def refuse(form) -> NoReturn:
    raise InvalidInput({name: list(messages) for name, messages in form.errors.items()})


# Answers that every authenticated operation may give, for its `response=` declaration.
READ_ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 403: ErrorOut}
# Creates take an Idempotency-Key (api/idempotency.py): 409 while the first request
# with the key is still running, 422 for the key used with another body.
CREATE_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 409: ErrorOut}


DATABASE_TROUBLE = {
    Trouble.UNAVAILABLE: "The database is not answering; try again shortly.",
    Trouble.READ_ONLY: "The database is read-only; the change was not saved.",
    Trouble.FULL: "The database is out of space; the change was not saved.",
    Trouble.CONTENTION: (
        "Someone else was changing the same postmortem at the same moment; nothing was "
        "saved. Send the same request again."
    ),
}


def error_body(detail: str, errors: Mapping[str, list[str]] | None = None, **extra) -> dict:
    return {"detail": detail, "errors": dict(errors or {}), **extra}


# What pydantic puts in an error's location after the field when the field's type is
# a union or carries validators: names of the alternatives, not of anything a client sent.
_TYPE_TAG = re.compile(r"^(none|str|int|float|bool|date|datetime|list|dict|uuid)$|[^\w]")


def _field(loc: list) -> str:
    """ninja's location ("body", "payload", "title") as the input field's name:
    "started_after", "services.0", never pydantic's validator names."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in {"body", "query", "path"}:
        parts = parts[1:]
        if parts and parts[0] in {"payload", "filters", "params"}:
            parts = parts[1:]
    named: list[str] = []
    for part in parts:
        if named and _TYPE_TAG.search(part):
            break
        named.append(part)
    return ".".join(named) or NON_FIELD_ERRORS


def _django_errors(error: DjangoValidationError) -> tuple[str, dict[str, list[str]]]:
    if hasattr(error, "error_dict"):
        errors = error.message_dict
        general = errors.get(NON_FIELD_ERRORS, [])
        return (" ".join(general) if general else INVALID), errors
    return " ".join(error.messages), {}


logger = logging.getLogger("django.request")


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def on_ninja_validation(request, exc: NinjaValidationError):
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            # "Input should be None": the other half of an optional field's union.
            if error.get("type") == "none_required":
                continue
            message = str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")
            messages = errors.setdefault(_field(error.get("loc", [])), [])
            if message not in messages:
                messages.append(message)
        return respond(request, 422, error_body(INVALID, errors))

    def on_http_error(request, exc: HttpError):
        if exc.status_code == 400:  # a body that is not JSON: bad input like any other
            return respond(request, 422, error_body(f"{exc} (send JSON)."))
        return respond(request, exc.status_code, error_body(str(exc)))

    def on_authentication(request, exc: AuthenticationError):
        response = respond(request, 401, error_body(UNAUTHENTICATED))
        response["WWW-Authenticate"] = "Bearer"
        return response

    def on_permission_denied(request, exc: PermissionDenied):
        return respond(request, 403, error_body(str(exc) or "You may not do this."))

    def on_not_found(request, exc: Http404):
        return respond(request, 404, error_body(str(exc) or "Not found."))

    def on_too_big(request, exc: RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return respond(request, 413, error_body(f"The body is larger than {limit} bytes."))

    def on_invalid_input(request, exc: InvalidInput):
        return respond(request, 422, error_body(INVALID, exc.errors))

    def on_django_validation(request, exc: DjangoValidationError):
        detail, errors = _django_errors(exc)
        return respond(request, 422, error_body(detail, errors))

    def on_bug(request, exc: Exception):
        # Logged as Django logs a 500 (admins' error emails included), answered as JSON.
        logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exc,
            extra={"status_code": 500, "request": request},
        )
        return respond(request, 500, error_body("Something went wrong on our side."))

    def on_database_error(request, exc: DatabaseError):
        trouble = database_trouble(exc)
        if trouble is None:
            return on_bug(request, exc)
        status = 409 if trouble is Trouble.CONTENTION else 503
        response = respond(request, status, error_body(DATABASE_TROUBLE[trouble]))
        response["Retry-After"] = str(RETRY_AFTER[trouble])
        return response

    # ninja's annotation wants handlers that also take the exception class; these take
    # the exception, as ninja calls them.
    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (Exception, on_bug),
        (DatabaseError, on_database_error),
        (NinjaValidationError, on_ninja_validation),
        (AuthenticationError, on_authentication),
        (HttpError, on_http_error),
        (PermissionDenied, on_permission_denied),
        (Http404, on_not_found),
        (RequestDataTooBig, on_too_big),
        (InvalidInput, on_invalid_input),
        (DjangoValidationError, on_django_validation),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
