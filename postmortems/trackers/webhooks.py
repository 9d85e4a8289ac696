"""POST /hooks/trackers/<connection code>/: a tracker tells us an issue changed.

Machine to machine: no session, no CSRF token; each delivery proves itself with the
connection's webhook secret (the adapter checks the signature: 401 if it does not
match). A delivery seen before (the tracker's delivery id, or the body's hash) is
answered 200 and ignored. The change is applied in the request's transaction, which
is short (one or two issues); the tracker gets its 2xx at once after.
"""

import hashlib
import logging
from uuid import UUID

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from lib.database_errors import RETRY_AFTER, Trouble, database_trouble
from postmortems.trackers.adapters import adapter_class
from postmortems.trackers.adapters.base import TrackerError
from postmortems.trackers.models import TrackerConnection, TrackerDelivery, TrackerIssue
from postmortems.trackers.sync import issue_apply_remote

logger = logging.getLogger(__name__)
MAX_BYTES = 5 * 1024 * 1024  # GitHub caps payloads at 25 MB; issue events are a few kB


def _json(status: int, **data: object) -> JsonResponse:
    return JsonResponse(data, status=status)


@csrf_exempt
@login_not_required
@require_POST
def tracker_webhook_view(request: HttpRequest, code: UUID) -> JsonResponse:
    tracker = TrackerConnection.objects.filter(code=code).first()
    if tracker is None:
        return _json(404, error="No such tracker connection.")
    body = request.body[: MAX_BYTES + 1]
    if len(body) > MAX_BYTES:
        return _json(413, error="Delivery too large.")
    adapter = adapter_class(tracker.kind)
    if not adapter.verify_webhook(
        headers=request.headers, body=body, secret=tracker.webhook_secret
    ):
        logger.warning("Tracker webhook for %s: bad signature.", tracker.code)
        return _json(401, error="The signature does not match the connection's secret.")
    get_id = getattr(adapter, "delivery_id", None)
    delivery_id = (get_id(headers=request.headers, body=body) if get_id else "") or (
        "sha256:" + hashlib.sha256(body).hexdigest()
    )
    try:
        remotes = adapter.parse_webhook(headers=request.headers, body=body)
    except TrackerError as error:
        return _json(400, error=str(error))
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    TrackerDelivery.objects.create(
                        connection=tracker, delivery_id=delivery_id[:200], issues=len(remotes)
                    )
            except IntegrityError:
                return _json(200, duplicate=True)
            applied = 0
            if tracker.sync_enabled:
                links = TrackerIssue.objects.filter(
                    connection=tracker, key__in=[remote.key for remote in remotes]
                )
                by_key = {link.key: link for link in links}
                for remote in remotes:
                    if remote.key in by_key:
                        issue_apply_remote(link=by_key[remote.key], remote=remote)
                        applied += 1
    except DatabaseError as error:
        trouble = database_trouble(error)
        if trouble is None:
            raise
        response = _json(503 if trouble != Trouble.CONTENTION else 409, error="Try again.")
        response["Retry-After"] = str(RETRY_AFTER[trouble])
        return response
    return _json(200, applied=applied)
