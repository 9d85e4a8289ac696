"""A writer records a timeline in Chromium with the keyboard only, pastes lines, and
changes an event's kind in place."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from postmortems.models import Incident, TimelineEvent
from tests.browser_support import sign_in
from tests.factories import PASSWORD, TimelineEventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BERLIN = ZoneInfo("Europe/Berlin")

LINES = [
    ("23:10 d: error-rate alert fired", "2026-11-18 23:10", "detection"),
    ("+4m e: paged DB on-call", "2026-11-18 23:14", "escalation"),
    ("23:20 checked replica lag", "2026-11-18 23:20", "action"),
    ("23:31 restarted the primary", "2026-11-18 23:31", "action"),
    ("+5m comms: status page updated", "2026-11-18 23:36", "communication"),
    ("23:50 mitig: failed over to replica", "2026-11-18 23:50", "mitigation"),
    ("00:10 errors back to baseline", "2026-11-19 00:10", "action"),
    ("+15m old primary rebuilt", "2026-11-19 00:25", "action"),
    ("Nov 19 00:40 c: all-clear posted", "2026-11-19 00:40", "communication"),
    ("+1h15m resolved: incident resolved", "2026-11-19 01:55", "resolution"),
]


@pytest.fixture
def writing(page, owner, postmortem, midweek_clock):
    owner.time_zone = "Europe/Berlin"
    owner.save(update_fields=["time_zone"])
    start = dt.datetime(2026, 11, 18, 23, 5, tzinfo=BERLIN)
    Incident.objects.filter(pk=postmortem.incident_id).update(
        started_at=start,
        detected_at=start + dt.timedelta(minutes=7),
        mitigated_at=start + dt.timedelta(minutes=45),
        resolved_at=start + dt.timedelta(hours=2),
    )
    sign_in(page, owner.email, PASSWORD)
    page.goto(f"/incidents/INC-{postmortem.incident.number}/postmortem/edit/")
    page.wait_for_load_state()
    return page


def _stored(postmortem):
    return [
        (event.occurred_at.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M"), event.kind)
        for event in TimelineEvent.objects.filter(postmortem=postmortem)
    ]


def test_ten_events_typed_with_the_keyboard_only(writing, postmortem):
    page = writing
    page.evaluate("window.__noReload = true")
    field = page.get_by_label("New event")
    field.focus()
    day = page.locator("#timeline-entry-day")
    expect(day).to_contain_text("Wed 18 Nov 2026")
    for number, (line, _, _) in enumerate(LINES, start=1):
        page.keyboard.type(line)
        page.keyboard.press("Enter")
        expect(page.locator("#timeline .timeline-item")).to_have_count(number)
        # Ready for the next line: focused, empty.
        expect(page.get_by_label("New event")).to_be_focused()
        expect(page.get_by_label("New event")).to_have_value("")
        if line.startswith("00:10"):
            expect(page.locator(".timeline-entry__added")).to_contain_text(
                "00:10 is after midnight: read as Thu 19 Nov 2026."
            )
    expect(day).to_contain_text("Thu 19 Nov 2026")
    assert _stored(postmortem) == [(when, kind) for _, when, kind in LINES]
    assert page.evaluate("window.__noReload") is True


def test_pasted_lines_become_events_and_the_unreadable_ones_stay(writing, postmortem):
    page = writing
    field = page.get_by_label("New event")
    field.focus()
    pasted = "23:10 deploy 4812 started\nnot a line\n[23:16] alice: alert fired\n+4m m: rolled back"
    page.evaluate(
        """([selector, text]) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            const paste = {clipboardData: data, bubbles: true, cancelable: true};
            document.querySelector(selector).dispatchEvent(new ClipboardEvent("paste", paste));
        }""",
        ["#id_entry-entry", pasted],
    )
    expect(page.locator("#timeline .timeline-item")).to_have_count(3)
    expect(page.locator("#timeline-entry")).to_contain_text("Added 3 events.")
    expect(page.locator("#timeline-entry [role=alert]")).to_contain_text(
        "Line 2 (“not a line”): No time at the start of the line."
    )
    expect(page.get_by_label("Several lines, one event each")).to_have_value("not a line")
    assert _stored(postmortem) == [
        ("2026-11-18 23:10", "action"),
        ("2026-11-18 23:16", "detection"),
        ("2026-11-18 23:20", "mitigation"),
    ]


def test_the_kind_changes_in_place(writing, postmortem):
    event = TimelineEventFactory(
        postmortem=postmortem,
        kind="action",
        occurred_at=dt.datetime(2026, 11, 18, 23, 30, tzinfo=BERLIN),
    )
    page = writing
    page.reload()
    page.evaluate("window.__noReload = true")
    page.get_by_label("Kind of the event at 23:30").select_option("mitigation")
    expect(page.locator(f"#event-{event.code} [name=revision-{event.code}]")).to_have_value("1")
    event.refresh_from_db()
    assert event.kind == "mitigation"
    expect(page.get_by_label("Kind of the event at 23:30")).to_have_value("mitigation")
    assert page.evaluate("window.__noReload") is True


def test_an_event_is_deleted_in_place_through_the_timelines_one_form(writing, postmortem):
    kept, gone = (
        TimelineEventFactory(
            postmortem=postmortem, occurred_at=dt.datetime(2026, 11, 18, 23, m, tzinfo=BERLIN)
        )
        for m in (30, 40)
    )
    page = writing
    page.reload()
    page.evaluate("window.__noReload = true")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete event at 23:40").click()
    expect(page.locator(f"#event-{gone.code}")).to_have_count(0)
    expect(page.locator(f"#event-{kept.code}")).to_have_count(1)
    assert list(TimelineEvent.objects.values_list("pk", flat=True)) == [kept.pk]
    assert page.evaluate("window.__noReload") is True


def test_without_javascript_the_kind_is_set_and_an_event_deleted(
    page, owner, postmortem, midweek_clock, app_server
):
    kept, gone = (
        TimelineEventFactory(
            postmortem=postmortem,
            kind="action",
            occurred_at=dt.datetime(2026, 11, 18, 23, m, tzinfo=BERLIN),
        )
        for m in (30, 40)
    )
    owner.time_zone = "Europe/Berlin"
    owner.save(update_fields=["time_zone"])
    context = page.context.browser.new_context(base_url=app_server, java_script_enabled=False)
    plain = context.new_page()
    try:
        sign_in(plain, owner.email, PASSWORD)
        plain.goto(f"/incidents/INC-{postmortem.incident.number}/postmortem/edit/")
        plain.get_by_label("Kind of the event at 23:30").select_option("mitigation")
        plain.get_by_role("button", name="Set kind of the event at 23:30").click()
        expect(plain.get_by_label("Kind of the event at 23:30")).to_have_value("mitigation")
        plain.get_by_role("button", name="Delete event at 23:40").click()
        expect(plain.locator(f"#event-{gone.code}")).to_have_count(0)
    finally:
        context.close()
    kept.refresh_from_db()
    assert (kept.kind, kept.revision) == ("mitigation", 1)
    assert not TimelineEvent.objects.filter(pk=gone.pk).exists()
