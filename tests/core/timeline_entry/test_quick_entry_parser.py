"""The quick entry's reading of typed lines (postmortems/timeline_entry/quick.py, lines.py)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from postmortems.timeline_entry.lines import read_lines
from postmortems.timeline_entry.quick import EntryError, parse_entry

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")


def at(zone, *parts, fold=0):
    return dt.datetime(*parts).replace(tzinfo=zone, fold=fold)


def test_a_time_lands_on_the_day_of_the_event_before_in_the_writers_zone():
    entry = parse_entry(
        "10:42 restarted the primary", previous=at(BERLIN, 2026, 11, 18, 9, 0), zone=BERLIN
    )
    assert entry.occurred_at == at(BERLIN, 2026, 11, 18, 10, 42)
    assert entry.occurred_at.astimezone(dt.UTC) == dt.datetime(2026, 11, 18, 9, 42, tzinfo=dt.UTC)
    assert entry.text == "restarted the primary"
    assert entry.kind is None
    assert entry.note == ""


def test_the_carried_day_is_the_writers_local_day_not_utcs():
    # 23:30 UTC on the 17th is already the 18th in Berlin.
    previous = dt.datetime(2026, 11, 17, 23, 30, tzinfo=dt.UTC)
    entry = parse_entry("08:00 standup", previous=previous, zone=BERLIN)
    assert entry.occurred_at == at(BERLIN, 2026, 11, 18, 8, 0)


def test_a_time_after_midnight_goes_to_the_next_day_and_says_so():
    entry = parse_entry("00:10 failover done", previous=at(UTC, 2026, 11, 18, 23, 50), zone=UTC)
    assert entry.occurred_at == at(UTC, 2026, 11, 19, 0, 10)
    assert "after midnight" in entry.note
    assert "Thu 19 Nov 2026" in entry.note


def test_a_slightly_earlier_time_stays_on_the_same_day():
    entry = parse_entry("09:30 forgot this one", previous=at(UTC, 2026, 11, 18, 10, 42), zone=UTC)
    assert entry.occurred_at == at(UTC, 2026, 11, 18, 9, 30)
    assert entry.note == ""


@pytest.mark.parametrize(
    ("typed", "minutes"), [("+5m", 5), ("+1h", 60), ("+1h30m", 90), ("+90s", 1.5)]
)
def test_a_step_counts_from_the_event_before(typed, minutes):
    previous = at(UTC, 2026, 11, 18, 23, 50)
    entry = parse_entry(f"{typed} checked again", previous=previous, zone=UTC)
    assert entry.occurred_at == previous + dt.timedelta(minutes=minutes)
    assert entry.text == "checked again"


def test_a_step_across_a_dst_change_counts_real_time():
    # Europe/Berlin put its clocks back at 03:00 on 25 Oct 2026.
    previous = at(BERLIN, 2026, 10, 25, 2, 30)  # the first 02:30 (CEST)
    entry = parse_entry("+1h still failing", previous=previous, zone=BERLIN)
    assert entry.occurred_at.astimezone(dt.UTC) - previous.astimezone(dt.UTC) == dt.timedelta(
        hours=1
    )
    assert entry.occurred_at.strftime("%H:%M %Z") == "02:30 CET"


def test_a_repeated_hour_is_read_after_the_event_before():
    previous = at(BERLIN, 2026, 10, 25, 2, 50)  # 00:50 UTC, the first 02:50
    # The first 02:40 (CEST) was ten minutes before; the second (CET) is fifty after.
    again = parse_entry("02:40 after the change", previous=previous, zone=BERLIN)
    assert again.occurred_at.astimezone(dt.UTC) == dt.datetime(2026, 10, 25, 1, 40, tzinfo=dt.UTC)
    later = parse_entry("02:55 after it", previous=previous, zone=BERLIN)
    assert later.occurred_at.astimezone(dt.UTC) == dt.datetime(2026, 10, 25, 0, 55, tzinfo=dt.UTC)
    after_change = parse_entry(
        "02:10 second pass", previous=at(BERLIN, 2026, 10, 25, 2, 50, fold=1), zone=BERLIN
    )
    # 02:10 CEST is an hour and 40 minutes before; 02:10 CET is on the same day, later
    # than the event before: read as CET, not as the next day.
    assert after_change.occurred_at.astimezone(dt.UTC) == dt.datetime(
        2026, 10, 25, 1, 10, tzinfo=dt.UTC
    )


def test_a_time_the_clocks_skip_is_refused_with_a_reason():
    # New York put its clocks forward at 02:00 on 8 Mar 2026.
    with pytest.raises(EntryError, match="does not exist on Sun 8 Mar 2026 in America/New_York"):
        parse_entry("02:30 paged", previous=at(NEW_YORK, 2026, 3, 8, 1, 0), zone=NEW_YORK)


def test_times_on_a_dst_day_are_stored_with_that_days_offsets():
    read = read_lines(
        "01:30 deploy\n03:30 alert fired",
        previous=at(NEW_YORK, 2026, 3, 8, 0, 0),
        zone=NEW_YORK,
    )
    first, second = (entry.occurred_at.astimezone(dt.UTC) for entry in read.entries)
    assert first == dt.datetime(2026, 3, 8, 6, 30, tzinfo=dt.UTC)  # EST, -5
    assert second == dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC)  # EDT, -4
    assert second - first == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    "typed",
    [
        "2026-11-18 10:42 restarted the primary",
        "Nov 18 10:42 restarted the primary",
        "18 Nov 10:42 restarted the primary",
        "November 18, 2026 10:42 restarted the primary",
    ],
)
def test_a_full_date_is_taken_as_written(typed):
    entry = parse_entry(typed, previous=at(BERLIN, 2026, 11, 20, 9, 0), zone=BERLIN)
    assert entry.occurred_at == at(BERLIN, 2026, 11, 18, 10, 42)
    assert entry.text == "restarted the primary"


@pytest.mark.parametrize(
    ("prefix", "kind"),
    [
        ("detect", "detection"),
        ("d", "detection"),
        ("m", "mitigation"),
        ("C", "communication"),
        ("Detection", "detection"),
        ("esc", "escalation"),
        ("comms", "communication"),
        ("mitig", "mitigation"),
        ("resolved", "resolution"),
        ("action", "action"),
        ("other", "other"),
    ],
)
def test_a_kind_before_a_colon_sets_the_kind(prefix, kind):
    entry = parse_entry(f"10:42 {prefix}: it happened", previous=at(UTC, 2026, 11, 18), zone=UTC)
    assert entry.kind == kind
    assert entry.text == "it happened"


def test_other_words_before_a_colon_stay_in_the_text():
    entry = parse_entry("10:42 note: db at 90%", previous=at(UTC, 2026, 11, 18), zone=UTC)
    assert entry.kind is None
    assert entry.text == "note: db at 90%"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("restarted the primary", "No time at the start of the line"),
        ("25:10 restarted", "“25:10” is not a time of day"),
        ("10:42", "Say what happened"),
        ("2026-02-30 10:42 x", "is not a date"),
        ("Foo 18 10:42 x", "“Foo” is not a month"),
        ("+0m nothing", "is no step"),
        ("", "Type a time"),
        ("1899-12-31 10:00 too old", "between the years 1900 and 2199"),
    ],
)
def test_bad_input_gives_a_clear_message(typed, reason):
    with pytest.raises(EntryError) as error:
        parse_entry(typed, previous=at(UTC, 2026, 11, 18), zone=UTC)
    assert reason in error.value.message


def test_pasted_lines_carry_the_date_cross_midnight_and_keep_what_failed():
    read = read_lines(
        "23:50 detect: alert fired\n"
        "00:10 restarted the primary\n"
        "bogus line\n"
        "+5m comms: posted status\n"
        "[00:20] alice: rolled back\n"
        "and it worked\n"  # a chat message goes on, as in the chat import
        "2026-11-19 25:00 x\n",
        previous=at(BERLIN, 2026, 11, 18, 22, 0),
        zone=BERLIN,
    )
    assert [(e.occurred_at.strftime("%d %H:%M"), e.kind) for e in read.entries] == [
        ("18 23:50", "detection"),
        ("19 00:10", None),
        ("19 00:15", "communication"),
        ("19 00:20", "mitigation"),  # the chat import's guess from the words
    ]
    assert read.entries[3].text == "**alice**: rolled back\nand it worked"
    assert [(p.number, p.text) for p in read.problems] == [
        (3, "bogus line"),
        (7, "2026-11-19 25:00 x"),
    ]
    assert read.failed_text() == "bogus line\n2026-11-19 25:00 x"
    assert len(read.notes) == 1


def test_a_chat_line_with_a_date_and_seconds_is_read_as_the_chat_import_reads_it():
    read = read_lines(
        "[2026-11-18 10:42:05] bob: paged the DBA", previous=at(UTC, 2026, 11, 1), zone=UTC
    )
    (entry,) = read.entries
    assert entry.occurred_at == at(UTC, 2026, 11, 18, 10, 42, 5)
    assert entry.text == "**bob**: paged the DBA"
    assert entry.kind == "detection"
