"""Quick timeline entry and the kind select on the editor, with htmx and without."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse

from postmortems.models import Incident, TimelineEvent
from tests.factories import TimelineEventFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def writer(client, owner, postmortem):
    owner.time_zone = "Europe/Berlin"
    owner.save(update_fields=["time_zone"])
    start = dt.datetime(2026, 11, 18, 9, 0, tzinfo=BERLIN)
    Incident.objects.filter(pk=postmortem.incident_id).update(
        started_at=start,
        detected_at=start + dt.timedelta(minutes=7),
        mitigated_at=start + dt.timedelta(minutes=45),
        resolved_at=start + dt.timedelta(hours=2),
    )
    client.force_login(owner)
    return client


def _url(name, postmortem, *extra):
    return reverse(name, args=[postmortem.incident.number, *extra])


def _events(postmortem):
    return list(
        TimelineEvent.objects.filter(postmortem=postmortem).values_list(
            "occurred_at", "kind", "text"
        )
    )


def test_a_quick_line_lands_on_the_incidents_day_in_the_writers_zone(
    writer, postmortem, django_assert_num_queries
):
    # session, user, incident, postmortem and authors (write check); the events before
    # (the carried day); lock, stored keys, insert, search index (3); then the section:
    # the editor's reads, as for the page's timeline. SQLite's search index
    # (FTS5) is rewritten with one statement more than PostgreSQL's.
    with django_assert_num_queries(34 if connection.vendor == "sqlite" else 33):
        response = writer.post(
            _url("pm-event-quick", postmortem),
            {"entry-entry": "10:42 restarted the primary"},
            **HTMX,
        )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#timeline"
    assert "readiness-changed" in response["HX-Trigger"]
    assert _events(postmortem) == [
        (dt.datetime(2026, 11, 18, 9, 42, tzinfo=dt.UTC), "action", "restarted the primary")
    ]
    body = response.content.decode()
    assert "Added 1 event." in body
    assert 'data-carried-day="2026-11-18"' in body
    assert "after 10:42" in body
    assert "data-entry-focus" in body
    assert 'name="entry-entry" id="id_entry-entry" value=""' in body


def test_the_next_line_carries_the_date_and_says_when_it_crosses_midnight(writer, postmortem):
    url = _url("pm-event-quick", postmortem)
    writer.post(url, {"entry-entry": "23:50 detect: alert fired"}, **HTMX)
    response = writer.post(url, {"entry-entry": "00:10 restarted"}, **HTMX)
    writer.post(url, {"entry-entry": "+1h30m resolved: all clear"}, **HTMX)
    assert "00:10 is after midnight: read as Thu 19 Nov 2026." in response.content.decode()
    assert [
        (at.astimezone(BERLIN).strftime("%d %H:%M"), kind) for at, kind, _ in _events(postmortem)
    ] == [
        ("18 23:50", "detection"),
        ("19 00:10", "action"),
        ("19 01:40", "resolution"),
    ]


def test_without_javascript_the_form_posts_and_comes_back_ready(writer, postmortem):
    response = writer.post(_url("pm-event-quick", postmortem), {"entry-entry": "10:42 restarted"})
    assert response.status_code == 302
    assert response["Location"] == _url("pm-postmortem-edit", postmortem) + "?entry=next#timeline"
    page = writer.get(response["Location"]).content.decode()
    assert "autofocus data-entry-focus" in page
    assert 'data-section="timeline"' in page
    assert "A time alone lands on" in page


def test_a_line_that_cannot_be_read_keeps_the_text_and_says_why(writer, postmortem):
    response = writer.post(
        _url("pm-event-quick", postmortem), {"entry-entry": "restarted the primary"}, **HTMX
    )
    assert response.status_code == 200  # htmx swaps it in place of the section
    body = response.content.decode()
    assert "No time at the start of the line." in body
    assert 'value="restarted the primary"' in body
    assert not TimelineEvent.objects.exists()
    no_js = writer.post(_url("pm-event-quick", postmortem), {"entry-entry": "25:00 x"})
    assert no_js.status_code == 400
    assert "“25:00” is not a time of day." in no_js.content.decode()


def test_pasted_lines_add_every_event_at_once_and_keep_the_lines_that_failed(writer, postmortem):
    response = writer.post(
        _url("pm-event-quick", postmortem),
        {
            "entry-lines": "10:00 deploy 4812 started\n"
            "not a line\n"
            "[10:06] alice: error-rate alert fired\n"
            "+10m mitig: rolled back\n"
        },
        **HTMX,
    )
    body = response.content.decode()
    assert "Added 3 events." in body
    assert "Line 2 (“not a line”): No time at the start of the line." in body
    assert "not a line</textarea>" in body
    assert [
        (at.astimezone(BERLIN).strftime("%H:%M"), kind, text)
        for at, kind, text in _events(postmortem)
    ] == [
        ("10:00", "action", "deploy 4812 started"),
        ("10:06", "detection", "**alice**: error-rate alert fired"),
        ("10:16", "mitigation", "rolled back"),
    ]


def test_the_full_fields_stay_available(writer, postmortem):
    writer.post(
        _url("pm-event-quick", postmortem),
        {
            "entry-entry": "Status page updated",
            "entry-occurred_at": "2026-11-18T11:05",
            "entry-kind": "communication",
            "entry-source_url": "status.example.com/incidents/1",
        },
        **HTMX,
    )
    event = TimelineEvent.objects.get()
    assert event.occurred_at == dt.datetime(2026, 11, 18, 10, 5, tzinfo=dt.UTC)
    assert (event.kind, event.text) == ("communication", "Status page updated")
    assert event.source_url == "https://status.example.com/incidents/1"


def test_the_kind_select_changes_the_kind_in_place(writer, postmortem):
    event = TimelineEventFactory(postmortem=postmortem, kind="action")
    # The rows share one form: the post carries every row's fields, named by code.
    other = TimelineEventFactory(postmortem=postmortem, kind="action")
    response = writer.post(
        _url("pm-event-kind", postmortem, event.code),
        {
            f"kind-{other.code}": "detection",
            f"revision-{other.code}": "0",
            f"kind-{event.code}": "mitigation",
            f"revision-{event.code}": "0",
        },
        **HTMX,
    )
    body = response.content.decode()
    assert body.lstrip().startswith(f'<li id="event-{event.code}"')
    assert '<option value="mitigation" selected>' in body
    assert f'name="revision-{event.code}" value="1" form="timeline-rows"' in body
    other.refresh_from_db()
    assert (other.kind, other.revision) == ("action", 0)
    event.refresh_from_db()
    assert (event.kind, event.revision) == ("mitigation", 1)


def test_a_kind_change_from_a_stale_row_is_refused_and_shows_the_current_kind(writer, postmortem):
    # Plain `kind` and `revision`, as a page loaded before the rows shared a form sends.
    event = TimelineEventFactory(postmortem=postmortem, kind="action")
    url = _url("pm-event-kind", postmortem, event.code)
    writer.post(url, {"kind": "detection", "revision": "0"}, **HTMX)
    response = writer.post(url, {"kind": "resolution", "revision": "0"}, **HTMX)
    body = response.content.decode()
    assert "Someone else changed this event meanwhile; its kind is now Detection." in body
    assert '<option value="detection" selected>' in body
    event.refresh_from_db()
    assert (event.kind, event.revision) == ("detection", 1)


def test_the_kind_changes_without_javascript_too(writer, postmortem):
    event = TimelineEventFactory(postmortem=postmortem, kind="action")
    url = _url("pm-event-kind", postmortem, event.code)
    kind, revision = f"kind-{event.code}", f"revision-{event.code}"
    response = writer.post(url, {kind: "escalation", revision: "0"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#event-{event.code}")
    stale = writer.post(url, {kind: "other", revision: "0"}, follow=True)
    assert "its kind is now Escalation" in stale.content.decode()
    assert writer.post(url, {kind: "nonsense", revision: "1"}).status_code == 302
    event.refresh_from_db()
    assert event.kind == "escalation"
