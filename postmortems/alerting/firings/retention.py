"""How long firings are kept: ALERT_FIRING_RETENTION_DAYS (hourly, by beat)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef

from postmortems.alerting.firings.models import AlertRule, Firing

# Rows deleted per statement: each batch is short, so receivers writing firings at the
# same time never wait long behind the sweep.
BATCH = 5000


def firings_prune(*, now: datetime) -> tuple[int, int]:
    """Deletes the firings that fired before the cutoff, are resolved and belong to no
    incident (an incident's firings stay as long as the incident: its detection review
    reads them), then the rules left with no firing and not seen since the cutoff.
    Returns (firings, rules) deleted. State-based: a missed hour is caught up next time."""
    cutoff = now - timedelta(days=settings.ALERT_FIRING_RETENTION_DAYS)
    prunable = Firing.objects.filter(  # index pm_firing_prunable
        incident__isnull=True, fired_at__lt=cutoff, resolved_at__isnull=False
    )
    firings = 0
    while True:
        batch = list(prunable.order_by("fired_at").values_list("pk", flat=True)[:BATCH])
        if not batch:
            break
        deleted, _by_model = Firing.objects.filter(pk__in=batch).delete()
        firings += deleted
    rules, _by_model = (
        AlertRule.objects.filter(last_seen_at__lt=cutoff)
        .filter(~Exists(Firing.objects.filter(rule=OuterRef("pk"))))
        .delete()
    )
    return firings, rules
