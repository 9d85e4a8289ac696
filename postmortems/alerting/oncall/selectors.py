"""Reads of on-call: who was on call when, a team's rotations, a rotation's schedule."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import Team, User
from postmortems.alerting.oncall.models import (
    Role,
    Rotation,
    RotationMember,
    RotationOverride,
    ScheduleFeed,
    Shift,
)


def primaries_at(*, rotation_id: int, moments: list[datetime]) -> dict[datetime, int | None]:
    """Who was primary of the rotation at each moment (user id, None when nobody with an
    account was): an override covering the moment wins over the shift, the newest
    override over an older one. Two queries (the shifts and the overrides spanning the
    moments), however many moments."""
    if not moments:
        return {}
    first, last = min(moments), max(moments)
    span = Q(rotation_id=rotation_id, role=Role.PRIMARY, starts_at__lte=last, ends_at__gt=first)
    shifts = list(
        Shift.objects.filter(span)
        .order_by("starts_at", "pk")
        .values_list("starts_at", "ends_at", "user_id")
    )
    overrides = list(
        RotationOverride.objects.filter(span)
        .order_by("-created_at", "-pk")
        .values_list("starts_at", "ends_at", "user_id")
    )
    found: dict[datetime, int | None] = {}
    for moment in moments:
        # A shift with an account wins over an imported one that matched nobody.
        covering = [user for start, end, user in shifts if start <= moment < end]
        found[moment] = next(
            (user for start, end, user in overrides if start <= moment < end),
            next((user for user in covering if user is not None), None),
        )
    return found


@dataclass(frozen=True)
class OnCall:
    """One role at one moment: the person's account when known, otherwise the name the
    feed gave; `override` when an override put them there."""

    user: User | None
    name: str
    override: bool = False


@dataclass(frozen=True)
class OnCallNow:
    primary: OnCall | None
    secondary: OnCall | None


def on_call_now_many(*, rotation_ids: list[int], now: datetime) -> dict[int, OnCallNow]:
    """Primary and secondary of each rotation at `now` (overrides win): two queries."""
    span = Q(rotation_id__in=rotation_ids, starts_at__lte=now, ends_at__gt=now)
    chosen: dict[tuple[int, str], OnCall] = {}
    for shift in Shift.objects.filter(span).select_related("user").order_by("starts_at", "pk"):
        key = (shift.rotation_id, shift.role)
        if shift.user is None and key in chosen:
            continue
        chosen[key] = OnCall(user=shift.user, name=str(shift.user or shift.person))
    for override in (
        RotationOverride.objects.filter(span).select_related("user").order_by("created_at", "pk")
    ):
        chosen[(override.rotation_id, override.role)] = OnCall(
            user=override.user, name=str(override.user), override=True
        )
    return {
        pk: OnCallNow(
            primary=chosen.get((pk, Role.PRIMARY)), secondary=chosen.get((pk, Role.SECONDARY))
        )
        for pk in rotation_ids
    }


def on_call_now(*, rotation: Rotation, now: datetime) -> OnCallNow:
    return on_call_now_many(rotation_ids=[rotation.pk], now=now)[rotation.pk]


def team_rotations(*, team: Team) -> QuerySet[Rotation]:
    """A team's rotations with their members in order (and their feed): three queries."""
    return (
        Rotation.objects.filter(team=team)
        .select_related("feed")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=RotationMember.objects.select_related("user").order_by("position"),
            )
        )
        .order_by("name")
    )


def rotation_shifts(*, rotation: Rotation, since: datetime, until: datetime) -> QuerySet[Shift]:
    """Shifts overlapping [since, until), in order (index pm_shift_rotation_start)."""
    return (
        Shift.objects.filter(rotation=rotation, starts_at__lt=until, ends_at__gt=since)
        .select_related("user")
        .order_by("starts_at", "role", "pk")
    )


def rotation_overrides(
    *, rotation: Rotation, since: datetime, until: datetime
) -> QuerySet[RotationOverride]:
    return (
        RotationOverride.objects.filter(rotation=rotation, starts_at__lt=until, ends_at__gt=since)
        .select_related("user", "created_by")
        .order_by("starts_at", "pk")
    )


def failing_schedule_feeds() -> QuerySet[ScheduleFeed]:
    """Enabled feeds whose last import failed, for the staff's delivery log."""
    return (
        ScheduleFeed.objects.filter(enabled=True, failures__gt=0)
        .select_related("rotation__team")
        .order_by("-failures", "pk")
    )
