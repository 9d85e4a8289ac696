"""Digest emails: one per owner per weekday, one per team lead per week.

Both are computed in the recipient's own time zone and local hour, so "today",
"overdue" and "Monday morning" mean what the recipient means by them, across
daylight-saving changes too. Each part runs a fixed number of queries.

A digest is due from its moment (a digest weekday at the recipient's hour) until
the end of that local day. If no sweep finished during that time (the workers, the
broker or the database were down), the next sweep sends it late, keyed by its own
date, once. Only the latest missed moment is caught up: after a three-day outage an
owner gets one late digest, not three, since each would list much the same items
and all of them as they are now (see `digest_moment_due`).
"""

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import partial
from itertools import groupby

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse

from accounts.models import Membership, User
from lib.extensions import page_extras
from postmortems.models.actions import ActionItem
from postmortems.models.incidents import not_deleted
from postmortems.models.reviews import Postmortem
from postmortems.notifications.emails import absolute_url, compose
from postmortems.notifications.models import OutboundMessage
from postmortems.selectors import past_review_deadline, stale_draft_days, stale_drafts

Kind = OutboundMessage.Kind
OPEN = ActionItem.UNFINISHED
# How each message is composed: the sweep passes one that logs and skips a message
# whose composing fails (notifications/reminders.py), so one bad digest holds up no other.
ComposeEach = Callable[[str, Callable[[], OutboundMessage | None]], OutboundMessage | None]


def compose_now(key: str, build: Callable[[], OutboundMessage | None]) -> OutboundMessage | None:
    return build()


def _local(now: datetime, user: User) -> datetime:
    return now.astimezone(user.zone)


WEEKDAYS = frozenset(range(5))


def digest_moment_due(
    *, local_now: datetime, weekdays: frozenset[int], hour: int, last_sweep: datetime | None
) -> datetime | None:
    """The digest moment (local, on one of `weekdays` at `hour`) to send at `local_now`:
    today's once its hour has come, or the latest past one if no sweep finished after
    it (`last_sweep`, None when no sweep ever finished: nothing was missed then)."""
    for days_back in range(8):
        day = local_now.date() - timedelta(days=days_back)
        if day.weekday() not in weekdays:
            continue
        # Same tzinfo on both sides: compared as wall times, as `local.hour >= hour` was.
        moment = datetime.combine(day, time(hour), tzinfo=local_now.tzinfo)
        if moment > local_now:
            continue  # today's hour has not come yet: look at the days before
        if days_back == 0 or (last_sweep is not None and last_sweep < moment):
            return moment
        return None
    return None


def outcome_url(item: ActionItem) -> str:
    """The outcome form of a done item (postmortems/views/outcomes.py)."""
    return absolute_url(
        reverse("pm-action-outcome", args=[item.postmortem.incident.number, item.code])
    )


def _item_url(item: ActionItem) -> str:
    path = reverse("pm-postmortem-detail", args=[item.postmortem.incident.number])
    return absolute_url(f"{path}#actions")


def visible_to_owner() -> Q:
    """Items whose owner may see the incident (restricted ones only to insiders)."""
    incident = "postmortem__incident"
    member = Membership.objects.filter(user=OuterRef("owner"), team=OuterRef(f"{incident}__team"))
    author = Postmortem.authors.through.objects.filter(
        postmortem=OuterRef("postmortem"), user=OuterRef("owner")
    )
    return (
        Q(**{f"{incident}__restricted": False})
        | Q(**{f"{incident}__owner": F("owner")})
        | Q(owner__is_superuser=True)
        | Exists(member)
        | Exists(author)
    )


def action_digests(
    *,
    now: datetime,
    existing_keys: Callable[[list[str]], set[str]],
    last_sweep: datetime | None = None,
    compose_each: ComposeEach = compose_now,
) -> list[OutboundMessage]:
    """Weekdays at the owner's digest hour: overdue items, items due soon, and done
    items whose outcome is awaited (their verification date has come). A day missed by
    every sweep is caught up late (module docstring)."""
    soon = settings.DIGEST_DUE_SOON_DAYS
    # The latest "today" anywhere on Earth, so no zone's items are missed.
    horizon = (now + timedelta(hours=14)).date() + timedelta(days=soon)
    open_items = ActionItem.objects.filter(
        not_deleted("postmortem__incident__"), status__in=OPEN, due_date__lte=horizon
    )
    # Done, and the day to say whether the fix worked has come (pm_action_verify_due).
    awaiting = ActionItem.objects.filter(
        not_deleted("postmortem__incident__"),
        status=ActionItem.Status.DONE,
        outcome="",
        verify_on__lte=horizon - timedelta(days=soon),
    )
    owners = User.objects.filter(
        Q(pk__in=open_items.values("owner")) | Q(pk__in=awaiting.values("owner")),
        is_active=True,
        receive_digests=True,
    )
    keys = {}
    for user in owners:
        moment = digest_moment_due(
            local_now=_local(now, user),
            weekdays=WEEKDAYS,
            hour=user.digest_hour,
            last_sweep=last_sweep,
        )
        if moment is not None:
            keys[f"digest:{user.pk}:{moment.date().isoformat()}"] = user
    pending = {key: user for key, user in keys.items() if key not in existing_keys(list(keys))}
    if not pending:
        return []
    items = (
        open_items.filter(visible_to_owner(), owner__in=pending.values())
        .select_related("postmortem__incident")
        .order_by("owner_id", "due_date", "pk")
    )
    by_owner = {owner: list(rows) for owner, rows in groupby(items, key=lambda i: i.owner_id)}
    done_items = (
        awaiting.filter(visible_to_owner(), owner__in=pending.values())
        .select_related("postmortem__incident")
        .order_by("owner_id", "verify_on", "pk")
    )
    done_by_owner = {
        owner: list(rows) for owner, rows in groupby(done_items, key=lambda i: i.owner_id)
    }
    emails = [
        compose_each(
            key,
            partial(
                _action_digest,
                key,
                user,
                now,
                by_owner.get(user.pk, []),
                done_by_owner.get(user.pk, []),
            ),
        )
        for key, user in pending.items()
    ]
    return [email for email in emails if email is not None]


def _action_digest(
    key: str, user: User, now: datetime, items: list, done_items: list
) -> OutboundMessage | None:
    soon = settings.DIGEST_DUE_SOON_DAYS
    today = _local(now, user).date()
    overdue, due_soon = [], []
    for item in items:
        row = {"item": item, "url": _item_url(item), "days": (today - item.due_date).days}
        if item.is_overdue_on(today):
            overdue.append(row)
        elif item.due_date <= today + timedelta(days=soon):
            due_soon.append(row)
    awaiting = [
        {"item": item, "url": outcome_url(item)}
        for item in done_items
        if item.verify_on is not None and item.verify_on <= today
    ]
    if not (overdue or due_soon or awaiting):
        return None  # nothing to say: no digest
    return compose(
        kind=Kind.ACTION_DIGEST,
        recipient=user,
        dedup_key=key,
        reason="You get this because you own open action items. "
        "Change the hour or turn digests off in your profile.",
        context={
            "today": today,
            "overdue": overdue,
            "due_soon": due_soon,
            "due_soon_days": soon,
            "awaiting": awaiting,
        },
    )


def lead_digests(
    *,
    now: datetime,
    existing_keys: Callable[[list[str]], set[str]],
    last_sweep: datetime | None = None,
    compose_each: ComposeEach = compose_now,
) -> list[OutboundMessage]:
    """Weekly, on the lead's local LEAD_DIGEST_WEEKDAY morning, per team they lead; a
    week's missed by every sweep is caught up late (module docstring)."""
    leads = Membership.objects.filter(
        role=Membership.Role.LEAD, user__is_active=True, user__receive_digests=True
    ).select_related("user", "team")
    keys = {}
    for membership in leads:
        moment = digest_moment_due(
            local_now=_local(now, membership.user),
            weekdays=frozenset([settings.LEAD_DIGEST_WEEKDAY]),
            hour=membership.user.digest_hour,
            last_sweep=last_sweep,
        )
        if moment is not None:
            year, week, _day = moment.isocalendar()
            key = f"lead-digest:{membership.team_id}:{membership.user_id}:{year}-W{week:02d}"
            keys[key] = membership
    pending = {key: m for key, m in keys.items() if key not in existing_keys(list(keys))}
    if not pending:
        return []
    teams = {m.team_id for m in pending.values()}
    horizon = (now + timedelta(hours=14)).date()
    overdue = list(
        # Overdue on the latest "today" anywhere: each lead's own day narrows it below.
        ActionItem.objects.overdue(today=horizon)
        .filter(not_deleted("postmortem__incident__"), postmortem__incident__team__in=teams)
        .select_related("owner", "postmortem__incident")
        .order_by("owner__display_name", "owner_id", "due_date")
    )
    missing = list(past_review_deadline(now).filter(team__in=teams))
    stale_days = stale_draft_days()
    stale = list(stale_drafts(now).filter(incident__team__in=teams).select_related("incident"))
    # What the parts above add (page "lead-digest"): each provider returns
    # {name: {team_id: {"title", "lines", "url"}}}, a section per team it has news for
    # (alerting: what got worse on call). Asked once for every team due.
    team_objects = list({m.team_id: m.team for m in pending.values()}.values())
    extras = page_extras("lead-digest", teams=team_objects, now=now)
    emails = [
        compose_each(
            key,
            partial(
                _lead_digest, key, membership, now, overdue, missing, stale, stale_days, extras
            ),
        )
        for key, membership in pending.items()
    ]
    return [email for email in emails if email is not None]


def _lead_digest(
    key, membership, now, overdue, missing, stale, stale_days, extras
) -> OutboundMessage | None:
    team, lead = membership.team, membership.user
    today = _local(now, lead).date()
    team_overdue = [
        i for i in overdue if i.postmortem.incident.team_id == team.pk and i.is_overdue_on(today)
    ]
    groups = [
        {
            "owner": owner,
            "rows": [
                {"item": i, "url": _item_url(i), "days": (today - i.due_date).days} for i in rows
            ],
        }
        for owner, rows in groupby(team_overdue, key=lambda i: i.owner)
    ]
    team_missing = [
        {
            "incident": i,
            "hours": int((now - i.clock).total_seconds() // 3600),
            "url": absolute_url(reverse("pm-incident-detail", args=[i.number])),
        }
        for i in missing
        if i.team_id == team.pk
    ]
    team_stale = [
        {
            "postmortem": p,
            "days": (now - p.created_at).days,
            "url": absolute_url(reverse("pm-postmortem-edit", args=[p.incident.number])),
        }
        for p in stale
        if p.incident.team_id == team.pk
    ]
    sections = [by_team[team.pk] for by_team in extras.values() if team.pk in by_team]
    if not (groups or team_missing or team_stale or sections):
        return None
    return compose(
        kind=Kind.LEAD_DIGEST,
        recipient=lead,
        dedup_key=key,
        reason=f"You get this because you lead {team.name}. "
        "Change the hour or turn digests off in your profile.",
        context={
            "team": team,
            "today": today,
            "overdue_by_owner": groups,
            "overdue_count": len(team_overdue),
            "missing": team_missing,
            "stale": team_stale,
            "stale_days": stale_days,
            "sections": sections,
        },
    )
