"""A nudge: one friendly email to an action item's owner, at most one a day."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from postmortems.models.action_changes import ActionItemChange
from postmortems.models.actions import ActionItem
from postmortems.notifications.emails import absolute_url, compose
from postmortems.notifications.models import OutboundMessage
from postmortems.notifications.outbox import enqueue_after_commit
from postmortems.permissions import can_see_incident
from postmortems.services.action_changes import Field, ensure_open, local_today, owner_name


def nudge_key(item: ActionItem, owner: User, now: datetime) -> str:
    """One nudge per item per day, "day" being the owner's: they get at most one a day."""
    return f"nudge:{item.code}:{local_today(owner, now).isoformat()}"


def action_item_nudge(*, item: ActionItem, by: User) -> bool:
    """Queue one friendly email to the owner now. False when already nudged today.

    The outbox's unique dedup key is the guard, not the check before it: two clicks
    or two tabs at the same moment both try the INSERT and exactly one succeeds, so
    there is one email and one "nudge" entry in the history. A nudge does not change
    the item, so it does not bump its revision (it never conflicts with an edit).
    """
    owner = item.owner
    incident = item.postmortem.incident
    if owner is None:
        raise ValidationError("This action item has no owner to nudge. Assign someone first.")
    ensure_open(item)
    if not owner.is_active:
        raise ValidationError(f"{owner} can no longer sign in; reassign the item instead.")
    if not can_see_incident(owner, incident):
        raise ValidationError(
            f"{owner} cannot see this restricted incident, so they cannot be nudged about it."
        )
    now = timezone.now()
    key = nudge_key(item, owner, now)
    if OutboundMessage.objects.filter(dedup_key=key).exists():
        return False
    email = _nudge_email(item=item, owner=owner, by=by, key=key, now=now)
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a lost race must not end the transaction
                email.save(force_insert=True)
        except IntegrityError:
            return False  # the other click or tab inserted it first
        ActionItemChange.objects.create(
            action_item=item,
            changed_by=by,
            changed_at=now,
            field=Field.NUDGE,
            new_value=owner_name(owner),
        )
        enqueue_after_commit([email.pk])
    return True


def _nudge_email(
    *, item: ActionItem, owner: User, by: User, key: str, now: datetime
) -> OutboundMessage:
    incident = item.postmortem.incident
    today = local_today(owner, now)
    path = reverse("pm-postmortem-detail", args=[incident.number])
    email = compose(
        kind=OutboundMessage.Kind.NUDGE,
        recipient=owner,
        dedup_key=key,
        reason=f"You get this because you own this action item and {by} asked about it.",
        incident=incident,
        postmortem=item.postmortem,
        context={
            "item": item,
            "incident": incident,
            "nudged_by": by,
            "today": today,
            "days_overdue": item.days_overdue_on(today),
            "url": absolute_url(f"{path}#item-{item.code}"),
        },
    )
    email.created_at = email.next_attempt_at = now
    return email
