"""Dates and times as trackers write them, read into aware Python values."""

import datetime


def parse_date(value: str | None) -> datetime.date | None:
    """ "2016-07-22" (a due date), or the date part of a longer value; None if unreadable."""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_datetime(value: str | None) -> datetime.datetime | None:
    """ISO 8601 ("2016-01-04T15:31:51.081Z", "...+02:00") and the "2017-09-15 16:50:55 UTC"
    form of older GitLab webhooks, as an aware datetime (UTC when no zone is given)."""
    if not value:
        return None
    text = value.strip().replace(" UTC", "+00:00").replace("Z", "+00:00")
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
