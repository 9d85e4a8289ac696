"""Import of an on-call schedule from the iCalendar export of PagerDuty or Opsgenie.

Each event is one person's on-call shift. PagerDuty writes "On Call - Jane Doe - <schedule>"
with the address in ATTENDEE; Opsgenie writes "<schedule> - <rotation>: <user>", the user
being an address or a name. Events may recur (RRULE, with EXDATE and moved occurrences by
RECURRENCE-ID) and carry TZID zones, UTC or floating times; `recurring-ical-events` expands
them within the imported window, and floating times are read in the rotation's time zone.

`parse_feed` is pure (bytes in, shifts out); `schedule_feed_import` fetches a feed and
replaces the rotation's imported shifts within the window; `schedule_upload_import` does
the same from an uploaded file.
"""

import logging
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Lower

from accounts.models import User
from postmortems.alerting.oncall.feed_alerts import feed_failing_notify
from postmortems.alerting.oncall.models import Role, Rotation, ScheduleFeed, Shift

logger = logging.getLogger(__name__)

# The window a feed replaces: what PagerDuty and Opsgenie export reaches a few weeks back
# and some months ahead; recurrences are expanded up to its end.
PAST = timedelta(days=30)
AHEAD = timedelta(days=120)
EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
UID_LIMIT = 500
# Far more than a schedule holds in five months (a shift an hour is 3,600).
MAX_SHIFTS = 10_000


class FeedError(Exception):
    """A feed that could not be read: the sentence is shown to the team as it is."""


@dataclass(frozen=True)
class FeedShift:
    external_uid: str
    starts_at: datetime
    ends_at: datetime
    role: str
    email: str
    name: str


def import_window(now: datetime) -> tuple[datetime, datetime]:
    return now - PAST, now + AHEAD


def _instant(value: datetime | date, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone) if value.tzinfo is None else value
    return datetime.combine(value, time(0), tzinfo=zone)  # an all-day event


def _address(value) -> str:
    """An ATTENDEE or ORGANIZER value: "mailto:jane@example.com" or a bare address."""
    for item in value if isinstance(value, list) else [value]:
        if found := EMAIL.search(str(item)):
            return found.group(0)
    return ""


def person_of(summary: str) -> tuple[str, str]:
    """(name, role) from a summary. PagerDuty: "On Call - Jane Doe - Primary" (the last
    part names the schedule or the level); Opsgenie: "Payments - Weekly: Jane Doe"."""
    text = " ".join(summary.split())
    role_text = text
    if text.lower().startswith("on call - "):
        parts = text[len("on call - ") :].split(" - ")
        name = parts[0]
        role_text = " - ".join(parts[1:])
    elif ": " in text:
        role_text, name = text.rsplit(": ", 1)
    else:
        name = text
    role = Role.SECONDARY if "secondary" in role_text.lower() else Role.PRIMARY
    return name.strip().lstrip("@").strip(), role


def parse_feed(data: bytes, *, zone: ZoneInfo, since: datetime, until: datetime) -> list[FeedShift]:
    """Every shift of the feed overlapping [since, until), in start order."""
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as error:
        raise FeedError(f"Not an iCalendar file: {error}") from None
    events: list[icalendar.cal.Component] = []
    try:
        # Lazily, in start order: a rule of every second over the window would otherwise
        # be millions of events in memory before any check.
        for event in recurring_ical_events.of(calendar).after(since):
            start = event.get("DTSTART")
            if start is not None and _instant(start.dt, zone) >= until:
                break
            if len(events) == MAX_SHIFTS:
                raise FeedError(f"The feed has more than {MAX_SHIFTS:,} shifts in the window.")
            events.append(event)
    except FeedError:
        raise
    except Exception as error:  # the library raises many kinds on a malformed rule
        raise FeedError(f"The feed's recurring events could not be read: {error}") from None
    found: dict[str, FeedShift] = {}
    for event in events:
        start, end = event.get("DTSTART"), event.get("DTEND")
        if start is None:
            continue
        starts_at = _instant(start.dt, zone)
        ends_at = _instant(end.dt, zone) if end is not None else starts_at + timedelta(days=1)
        if ends_at <= starts_at:
            continue
        name, role = person_of(str(event.get("SUMMARY", "")))
        email = (
            _address(event.get("ATTENDEE", ""))
            or _address(event.get("ORGANIZER", ""))
            or _address(str(event.get("DESCRIPTION", "")))
            or (name if EMAIL.fullmatch(name) else "")
        )
        recurrence = event.get("RECURRENCE-ID")
        instant = _instant(recurrence.dt, zone) if recurrence is not None else starts_at
        uid = str(event.get("UID", "")) or f"{starts_at.isoformat()}:{name}"
        key = f"{uid[: UID_LIMIT - 18]}#{instant.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        found[key] = FeedShift(
            key, starts_at.astimezone(UTC), ends_at.astimezone(UTC), role, email, name[:254]
        )
    return sorted(found.values(), key=lambda s: (s.starts_at, s.external_uid))


def _match_people(shifts: list[FeedShift]) -> tuple[dict[str, int], dict[str, int]]:
    """Active users by lower-cased address, then by display name when only one has it."""
    emails = {s.email.lower() for s in shifts if s.email}
    by_email = dict(
        User.objects.annotate(address=Lower("email"))
        .filter(is_active=True, address__in=emails)
        .values_list("address", "pk")
    )
    names = {s.name.lower() for s in shifts if s.name}
    by_name: dict[str, int] = {}
    taken: set[str] = set()
    for name, pk in (
        User.objects.annotate(lowered=Lower("display_name"))
        .filter(is_active=True, lowered__in=names)
        .values_list("lowered", "pk")
    ):
        if name in by_name:
            taken.add(name)
        by_name[name] = pk
    return by_email, {name: pk for name, pk in by_name.items() if name not in taken}


def shifts_replace(
    *, rotation: Rotation, shifts: list[FeedShift], since: datetime, until: datetime, now: datetime
) -> int:
    """Make the rotation's imported shifts starting within [since, until) those of the
    feed, keyed by external_uid; every other shift is kept. Returns the feed's count.

    The rotation row is locked first, so two imports of one feed (beat and an upload, or
    two workers) run one after the other and the second finds nothing to add."""
    by_email, by_name = _match_people(shifts)
    with transaction.atomic():
        Rotation.objects.select_for_update().filter(pk=rotation.pk).first()
        ical = Shift.objects.filter(rotation=rotation, source=Shift.Source.ICAL)
        existing = {
            s.external_uid: s for s in ical.filter(starts_at__gte=since, starts_at__lt=until)
        }
        # A shift that started before the window keeps its row (the same uid).
        before = set(
            ical.filter(
                starts_at__lt=since, external_uid__in=[s.external_uid for s in shifts]
            ).values_list("external_uid", flat=True)
        )
        create: list[Shift] = []
        for item in shifts:
            user_id = by_email.get(item.email.lower()) or by_name.get(item.name.lower())
            fields = {
                "role": item.role,
                "user_id": user_id,
                "person": item.name or item.email,
                "starts_at": item.starts_at,
                "ends_at": item.ends_at,
            }
            shift = existing.pop(item.external_uid, None)
            if shift is None:
                if item.external_uid in before:
                    continue
                shift = Shift(
                    rotation=rotation,
                    source=Shift.Source.ICAL,
                    external_uid=item.external_uid,
                    created_at=now,
                    **fields,
                )
                # Field checks only (a foreign key or constraint check is a query each;
                # parse_feed keeps ends after starts and the database checks it again).
                shift.full_clean(exclude=["rotation", "user"], validate_constraints=False)
                create.append(shift)
            elif any(getattr(shift, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(shift, name, value)
                shift.full_clean(exclude=["rotation", "user"], validate_constraints=False)
                shift.save(update_fields=list(fields))
        Shift.objects.bulk_create(create)
        if existing:
            Shift.objects.filter(pk__in=[s.pk for s in existing.values()]).delete()
    return len(shifts)


def fetch_feed(url: str) -> bytes:
    """GET the feed with a timeout and a size limit; raises FeedError with a sentence."""
    if url.startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    if not url.startswith(("https://", "http://")):
        raise FeedError("The feed's address must start with https://.")
    request = urllib.request.Request(
        url,
        headers={"Accept": "text/calendar", "User-Agent": f"Postmortems ({settings.SITE_URL})"},
    )
    limit = settings.ONCALL_FEED_MAX_BYTES
    try:
        with urllib.request.urlopen(
            request, timeout=settings.ONCALL_FEED_TIMEOUT_SECONDS
        ) as answer:
            data = answer.read(limit + 1)
    except urllib.error.HTTPError as error:
        raise FeedError(f"The feed answered HTTP {error.code} ({error.reason}).") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise FeedError(f"The feed could not be reached: {reason}.") from None
    if len(data) > limit:
        raise FeedError(f"The feed is larger than {limit:,} bytes.")
    return data


def _import(*, rotation: Rotation, data: bytes, now: datetime) -> int:
    since, until = import_window(now)
    shifts = parse_feed(data, zone=ZoneInfo(rotation.time_zone), since=since, until=until)
    return shifts_replace(rotation=rotation, shifts=shifts, since=since, until=until, now=now)


def schedule_upload_import(*, rotation: Rotation, data: bytes, now: datetime) -> int:
    """An uploaded .ics file, read like the feed; raises ValidationError with a sentence."""
    try:
        return _import(rotation=rotation, data=data, now=now)
    except FeedError as error:
        raise ValidationError(str(error)) from None


def schedule_feed_import(*, feed: ScheduleFeed, now: datetime) -> bool:
    """Fetch and import one feed; record the outcome on the feed row and never raise
    for a feed's fault. After ONCALL_FEED_ALERT_FAILURES failures in a row the team's
    leads get one email (oncall/feed_alerts.py). Returns whether it succeeded."""
    rotation = feed.rotation
    try:
        count = _import(rotation=rotation, data=fetch_feed(feed.url), now=now)
    except Exception as error:
        if isinstance(error, FeedError):
            message = str(error)
        elif isinstance(error, ValidationError):
            message = "; ".join(error.messages)
        else:  # a fault of ours, not the feed's: logged in full, shown briefly
            logger.exception("Importing schedule feed %s failed", feed.pk)
            message = f"The feed could not be imported ({type(error).__name__})."
        ScheduleFeed.objects.filter(pk=feed.pk).update(
            last_checked_at=now, last_error=message[:2000], failures=F("failures") + 1
        )
        feed.refresh_from_db()
        if feed.failures == settings.ONCALL_FEED_ALERT_FAILURES:
            feed_failing_notify(feed=feed, now=now)
        return False
    ScheduleFeed.objects.filter(pk=feed.pk).update(
        last_checked_at=now, last_success_at=now, last_error="", failures=0, shifts_imported=count
    )
    feed.refresh_from_db()
    return True


def schedule_feeds_import(*, now: datetime) -> int:
    """The beat's sweep over enabled feeds: returns how many succeeded."""
    feeds = ScheduleFeed.objects.filter(
        Q(enabled=True), Q(rotation__source=Rotation.Source.ICAL)
    ).select_related("rotation__team")
    return sum(schedule_feed_import(feed=feed, now=now) for feed in feeds.order_by("pk"))
