"""The demo's fix that did not hold: "Checkout database connection pool exhausted during
the spring sale" was fixed by a larger pool, its owner found that the fix did not work,
and the pool ran out again: "Checkout API 5xx after database connection pool exhaustion"
shares its services and its alert rule and is confirmed as its recurrence. Runs after the
alert history (the shared rule's firings come from postmortems/demo/alerts.toml)."""

from datetime import datetime, timedelta

from postmortems.models.actions import ActionItem
from postmortems.models.incidents import Incident
from postmortems.recurrence.detection import recurrences_detect
from postmortems.recurrence.services import recurrence_decide

EARLIER = "Checkout database connection pool exhausted during the spring sale"
LATER = "Checkout API 5xx after database connection pool exhaustion"
POOL_FIX = "Raise the checkout connection pool from 20 to 60 per node"
NOTE = "Same pool, same trigger: the larger pool only moved the limit. Not fixed yet."


def seed_recurrence(*, now: datetime) -> int:
    """Record the pool fix's outcome and confirm the recurrence; returns how many
    recurrences the later incident has."""
    earlier = Incident.objects.select_related("owner").get(title=EARLIER)
    later = Incident.objects.select_related("owner").get(title=LATER)
    # The owner checked the fix a month on: it did not work (the other done item is
    # still waiting for its outcome, and the alert is still open).
    fix = ActionItem.objects.get(postmortem__incident=earlier, title=POOL_FIX)
    checked = min((fix.completed_at or now) + timedelta(days=30), now - timedelta(days=1))
    ActionItem.objects.filter(pk=fix.pk).update(
        outcome=ActionItem.Outcome.DID_NOT_WORK,
        outcome_at=checked,
        outcome_by=earlier.owner,
        outcome_note="Pool usage still reaches 100% at peak; a load test ran it out at 1.6x.",
    )
    found = recurrences_detect(incident=later)
    recurrence = next(r for r in found if r.earlier_id == earlier.pk)
    assert later.owner is not None  # the content names an owner for every incident
    recurrence_decide(recurrence=recurrence, decision="confirm", by=later.owner, note=NOTE)
    return len(found)
