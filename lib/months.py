"""Calendar months in a time zone: the buckets of the dashboard's trends and filters."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from lib.moments import day_in_range


def parse_month(value: str) -> date | None:
    """'2026-03' (an <input type="month">) -> date(2026, 3, 1); anything else -> None,
    as are months outside the range every time zone can show (9999-12 has no next
    month; 0001-01 starts before year 1 in UTC west of it)."""
    try:
        month = date.fromisoformat(f"{value}-01") if len(value) == 7 else None
    except ValueError:
        return None
    return month if month is not None and day_in_range(month) else None


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_bounds(month: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The first instant of `month` and of the next one, in zone `tz`."""
    following = next_month(month)
    return (
        datetime(month.year, month.month, 1, tzinfo=tz),
        datetime(following.year, following.month, 1, tzinfo=tz),
    )


def last_months(today: date, count: int) -> list[date]:
    """First days of the last `count` months, oldest first, ending with `today`'s month."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]
