"""Reads of on-call: who was on call when."""

from datetime import datetime

from django.db.models import Q

from postmortems.alerting.oncall.models import Role, RotationOverride, Shift


def primaries_at(*, rotation_id: int, moments: list[datetime]) -> dict[datetime, int | None]:
    """Who was primary of the rotation at each moment (user id, None when nobody with an
    account was): an override covering the moment wins over the shift. Two queries
    (the shifts and the overrides spanning the moments), however many moments."""
    if not moments:
        return {}
    first, last = min(moments), max(moments)
    span = Q(rotation_id=rotation_id, role=Role.PRIMARY, starts_at__lte=last, ends_at__gt=first)
    shifts = list(
        Shift.objects.filter(span)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at", "user_id")
    )
    overrides = list(
        RotationOverride.objects.filter(span)
        .order_by("-created_at")
        .values_list("starts_at", "ends_at", "user_id")
    )
    found: dict[datetime, int | None] = {}
    for moment in moments:
        found[moment] = next(
            (user for start, end, user in overrides if start <= moment < end),
            next((user for start, end, user in shifts if start <= moment < end), None),
        )
    return found
