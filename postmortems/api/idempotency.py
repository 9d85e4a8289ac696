"""`Idempotency-Key` on the API's creates: send a create again, safely.

A client that lost the answer to a create (a timeout, a dropped connection) sends the
same request with the same key: it gets the first answer again, with
`Idempotent-Replayed: true`, and nothing is created twice. The rules and the steps are
in postmortems/api/idempotency_store.py; this module applies them to an operation:

    @router.post(..., openapi_extra=IDEMPOTENCY_KEY_DOC)
    @decorate_view(idempotent)
    def create_something(request, ...): ...
"""

import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from postmortems.api.errors import error_body
from postmortems.api.idempotency_store import (
    KEEP,
    body_fingerprint,
    idempotency_key_claim,
    idempotency_key_complete,
    idempotency_key_release,
)

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
# Visible ASCII, as Stripe's keys and the draft's examples (UUIDs); the draft's
# structured-field form, in double quotes, is read too.
_KEY = re.compile(r"[\x21-\x7e]{1,255}")
BAD_KEY = f"{HEADER} must be 1 to 255 visible ASCII characters, e.g. a UUID."
MISMATCH = (
    f"This {HEADER} was already used with another request (another endpoint or body). "
    "Use a new key for a new request."
)
IN_FLIGHT = (
    f"A request with this {HEADER} is still being processed. Send it again in a moment "
    "to get its answer."
)

IDEMPOTENCY_KEY_DOC: dict[str, Any] = {
    "parameters": [
        {
            "in": "header",
            "name": HEADER,
            "required": False,
            "description": (
                "A unique value (a UUID) per create, to send the request again safely: "
                f"for {KEEP.total_seconds() / 3600:.0f} hours, the same key and body answer "
                f"the first answer again (with `{REPLAYED}: true`) and create nothing. "
                "The same key with another body answers 422; while the first request "
                "is still running, 409. Only successes are kept: after an error nothing "
                "was created and the key may be used again."
            ),
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": _KEY.pattern},
        }
    ],
    "responses": {
        201: {
            "headers": {
                REPLAYED: {
                    "description": "`true` when this is the stored answer to an earlier "
                    "request with the same Idempotency-Key; nothing was created now.",
                    "schema": {"type": "string", "enum": ["true"]},
                }
            }
        }
    },
}


def _key(raw: str) -> str | None:
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
    return raw if _KEY.fullmatch(raw) else None


def idempotent(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap ninja's Operation.run (via decorate_view): the whole answer, errors
    included, passes through here. Without the header the operation runs as ever."""
    operation = run.__self__  # type: ignore[attr-defined]  # a bound method of the Operation

    @wraps(run)
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        api = operation.api  # set once the router is added to the API, after this
        raw = request.headers.get(HEADER)
        if raw is None:
            return run(request, **kwargs)
        # Keys belong to a token: authenticate first (ApiTokenAuth remembers the
        # token for the request, so run() does not look it up again).
        refused = operation._run_checks(request)
        if refused is not None:
            return refused
        key = _key(raw)
        if key is None:
            body = error_body(BAD_KEY, {HEADER: [BAD_KEY]})
            return api.create_response(request, body, status=422)
        try:
            return _run_once(api, request, run, kwargs, key)
        except Exception as error:  # the database, mostly: the API's JSON answers
            return api.on_exception(request, error)

    def _run_once(api, request: HttpRequest, run, kwargs: dict, key: str) -> HttpResponse:
        claim = idempotency_key_claim(
            token=request.auth,  # type: ignore[attr-defined]  # set by ninja's authentication
            key=key,
            endpoint=f"{request.method} {request.path}",
            fingerprint=body_fingerprint(request.body),
            now=timezone.now(),
        )
        if claim.replay is not None:
            response = HttpResponse(
                claim.replay.response_body,
                status=claim.replay.response_status,
                content_type="application/json; charset=utf-8",
            )
            response[REPLAYED] = "true"
            return response
        if claim.refusal == "mismatch":
            return api.create_response(request, error_body(MISMATCH), status=422)
        if claim.claimed is None:
            response = api.create_response(request, error_body(IN_FLIGHT), status=409)
            response["Retry-After"] = "1"
            return response
        stored = False
        try:
            with transaction.atomic():
                response = run(request, **kwargs)
                if 200 <= response.status_code < 300:
                    stored = idempotency_key_complete(
                        claim=claim.claimed,
                        status=response.status_code,
                        body=response.content.decode(),
                    )
                    if not stored:  # taken over as abandoned: create nothing
                        response = api.create_response(request, error_body(IN_FLIGHT), status=409)
                if not stored:
                    transaction.set_rollback(True)  # an error created nothing: keep it so
        finally:
            if not stored:
                idempotency_key_release(claim=claim.claimed)
        return response

    return wrapper
