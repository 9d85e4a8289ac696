"""Alerts open, update, resolve and reopen incidents; every delivery is logged.

Alerts are grouped as the tool groups them (`AlertSignal.group_key`: Alertmanager's
and Grafana's groupKey, a PagerDuty incident, an Opsgenie alias): one incident per
group (AlertGroup), each alert of it an AlertLink with its own state. A delivery's
alerts are applied group by group:
1. In a savepoint, lock the AlertGroup of (integration, group key), if there is one.
2. No group: open one incident for the group's alerts (unless they are all below
   the integration's `open_from`), insert the group and its alerts' links in bulk.
   A concurrent delivery of the same group inserts the same key: the unique
   constraint fails the later insert, its savepoint (and the incident it made) rolls
   back, and it starts again at 1, where it now finds the group: one incident,
   however many deliveries.
3. A group: apply each alert's change to its link, then the group's: the incident
   is resolved when every alert of the group has resolved (at the last alert's end);
   an alert firing again reopens it within the re-fire window, or opens a new one
   after it. Which delivery is newer:
   - Alertmanager and Grafana send the whole state of the group each time, in
     order, so the newest delivery is the truth: a firing after a resolution is a
     re-fire even with the alert's original startsAt (an alert resolved by
     resolve_timeout, or across a Prometheus restart, fires again with its first
     start). A delivery received before the last one applied, and a resolution of
     an earlier episode (an older startsAt), change nothing.
   - PagerDuty and Opsgenie events carry the time of the change: compare it with
     the link's times, so a late or repeated delivery changes nothing.
   A priority change ("updated") sets the severity, up or down, while the incident
   is open; an empty priority changes nothing.
4. Every alert of the delivery (a tool's test notification aside) is kept as a Firing,
   whether it opened an incident or not (alerting/firings/ingest.py).
5. Every change is an AlertEvent (one per alert state change, and one summary when a
   delivery changes many alerts), copied into the postmortem's timeline (now, or
   when the postmortem is started). Locks are taken group, incident, postmortem: the
   order of every write to a postmortem (services/locks.py).
Each group costs a fixed number of queries, however many alerts it has.
A delivery that meets another write (a deadlock, say) runs again whole
(retry_on_contention); until it commits, nothing of it exists.
No email is sent here: resolving starts the 24-hour clock, and the reminder
sweep (postmortems/notifications/reminders.py) writes the reminder to the outbox later.
"""

import logging
from datetime import datetime

from django.db import transaction

from lib.database_errors import retry_on_contention
from postmortems.alerting.deliveries import delivery_record
from postmortems.alerting.firings.ingest import firings_record
from postmortems.alerting.group_changes import AlertResult, apply_with_retry
from postmortems.alerting.models import AlertDelivery, AlertGroup, AlertIntegration
from postmortems.alerting.payloads import AlertSignal

logger = logging.getLogger(__name__)

Outcome = AlertDelivery.Outcome

# The outcome a delivery of several alerts reports: the weightiest of its alerts'.
OUTCOME_WEIGHT = [
    Outcome.CREATED,
    Outcome.REOPENED,
    Outcome.RESOLVED,
    Outcome.UPDATED,
    Outcome.DUPLICATE,
    Outcome.IGNORED,
]


@retry_on_contention
def alerts_receive(
    *,
    integration: AlertIntegration,
    signals: list[AlertSignal],
    request_meta: dict,
    received_at: datetime,
) -> tuple[AlertDelivery, list[AlertResult]]:
    """Apply each alert group of one delivery and log the delivery with its weightiest
    outcome. Results come back in the order of `signals`."""
    with transaction.atomic():
        delivery = delivery_record(
            integration=integration,
            request_meta=request_meta,
            outcome=Outcome.IGNORED,
            http_status=200,
            message="",
            received_at=received_at,
        )
        by_key: dict[str, AlertResult] = {}
        groups = _groups(integration, _applicable(signals))
        # Groups locked in one order: two deliveries of the same groups cannot deadlock.
        for group_key, group_signals in sorted(groups.items()):
            for result in apply_with_retry(
                integration=integration,
                group_key=group_key,
                signals=group_signals,
                delivery=delivery,
                received_at=received_at,
            ):
                by_key[result.key] = result
        firings_record(
            integration=integration,
            signals=signals,
            incidents={key: result.incident for key, result in by_key.items()},
            received_at=received_at,
        )
        results = [by_key[s.key] for s in signals if s.key in by_key]
        results = list({id(r): r for r in results}.values())  # an alert sent twice: once
        outcomes = {result.outcome for result in results}
        delivery.outcome = next((o for o in OUTCOME_WEIGHT if o in outcomes), Outcome.IGNORED)
        delivery.message = (
            "; ".join(result.message for result in results) or "No alert in this event type."
        )[:1000]
        if _tests_only(signals):
            delivery.outcome, delivery.message = Outcome.TEST, TEST_MESSAGE
        delivery.incident = next((r.incident for r in results if r.incident), None)
        delivery.save(update_fields=["outcome", "message", "incident"])
    logger.info(
        "Alert webhook %s: %s [integration=%s]",
        delivery.outcome,
        delivery.message[:200],
        integration.code,
    )
    return delivery, results


TEST_MESSAGE = "Test notification received; no incident opened."


def _applicable(signals: list[AlertSignal]) -> list[AlertSignal]:
    """A tool's test notification (alerting/payloads.py marks it) opens nothing."""
    return [signal for signal in signals if not signal.is_test]


def _tests_only(signals: list[AlertSignal]) -> bool:
    return bool(signals) and all(signal.is_test for signal in signals)


def _groups(
    integration: AlertIntegration, signals: list[AlertSignal]
) -> dict[str, list[AlertSignal]]:
    """The delivery's alerts by group key (an alert without one is a group of its own);
    the last of an alert sent twice counts. An alert that opened an incident of its own
    before alerts were grouped (migration 0025) stays with it until it resolves."""
    regrouped = {s.key for s in signals if s.group_key and s.group_key != s.key}
    legacy = set()
    if regrouped:
        legacy = set(
            AlertGroup.objects.filter(
                integration=integration, group_key__in=regrouped, resolved_at__isnull=True
            ).values_list("group_key", flat=True)
        )
    groups: dict[str, dict[str, AlertSignal]] = {}
    for signal in signals:
        key = signal.key if signal.key in legacy else (signal.group_key or signal.key)
        groups.setdefault(key, {})[signal.key] = signal
    return {key: list(alerts.values()) for key, alerts in groups.items()}
