"""Proven fixes: on a done item's verification date, its owner is asked whether it worked.

One email per item and date (dedup key `verify:<item code>:<verify_on>`), sent from
the owner's digest hour on that day in the owner's own time zone, with a link to the
outcome form (postmortems/views/outcomes.py). A date moved later is a new date: one
more email on that day. After that the item stays on the owner's weekday digest
("awaiting your outcome", notifications/digests.py) until its outcome is recorded.

State-based like the rest of the sweep (notifications/reminders.py): items due now
and not yet emailed, so a sweep missed for an outage catches up. Only the last
CATCH_UP_DAYS of dates are looked at, so the rows read stay few (the partial index
pm_action_verify_due serves the range); older ones are the digest's. Items without an
owner ask nobody: the team lead dashboard lists them. Two queries, however many are due.
"""

from datetime import datetime, time, timedelta
from functools import partial

from postmortems.models.actions import ActionItem
from postmortems.models.incidents import not_deleted
from postmortems.notifications.digests import outcome_url, visible_to_owner
from postmortems.notifications.emails import compose
from postmortems.notifications.models import OutboundMessage

CATCH_UP_DAYS = 7


def verify_key(item: ActionItem) -> str:
    assert item.verify_on is not None
    return f"verify:{item.code}:{item.verify_on.isoformat()}"


def items_due_verification(*, now: datetime):
    """Done items waiting for their outcome whose date may have come somewhere on Earth."""
    horizon = (now + timedelta(hours=14)).date()  # the latest "today" anywhere
    return (
        ActionItem.objects.filter(
            not_deleted("postmortem__incident__"),
            status=ActionItem.Status.DONE,
            outcome="",
            verify_on__lte=horizon,
            verify_on__gte=horizon - timedelta(days=CATCH_UP_DAYS),
            owner__is_active=True,
        )
        .filter(visible_to_owner())
        .select_related("owner", "postmortem__incident")
    )


def _due_for_owner(item: ActionItem, now: datetime) -> bool:
    """The day has come where the owner is, and so has their digest hour (or it is later)."""
    owner = item.owner
    assert owner is not None  # items_due_verification: owned items only
    assert item.verify_on is not None
    local = now.astimezone(owner.zone)
    moment = datetime.combine(item.verify_on, time(owner.digest_hour), tzinfo=local.tzinfo)
    return local >= moment


def verification_reminders(*, now: datetime, existing_keys, compose_each) -> list[OutboundMessage]:
    planned = {verify_key(item): item for item in items_due_verification(now=now)}
    planned = {key: item for key, item in planned.items() if _due_for_owner(item, now)}
    sent = existing_keys(list(planned)) if planned else set()
    emails = [
        compose_each(key, partial(_verify_email, key, item, now))
        for key, item in planned.items()
        if key not in sent
    ]
    return [email for email in emails if email is not None]


def _verify_email(key: str, item: ActionItem, now: datetime) -> OutboundMessage:
    incident = item.postmortem.incident
    assert item.owner is not None  # items_due_verification: owned items only
    return compose(
        kind=OutboundMessage.Kind.VERIFY_OUTCOME,
        recipient=item.owner,
        dedup_key=key,
        reason="You get this because you own this action item.",
        incident=incident,
        context={
            "item": item,
            "incident": incident,
            "url": outcome_url(item),
            "done_days": (now - item.completed_at).days if item.completed_at else None,
        },
    )
