from datetime import date, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from lib.moments import clamp_day, clamp_moment, validate_day, validate_moment

if TYPE_CHECKING:
    from accounts.models import User


def created_by_field() -> "models.ForeignKey[User | None, User | None]":
    """Who created a row: kept when that person is deleted, optional for imports."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )


class BoundedDateTimeField(models.DateTimeField):
    """A moment people or other tools enter: refused outside the range every time zone
    can show (lib/moments.py), and clamped into it when read, so a row stored
    before the bound existed cannot break the pages that list it."""

    default_validators = [validate_moment]

    def from_db_value(self, value: datetime | None, expression, connection) -> datetime | None:
        return None if value is None else clamp_moment(value)


class BoundedDateField(models.DateField):
    """A day people enter (a due date): bounded like BoundedDateTimeField."""

    default_validators = [validate_day]

    def from_db_value(self, value: date | None, expression, connection) -> date | None:
        return None if value is None else clamp_day(value)
