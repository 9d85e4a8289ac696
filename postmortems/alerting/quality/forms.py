"""The window the alert pages look back over: 7, 30 or 90 days, ending now."""

from datetime import datetime, timedelta

from django import forms

WINDOWS = (7, 30, 90)
DEFAULT_WINDOW = 30
# The longest window the report command and the API take.
MAX_DAYS = 366


class WindowForm(forms.Form):
    days = forms.TypedChoiceField(
        label="Window",
        choices=[(days, f"Last {days} days") for days in WINDOWS],
        coerce=int,
        required=False,
        # The stubs want text; the field hands back the empty value as it is.
        empty_value=DEFAULT_WINDOW,  # type: ignore[arg-type]
    )


def window_days(data) -> int:
    """The chosen window; anything else (missing, unknown) is the default."""
    form = WindowForm(data)
    return form.cleaned_data["days"] if form.is_valid() else DEFAULT_WINDOW


def window(days: int, now: datetime) -> tuple[datetime, datetime]:
    return now - timedelta(days=days), now
