"""Idempotency keys of API creates: the same request sent twice creates once.

The semantics of the IETF draft "The Idempotency-Key HTTP Header Field"
(draft-ietf-httpapi-idempotency-key-header) and of Stripe's API: a key is the
token's, kept KEEP after its first use; the same key, endpoint and body answer the
first request's answer again; another endpoint or body is a mistake (422); a second
request while the first is still running waits for nothing and answers 409.

The steps (postmortems/api/idempotency.py drives them):
1. Claim: INSERT the key with no answer yet, in a transaction of its own, so that a
   concurrent request with the same key meets the unique constraint at once.
2. Run the create and store its answer in one transaction (complete): the answer is
   kept exactly when the create committed. The UPDATE names the claim's row, so a
   claim taken over meanwhile (step 4) rolls the create back instead of doubling it.
3. An answer that is not a success created nothing (its transaction was rolled
   back): the claim is released, and the key may be sent again, with any body.
4. A claim left without an answer for IN_FLIGHT_TIMEOUT belongs to a request that
   died before committing (see 2): the next request with the key takes it over.

Where a duplicate is still impossible and where a retry is lost: because of step 2, a
create sent with a key runs inside that outer transaction, so its service's own
retries on contention (lib/database_errors.retry_on_contention) do not run; a
deadlock answers 409 with nothing written and the key released, and the client sends
the same request again.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from postmortems.api.models import ApiIdempotencyKey, ApiToken

KEEP = timedelta(hours=24)
# Far longer than any request may run (gunicorn's timeout, config/gunicorn.py).
IN_FLIGHT_TIMEOUT = timedelta(minutes=5)


@dataclass(frozen=True)
class Claim:
    """What became of a key: `claimed` (run the create), `replay` (answer the stored
    answer), or a refusal: "mismatch" (another endpoint or body), "in_flight"."""

    claimed: ApiIdempotencyKey | None = None
    replay: ApiIdempotencyKey | None = None
    refusal: str = ""


def body_fingerprint(body: bytes) -> str:
    """The same JSON however it is spaced or its keys ordered; other bytes as they are."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
        data = canonical.encode()
    except (ValueError, RecursionError):
        data = body
    return hashlib.sha256(data).hexdigest()


def idempotency_key_claim(
    *, token: ApiToken, key: str, endpoint: str, fingerprint: str, now: datetime
) -> Claim:
    for _attempt in range(3):  # a key released or expired between two reads: try again
        try:
            with transaction.atomic():
                row = ApiIdempotencyKey.objects.create(
                    token=token, key=key, endpoint=endpoint, fingerprint=fingerprint, created_at=now
                )
            return Claim(claimed=row)
        except IntegrityError:
            pass
        existing = ApiIdempotencyKey.objects.filter(token=token, key=key).first()
        if existing is None:
            continue
        stale = ApiIdempotencyKey.objects.filter(pk=existing.pk)
        if existing.created_at < now - KEEP:
            stale.filter(created_at__lt=now - KEEP).delete()  # expired, not yet pruned
            continue
        if existing.response_status is None and existing.created_at < now - IN_FLIGHT_TIMEOUT:
            # Abandoned (step 4). Conditional: a claim answered meanwhile is kept.
            stale.filter(response_status__isnull=True).delete()
            continue
        if existing.endpoint != endpoint or existing.fingerprint != fingerprint:
            return Claim(refusal="mismatch")
        if existing.response_status is None:
            return Claim(refusal="in_flight")
        return Claim(replay=existing)
    return Claim(refusal="in_flight")


def idempotency_key_complete(*, claim: ApiIdempotencyKey, status: int, body: str) -> bool:
    """Store the answer, in the create's transaction. False when the claim is gone
    (taken over as abandoned): the caller must roll the create back."""
    claim.response_status, claim.response_body = status, body
    stored = ApiIdempotencyKey.objects.filter(pk=claim.pk, response_status__isnull=True).update(
        response_status=status, response_body=body
    )
    return stored == 1


def idempotency_key_release(*, claim: ApiIdempotencyKey) -> None:
    ApiIdempotencyKey.objects.filter(pk=claim.pk, response_status__isnull=True).delete()


def idempotency_keys_prune(*, now: datetime) -> int:
    """Forget keys older than KEEP (hourly, by beat)."""
    deleted, _by_model = ApiIdempotencyKey.objects.filter(created_at__lt=now - KEEP).delete()
    return deleted
