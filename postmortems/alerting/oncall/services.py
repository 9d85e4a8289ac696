"""Writes of on-call: rotations, their members in order, their shifts ahead, overrides and
swaps, and the team's policy. Schedule feeds are imported by oncall/ical_import.py."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from accounts.models import Membership, Team, User
from postmortems.alerting.oncall.models import (
    OnCallPolicy,
    Rotation,
    RotationMember,
    RotationOverride,
    Shift,
)
from postmortems.alerting.oncall.schedule import turns


def _team_member_ids(team_id: int, user_ids: list[int]) -> set[int]:
    return set(
        Membership.objects.filter(
            team_id=team_id, user_id__in=user_ids, user__is_active=True
        ).values_list("user_id", flat=True)
    )


def rotation_create(
    *,
    team: Team,
    by: User | None,
    name: str,
    source: str = Rotation.Source.MEMBERS,
    time_zone: str = "UTC",
    handoff_weekday: int = 0,
    handoff_hour: int = 10,
    starts_on,
    has_secondary: bool = True,
    now: datetime,
) -> Rotation:
    rotation = Rotation(
        team=team,
        name=name,
        source=source,
        time_zone=time_zone,
        handoff_weekday=handoff_weekday,
        handoff_hour=handoff_hour,
        starts_on=starts_on,
        has_secondary=has_secondary,
        created_by=by,
        created_at=now,
        updated_at=now,
    )
    rotation.full_clean()
    rotation.save()
    return rotation


def rotation_update(*, rotation: Rotation, now: datetime) -> Rotation:
    """Save the rotation's settings (already set on it) and rebuild its shifts ahead."""
    rotation.updated_at = now
    rotation.full_clean()
    with transaction.atomic():
        rotation.save()
        rotation_schedule_shifts(rotation=rotation, until=_horizon(now), now=now)
    return rotation


def rotation_delete(*, rotation: Rotation) -> None:
    """Its members, overrides, shifts and feed go with it; integrations that named it
    keep working without a rotation (the foreign key is SET_NULL)."""
    rotation.delete()


def rotation_members_set(*, rotation: Rotation, user_ids: list[int], now: datetime) -> None:
    """The members in this order (first is primary of the first turn). Everyone must be
    an active member of the rotation's team, once. Shifts ahead are rebuilt."""
    if len(set(user_ids)) != len(user_ids):
        raise ValidationError("A person can be in a rotation only once.")
    known = _team_member_ids(rotation.team_id, user_ids)
    if missing := [pk for pk in user_ids if pk not in known]:
        raise ValidationError(
            f"Only active members of the team can be in its rotation ({len(missing)} not)."
        )
    with transaction.atomic():
        # Positions are unique per rotation: rewrite the whole order at once.
        Rotation.objects.select_for_update().filter(pk=rotation.pk).first()
        RotationMember.objects.filter(rotation=rotation).delete()
        RotationMember.objects.bulk_create(
            RotationMember(rotation=rotation, user_id=pk, position=position)
            for position, pk in enumerate(user_ids)
        )
        Rotation.objects.filter(pk=rotation.pk).update(updated_at=now)
        rotation_schedule_shifts(rotation=rotation, until=_horizon(now), now=now)


def _horizon(now: datetime) -> datetime:
    return now + timedelta(weeks=settings.ONCALL_SCHEDULE_WEEKS)


def rotation_schedule_shifts(*, rotation: Rotation, until: datetime, now: datetime) -> int:
    """Make the rotation's shifts (source rotation) up to `until` match its members and
    handoff; returns how many rows were created, changed or deleted.

    1. Lock the rotation row, so two runs (beat and an edit, or two beat workers) take
       turns: the second one sees the first one's rows and has nothing left to do.
    2. Shifts that started at or before `now` are history: kept as they were, except that
       the one under way ends at the next handoff of the current settings (no gap, no
       overlap after a handoff change).
    3. Shifts starting after `now` are compared with the planned turns: missing ones are
       created, ones no longer planned deleted. Running it twice changes nothing.
    A rotation fed by an iCalendar feed keeps only its past planned shifts.
    """
    if rotation.source != Rotation.Source.MEMBERS:
        # Its feed writes its shifts now: the ones planned from members go.
        deleted, _ = Shift.objects.filter(
            rotation=rotation, source=Shift.Source.ROTATION, starts_at__gt=now
        ).delete()
        return deleted
    with transaction.atomic():
        locked = Rotation.objects.select_for_update().get(pk=rotation.pk)
        member_ids = list(
            RotationMember.objects.filter(rotation=locked)
            .order_by("position")
            .values_list("user_id", flat=True)
        )
        # A rotation that went back from a feed to its members: the imported weeks ahead go.
        changes, _ = Shift.objects.filter(
            rotation=locked, source=Shift.Source.ICAL, starts_at__gt=now
        ).delete()
        planned = turns(locked, member_ids=member_ids, since=now, until=until)
        existing = list(
            Shift.objects.filter(rotation=locked, source=Shift.Source.ROTATION).filter(
                Q(starts_at__gt=now) | Q(starts_at__lte=now, ends_at__gt=now)
            )
        )
        current = {s.role: s for s in existing if s.starts_at <= now}
        ahead = {
            (s.role, s.starts_at, s.ends_at, s.user_id): s
            for s in existing
            if s not in current.values()
        }
        create: list[Shift] = []
        for turn in planned:
            if turn.starts_at <= now:
                under_way = current.get(turn.role)
                if under_way is None:
                    create.append(_shift(locked, turn, now))
                elif under_way.ends_at != turn.ends_at:
                    Shift.objects.filter(pk=under_way.pk).update(ends_at=turn.ends_at)
                    changes += 1
                continue
            key = (turn.role, turn.starts_at, turn.ends_at, turn.user_id)
            if ahead.pop(key, None) is None:
                create.append(_shift(locked, turn, now))
        if not member_ids:
            # Nobody left: the shift under way ends now rather than running on.
            for shift in current.values():
                Shift.objects.filter(pk=shift.pk).update(
                    ends_at=max(now, shift.starts_at + timedelta(seconds=1))
                )
                changes += 1
        if ahead:
            Shift.objects.filter(pk__in=[s.pk for s in ahead.values()]).delete()
        for shift in create:
            # Field checks only: the rotation and people were just read, and the
            # database keeps ends_at > starts_at (a per-row check would be a query each).
            shift.full_clean(exclude=["rotation", "user"], validate_constraints=False)
        Shift.objects.bulk_create(create)
        return changes + len(ahead) + len(create)


def _shift(rotation: Rotation, turn, now: datetime) -> Shift:
    return Shift(
        rotation=rotation,
        role=turn.role,
        user_id=turn.user_id,
        starts_at=turn.starts_at,
        ends_at=turn.ends_at,
        source=Shift.Source.ROTATION,
        created_at=now,
    )


def rotations_extend(*, now: datetime) -> int:
    """The beat's sweep: every member rotation's shifts ONCALL_SCHEDULE_WEEKS ahead.
    State-based and idempotent, so a missed tick is caught up by the next."""
    changed = 0
    for rotation in Rotation.objects.filter(source=Rotation.Source.MEMBERS).order_by("pk"):
        changed += rotation_schedule_shifts(rotation=rotation, until=_horizon(now), now=now)
    return changed


def rotation_override_create(
    *,
    rotation: Rotation,
    user: User,
    role: str,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
    by: User | None,
    now: datetime,
) -> RotationOverride:
    """`user` takes `role` from `starts_at` to `ends_at` (an override wins over the
    shift). Only active members of the rotation's team can take a turn."""
    if user.pk not in _team_member_ids(rotation.team_id, [user.pk]):
        raise ValidationError(f"{user} is not an active member of {rotation.team}.")
    override = RotationOverride(
        rotation=rotation,
        role=role,
        user=user,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        created_by=by,
        created_at=now,
    )
    override.full_clean()
    override.save()
    return override


def rotation_override_delete(*, override: RotationOverride) -> None:
    override.delete()


def rotation_swap(
    *, rotation: Rotation, first: Shift, second: Shift, reason: str, by: User | None, now: datetime
) -> tuple[RotationOverride, RotationOverride]:
    """Two people exchange two shifts: two overrides, each person taking the other's
    shift (its role and times)."""
    if first.rotation_id != rotation.pk or second.rotation_id != rotation.pk:
        raise ValidationError("Both shifts must belong to this rotation.")
    first_user, second_user = first.user, second.user
    if first_user is None or second_user is None or first_user.pk == second_user.pk:
        raise ValidationError("A swap needs two shifts of two different people.")
    if first.ends_at <= now or second.ends_at <= now:
        raise ValidationError("Shifts that are over cannot be swapped.")
    reason = reason or "Swap"
    with transaction.atomic():
        one = rotation_override_create(
            rotation=rotation,
            user=second_user,
            role=first.role,
            starts_at=first.starts_at,
            ends_at=first.ends_at,
            reason=reason,
            by=by,
            now=now,
        )
        two = rotation_override_create(
            rotation=rotation,
            user=first_user,
            role=second.role,
            starts_at=second.starts_at,
            ends_at=second.ends_at,
            reason=reason,
            by=by,
            now=now,
        )
    return one, two


def oncall_policy_save(*, policy: OnCallPolicy, now: datetime) -> OnCallPolicy:
    policy.updated_at = now
    policy.full_clean()
    policy.save()
    return policy
