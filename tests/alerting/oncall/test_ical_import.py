"""Reading PagerDuty and Opsgenie schedule exports (tests/alerting/oncall_feeds/README.md
says where each came from) and importing them into a rotation's shifts."""

import datetime as dt
import http.server
import threading
from zoneinfo import ZoneInfo

import pytest

from postmortems.alerting.oncall.ical_import import (
    FeedError,
    parse_feed,
    person_of,
    schedule_feed_import,
    schedule_upload_import,
)
from postmortems.alerting.oncall.models import Role, Rotation, ScheduleFeed, Shift
from postmortems.alerting.tasks import import_schedule_feeds
from postmortems.notifications.models import OutboundMessage
from tests.alerting.oncall.support import FEEDS, NOW, UTC, frozen, make_rotation, people
from tests.factories import UserFactory

BERLIN = ZoneInfo("Europe/Berlin")
WIDE = (dt.datetime(2016, 1, 1, tzinfo=UTC), dt.datetime(2028, 1, 1, tzinfo=UTC))


def _feed(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def _parse(name: str, zone=BERLIN, window=WIDE):
    return parse_feed(_feed(name), zone=zone, since=window[0], until=window[1])


def test_a_pagerduty_export_gives_each_event_with_its_attendee():
    shifts = _parse("pagerduty_jcouyang.ics")
    assert len(shifts) == 2  # two events, two UIDs, one time
    first = shifts[0]
    assert (first.name, first.email, first.role) == (
        "Jichao Ouyang",
        "oyanglulu@gmail.com",
        Role.PRIMARY,
    )
    assert (first.starts_at, first.ends_at) == (
        dt.datetime(2017, 1, 22, 22, tzinfo=UTC),
        dt.datetime(2017, 1, 23, 8, tzinfo=UTC),
    )
    assert first.external_uid == "Q3DNWZL0W9JV04#20170122T220000Z"


def test_a_daily_recurring_event_in_a_vtimezone_is_expanded():
    window = (dt.datetime(2021, 1, 24, tzinfo=UTC), dt.datetime(2021, 1, 31, tzinfo=UTC))
    shifts = _parse("grafana_recurring_event.ics", window=window)
    assert len(shifts) == 7
    # 13:00 to 22:00 in Asia/Yekaterinburg (+05:00) is 08:00 to 17:00 UTC.
    assert {(s.starts_at.hour, s.ends_at.hour) for s in shifts} == {(8, 17)}
    assert {s.name for s in shifts} == {"Bernard Desruisseaux"}
    assert len({s.external_uid for s in shifts}) == 7


def test_a_recurrence_id_replaces_one_occurrence():
    window = (dt.datetime(2021, 1, 24, tzinfo=UTC), dt.datetime(2021, 1, 31, tzinfo=UTC))
    shifts = _parse("grafana_edited_recurring_events.ics", window=window)
    assert len(shifts) == 7
    by_day = {s.starts_at.day: s.name for s in shifts}
    assert by_day[27] == "Bob"
    assert by_day[26] == by_day[28] == "Bernard Desruisseaux"


def test_an_opsgenie_schedule_with_exdate_moved_occurrence_and_floating_time():
    shifts = _parse("opsgenie_shape.ics")
    weekly = [s for s in shifts if s.external_uid.startswith("7f1c2e9a")]
    starts = [s.starts_at.astimezone(BERLIN) for s in weekly]
    # Every second Monday at 10:00 Berlin, six times, less the EXDATE of 16 November;
    # the occurrence of 14 December moved to Tuesday 15th by its RECURRENCE-ID.
    assert [d.date() for d in starts] == [
        dt.date(2026, 10, 19),
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 15),
        dt.date(2026, 12, 28),
    ]
    assert {d.hour for d in starts} == {10}  # across the clock change of 25 October
    assert weekly[0].starts_at == dt.datetime(2026, 10, 19, 8, tzinfo=UTC)
    assert weekly[1].starts_at == dt.datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert weekly[0].email == "ada.lovelace@example.com"
    moved = weekly[3]
    assert (moved.name, moved.email) == ("Grace Hopper", "")
    assert moved.external_uid == "7f1c2e9a-weekly@opsgenie.com#20261214T090000Z"
    floating = next(s for s in shifts if s.external_uid.startswith("a3b4"))
    # A floating time is read in the rotation's zone (here Berlin, after the change).
    assert floating.starts_at == dt.datetime(2026, 10, 26, 9, tzinfo=UTC)
    assert floating.name == "Nobody Known"


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("On Call - Jane Doe - Primary", ("Jane Doe", Role.PRIMARY)),
        ("On Call - Jane Doe - Platform Secondary", ("Jane Doe", Role.SECONDARY)),
        ("On Call - My User", ("My User", Role.PRIMARY)),
        ("Payments_schedule - Secondary: jane@example.com", ("jane@example.com", Role.SECONDARY)),
        ("@Bob", ("Bob", Role.PRIMARY)),
    ],
)
def test_people_and_roles_are_read_from_the_summary(summary, expected):
    assert person_of(summary) == expected


def test_a_rule_that_would_make_millions_of_shifts_is_refused(settings):
    rule = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"
        b"DTSTART:20261014T000000Z\r\nDTEND:20261014T000001Z\r\n"
        b"RRULE:FREQ=SECONDLY\r\nSUMMARY:On Call - Spam\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    with pytest.raises(FeedError, match="more than 10,000 shifts"):
        parse_feed(rule, zone=BERLIN, since=NOW, until=NOW + dt.timedelta(days=150))


def test_a_file_that_is_not_icalendar_is_refused_with_a_sentence():
    with pytest.raises(FeedError, match="Not an iCalendar file"):
        parse_feed(b"<html>sign in</html>", zone=BERLIN, since=WIDE[0], until=WIDE[1])


# --- the import service -----------------------------------------------------------


class _Server:
    """A real HTTP server on a free local port, answering what the test says."""

    def __init__(self) -> None:
        self.status, self.body, self.hits = 200, b"", 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                self.send_response(outer.status)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/schedule.ics"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    running = _Server()
    yield running
    running.close()


@pytest.fixture
def ical_rotation(team):
    return make_rotation(team, [], name="Payments", source=Rotation.Source.ICAL)


@pytest.fixture
def feed(ical_rotation, server):
    return ScheduleFeed.objects.create(rotation=ical_rotation, url=server.url)


def test_a_feed_imports_matching_people_by_email_then_name(db, feed, server, team):
    ada = UserFactory(email="Ada.Lovelace@example.com", display_name="Ada L.")
    grace = UserFactory(display_name="Grace Hopper")
    UserFactory(display_name="Nobody Known")
    UserFactory(display_name="Nobody Known")  # two with the name: no match
    server.body = _feed("opsgenie_shape.ics")
    with frozen():
        assert schedule_feed_import(feed=feed, now=NOW)
    shifts = list(Shift.objects.filter(rotation=feed.rotation).order_by("starts_at"))
    assert [s.user for s in shifts] == [ada, None, ada, ada, grace, ada]
    assert shifts[1].person == "Nobody Known"
    assert {s.source for s in shifts} == {Shift.Source.ICAL}
    feed.refresh_from_db()
    assert (feed.last_success_at, feed.failures, feed.last_error, feed.shifts_imported) == (
        NOW,
        0,
        "",
        6,
    )


def test_importing_twice_changes_nothing_and_keeps_shifts_outside_the_window(db, feed, server):
    server.body = _feed("opsgenie_shape.ics")
    old = Shift.objects.create(
        rotation=feed.rotation,
        source=Shift.Source.ICAL,
        external_uid="gone#20250101T000000Z",
        person="Someone",
        starts_at=dt.datetime(2025, 1, 1, tzinfo=UTC),
        ends_at=dt.datetime(2025, 1, 8, tzinfo=UTC),
    )
    stale = Shift.objects.create(
        rotation=feed.rotation,
        source=Shift.Source.ICAL,
        external_uid="removed#20261020T000000Z",
        person="Removed",
        starts_at=dt.datetime(2026, 10, 20, tzinfo=UTC),
        ends_at=dt.datetime(2026, 10, 21, tzinfo=UTC),
    )
    with frozen():
        schedule_feed_import(feed=feed, now=NOW)
        first = list(Shift.objects.order_by("pk").values())
        schedule_feed_import(feed=feed, now=NOW)
    assert list(Shift.objects.order_by("pk").values()) == first
    assert Shift.objects.filter(pk=old.pk).exists()  # before the window: kept
    assert not Shift.objects.filter(pk=stale.pk).exists()  # in the window, not in the feed


def test_a_failing_feed_is_recorded_and_the_leads_hear_once_after_three(
    db, feed, server, team, lead, django_capture_on_commit_callbacks
):
    people(team, ["Second Lead"], role="lead")
    server.status, server.body = 500, b"oops"
    with frozen():
        for _ in range(4):
            assert not schedule_feed_import(feed=feed, now=NOW)
    feed.refresh_from_db()
    assert feed.failures == 4
    assert feed.last_error == "The feed answered HTTP 500 (Internal Server Error)."
    assert feed.last_checked_at == NOW
    assert feed.last_success_at is None
    emails = OutboundMessage.objects.filter(kind=OutboundMessage.Kind.ONCALL_FEED)
    assert sorted(e.recipient.display_name for e in emails) == ["Lena Lead", "Second Lead"]
    email = emails.get(recipient=lead)
    assert email.subject == "The schedule feed of Payments keeps failing"
    assert "failed 3 times in a row" in email.body_text
    assert "HTTP 500" in email.body_html
    assert f"/teams/{team.slug}/oncall/{feed.rotation.code}/" in email.body_text

    server.status, server.body = 200, _feed("pagerduty_jcouyang.ics")
    with frozen():
        assert schedule_feed_import(feed=feed, now=NOW)
    feed.refresh_from_db()
    assert (feed.failures, feed.last_error) == (0, "")


def test_a_feed_too_large_or_unreachable_fails_with_a_sentence(db, feed, server, settings):
    settings.ONCALL_FEED_MAX_BYTES = 1024
    server.body = b"BEGIN:VCALENDAR\r\n" + b"X" * 2000
    with frozen():
        schedule_feed_import(feed=feed, now=NOW)
    feed.refresh_from_db()
    assert feed.last_error == "The feed is larger than 1,024 bytes."
    feed.url = "http://127.0.0.1:9/nothing.ics"
    with frozen():
        schedule_feed_import(feed=feed, now=NOW)
    feed.refresh_from_db()
    assert feed.last_error.startswith("The feed could not be reached")
    assert feed.failures == 2


def test_the_beat_imports_enabled_feeds_and_never_raises(db, team, server, monkeypatch):
    good = ScheduleFeed.objects.create(
        rotation=make_rotation(team, [], name="A", source=Rotation.Source.ICAL), url=server.url
    )
    broken = ScheduleFeed.objects.create(
        rotation=make_rotation(team, [], name="B", source=Rotation.Source.ICAL), url=server.url
    )
    ScheduleFeed.objects.create(
        rotation=make_rotation(team, [], name="C", source=Rotation.Source.ICAL),
        url=server.url,
        enabled=False,
    )
    server.body = _feed("opsgenie_shape.ics")
    from postmortems.alerting.oncall import ical_import

    real = ical_import.shifts_replace

    def explode_for_b(*, rotation, **kwargs):
        if rotation.name == "B":
            raise RuntimeError("a bug of ours")
        return real(rotation=rotation, **kwargs)

    monkeypatch.setattr(ical_import, "shifts_replace", explode_for_b)
    with frozen():
        assert import_schedule_feeds.apply().get() == 1
    assert server.hits == 2
    good.refresh_from_db()
    broken.refresh_from_db()
    assert good.failures == 0
    assert good.shifts_imported == 6
    assert broken.last_error == "The feed could not be imported (RuntimeError)."


def test_an_uploaded_file_is_read_like_the_feed(db, ical_rotation):
    with frozen(dt.datetime(2017, 1, 20, tzinfo=UTC)):
        count = schedule_upload_import(
            rotation=ical_rotation,
            data=_feed("pagerduty_jcouyang.ics"),
            now=dt.datetime(2017, 1, 20, tzinfo=UTC),
        )
    assert count == 2
    assert Shift.objects.filter(rotation=ical_rotation, person="Jichao Ouyang").count() == 2
