"""A private calendar (iCal) of a person's open action items, by due date, and of
their done items on the day their outcome is asked for ("verify: <title>").

Calendar apps cannot sign in, so the URL carries a signed token naming the user
and their current calendar key (like the Atom feeds, postmortems/archive/feeds.py).
Making a new link replaces the key, which revokes every older link; a person who
never did so has the key "". The feed lists what its user owns and may see at
the moment it is fetched.
"""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from lib.ical import AllDayEvent, calendar
from postmortems.models.actions import ActionItem
from postmortems.notifications.models import CalendarKey, new_calendar_key
from postmortems.permissions import visibility_filter

_SALT = "postmortems.calendar"


def _signer() -> signing.Signer:
    return signing.Signer(salt=_SALT)  # no timestamp: a subscription must keep working


def _current_key(user: User) -> str:
    return CalendarKey.objects.filter(user=user).values_list("key", flat=True).first() or ""


def calendar_token(user: User) -> str:
    return _signer().sign_object({"user": user.pk, "key": _current_key(user)})


def calendar_feed_url(user: User) -> str:
    return settings.SITE_URL + reverse("pm-calendar-feed", args=[calendar_token(user)])


def calendar_for_profile(*, user: User) -> dict:
    """PAGE_EXTRAS["profile"]: the person's private calendar link."""
    return {"calendar_url": calendar_feed_url(user)}


def user_from_calendar_token(token: str) -> User | None:
    """The active user a genuine, unrevoked token names; None otherwise."""
    try:
        data = _signer().unsign_object(token)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("key"), str):
        return None
    user_pk = data.get("user")
    if user_pk is None:
        return None
    user = User.objects.filter(pk=user_pk, is_active=True).first()
    if user is None or data["key"] != _current_key(user):
        return None
    return user


def calendar_key_renew(*, user: User) -> CalendarKey:
    """A new link for `user`; every older one stops working."""
    row, _created = CalendarKey.objects.update_or_create(
        user=user, defaults={"key": new_calendar_key(), "created_at": timezone.now()}
    )
    return row


def calendar_action_items(*, user: User) -> QuerySet[ActionItem]:
    """Open items `user` owns, with a due date, on incidents `user` may see."""
    return (
        ActionItem.objects.filter(
            visibility_filter(user, prefix="postmortem__incident__"),
            owner=user,
            status__in=ActionItem.UNFINISHED,
            due_date__isnull=False,
        )
        .select_related("postmortem__incident")
        .order_by("due_date", "pk")
    )


def calendar_verifications(*, user: User) -> QuerySet[ActionItem]:
    """Done items `user` owns, waiting for their outcome, on incidents `user` may see
    (pm_action_verify_due)."""
    return (
        ActionItem.objects.filter(
            visibility_filter(user, prefix="postmortem__incident__"),
            owner=user,
            status=ActionItem.Status.DONE,
            outcome="",
            verify_on__isnull=False,
        )
        .select_related("postmortem__incident")
        .order_by("verify_on", "pk")
    )


def _verify_event(item: ActionItem, host: str) -> AllDayEvent:
    incident = item.postmortem.incident
    path = reverse("pm-action-outcome", args=[incident.number, item.code])
    url = settings.SITE_URL + path
    assert item.verify_on is not None
    return AllDayEvent(
        # Its own UID: the item's "Due" event is gone once it is done, and a moved
        # date moves this event rather than adding one.
        uid=f"action-item-verify-{item.code}@{host}",
        day=item.verify_on,
        summary=f"verify: {item.title}",
        description=(
            f"Did the fix work? Action item of {incident.reference}: {incident.title}\n"
            f"Record the outcome: {url}"
        ),
        url=url,
    )


def action_items_calendar(*, user: User, now: dt.datetime) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "postmortems"
    events = []
    for item in calendar_action_items(user=user):
        incident = item.postmortem.incident
        url = settings.SITE_URL + reverse("pm-postmortem-detail", args=[incident.number])
        events.append(
            AllDayEvent(
                uid=f"action-item-{item.code}@{host}",
                day=item.due_date,
                summary=f"Due: {item.title}",
                description=(
                    f"Action item of {incident.reference}: {incident.title}\n"
                    f"Priority: {item.get_priority_display()}. Status: "
                    f"{item.get_status_display()}.\n{url}#actions"
                ),
                url=f"{url}#actions",
            )
        )
    events += [_verify_event(item, host) for item in calendar_verifications(user=user)]
    return calendar(
        name="My action items",
        events=events,
        stamp=now,
        prodid="-//Postmortems//Action items//EN",
    )
