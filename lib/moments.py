"""The range of dates and moments the product takes in: one bound for every way in.

Moments are stored in UTC and shown in each viewer's zone. Python's dates end at years 1
and 9999, so a moment near either end cannot be shown everywhere (9999-12-31T23:00Z is
in year 10000 east of UTC, 0001-01-01T00:00Z in year 0 west of it) and every page that
lists it fails, for everyone who can see it. 1900 to 2199 holds every plausible incident
and due date with room to spare for any zone (UTC offsets stay within ±26 hours).

Forms, the API, the alert webhooks, the chat import and the backup import refuse what is
outside (model fields carry the validators: postmortems/models/fields.py); reads clamp a
value stored before the bound existed, so one bad row cannot break a page.
"""

from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2199, 12, 31)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
OUT_OF_RANGE = "Use a date between the years 1900 and 2199."


def _aware(value: datetime) -> datetime:
    # Aware values compare by instant, with no conversion that could overflow.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def moment_in_range(value: datetime) -> bool:
    return EARLIEST <= _aware(value) <= LATEST


def day_in_range(value: date) -> bool:
    if isinstance(value, datetime):
        return moment_in_range(value)
    return EARLIEST_DAY <= value <= LATEST_DAY


def validate_moment(value: datetime) -> None:
    if value is not None and not moment_in_range(value):
        raise ValidationError(OUT_OF_RANGE, code="out_of_range")


def validate_day(value: date) -> None:
    if value is not None and not day_in_range(value):
        raise ValidationError(OUT_OF_RANGE, code="out_of_range")


def clamp_moment(value: datetime) -> datetime:
    """`value`, or the nearest end of the range (in UTC) when it lies outside."""
    if _aware(value) < EARLIEST:
        return EARLIEST
    if _aware(value) > LATEST:
        return LATEST
    return value


def clamp_day(value: date) -> date:
    return min(max(value, EARLIEST_DAY), LATEST_DAY)


def duration_label(value: timedelta | None) -> str:
    """3 d 4 h, 2 h 05 min, 12 min; an em dash when unknown."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    if minutes < 0:
        return "—"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"
