"""Telling admins that outgoing messages failed for good.

Once per dispatcher tick (tasks.dispatch_outbox): failed rows nobody was told about
become one alert email per admin, itself an outbox row (kind OUTBOX_FAILED), so it
is retried like any other. Alerts never report their own failures: when the mail
server refuses everything, admins learn it from the outbox page and /readyz's log
line, not from an alert about an alert, which would loop.
"""

import hashlib
import logging
from collections import Counter
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.models import User
from postmortems.notifications.emails import absolute_url, compose_for_address
from postmortems.notifications.models import OutboundMessage
from postmortems.notifications.outbox import enqueue_after_commit, outbox_add

logger = logging.getLogger(__name__)
Kind = OutboundMessage.Kind
# One alert covers at most this many rows; the next tick reports the rest.
BATCH = 1000
REASONS_LISTED = 5


def alert_recipients() -> list[str]:
    """settings.ADMINS, or every active staff user with an address when it is empty."""
    admins = [admin[1] if isinstance(admin, tuple | list) else admin for admin in settings.ADMINS]
    if admins:
        return admins
    return list(
        User.objects.filter(is_staff=True, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("email", flat=True)
    )


def outbox_report_failures(*, now: datetime) -> int:
    """Queue one alert per admin for the rows that failed since the last report.

    Returns how many failed rows were reported.
    """
    rows = list(
        OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED, failure_reported=False)
        .exclude(kind=Kind.OUTBOX_FAILED)
        .order_by("pk")
        .values_list("pk", "last_error")[:BATCH]
    )
    if not rows:
        return 0
    ids = [pk for pk, _error in rows]
    # The first line of each error, shortened, groups alike failures.
    reasons = Counter((error.splitlines() or ["(none recorded)"])[0][:160] for _pk, error in rows)
    context = {
        "count": len(rows),
        "reasons": [{"error": e, "count": n} for e, n in reasons.most_common(REASONS_LISTED)],
        "url": absolute_url(reverse("pm-outbox") + "?status=failed"),
        "reason": "You receive this as an admin (ADMINS) or, when ADMINS is empty, as staff.",
    }
    recipients = alert_recipients()
    with transaction.atomic():
        alerts = [
            compose_for_address(
                kind=Kind.OUTBOX_FAILED,
                to_address=address,
                # Unique per batch and address: a second dispatcher at once adds nothing.
                dedup_key=f"outbox-failed:{ids[-1]}:{hashlib.sha256(address.encode()).hexdigest()[:20]}",
                context=context,
            )
            for address in recipients
        ]
        enqueue_after_commit(outbox_add(alerts))
        OutboundMessage.objects.filter(pk__in=ids).update(failure_reported=True)
    if not recipients:
        logger.error("%s outgoing messages failed; no admin or staff address to tell.", len(ids))
    return len(ids)
