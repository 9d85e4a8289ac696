"""The chat import on the editor: paste, preview, import the ticked messages."""

import datetime as dt

import pytest
from django.urls import reverse

from postmortems.chat_import.reader import MAX_BYTES
from postmortems.models import TimelineEvent

HTMX = {"HTTP_HX_REQUEST": "true"}
CHAT = (
    "[10:42] alice: PagerDuty alert fired for checkout\n"
    "[10:50] bob: rolled back deploy 42\n"
    "  (the one from this morning)\n"
    "not a message at all, but after one: a continuation\n"
    "[25:00] mallory: garbage time\n"
    "[11:05] carol: all clear\n"
)


@pytest.fixture
def signed_in(client, owner):
    owner.time_zone = "Europe/Berlin"
    owner.save()
    client.force_login(owner)
    return client


def _url(name, postmortem):
    return reverse(name, args=[postmortem.incident.number])


def _preview(client, postmortem, transcript=CHAT, **headers):
    return client.post(
        _url("pm-timeline-import", postmortem), {"transcript": transcript}, **headers
    )


def test_the_editor_offers_the_import_form(signed_in, postmortem):
    response = signed_in.get(_url("pm-postmortem-edit", postmortem))
    html = response.content.decode()
    assert 'id="chat-import"' in html
    assert f'action="{_url("pm-timeline-import", postmortem)}"' in html
    assert "Import from chat" in html


def test_a_preview_lists_messages_in_the_incident_day_and_zone_with_guessed_kinds(
    signed_in, postmortem, django_assert_num_queries
):
    # Session, user, postmortem, and which of the messages are already imported.
    with django_assert_num_queries(4):
        response = _preview(signed_in, postmortem, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the partial only, swapped in place
    assert "Preview: 3 messages" in html
    assert "Times in Europe/Berlin" in html
    # The incident started 2026-11-02 09:00 UTC, 10:00 in Berlin: that is the day.
    assert "2026-11-02 10:42:00" in html
    assert "Line 5 (not a valid date or time)" in html
    selection = response.context["selection"]
    assert [m.author for m in selection.messages] == ["alice", "bob", "carol"]
    assert [m.kind for m in selection.messages] == ["detection", "mitigation", "resolution"]
    assert 'value="mitigation" selected' in html
    assert TimelineEvent.objects.count() == 0  # a preview saves nothing


def test_without_javascript_the_preview_is_a_page_of_its_own(signed_in, postmortem):
    response = _preview(signed_in, postmortem)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "Import selected events" in html
    assert f'action="{_url("pm-timeline-import-add", postmortem)}"' in html


def _import(client, postmortem, picks, kinds=None, transcript=CHAT, **headers):
    data = {"transcript": transcript}
    for number in picks:
        data[f"pick-{number}"] = "on"
    for number, kind in enumerate(kinds or ["detection", "mitigation", "resolution"]):
        data[f"kind-{number}"] = kind
    return client.post(_url("pm-timeline-import-add", postmortem), data, **headers)


def test_importing_adds_only_the_ticked_messages_with_their_chosen_kinds(
    signed_in, owner, postmortem
):
    response = _import(signed_in, postmortem, picks=[0, 2], kinds=["detection", "action", "other"])
    assert response.status_code == 302
    assert response["Location"].endswith("/edit/#timeline")
    events = list(postmortem.timeline_events.order_by("occurred_at"))
    assert [(e.occurred_at, e.kind, e.text, e.created_by) for e in events] == [
        (
            dt.datetime(2026, 11, 2, 9, 42, tzinfo=dt.UTC),
            "detection",
            "**alice**: PagerDuty alert fired for checkout",
            owner,
        ),
        (dt.datetime(2026, 11, 2, 10, 5, tzinfo=dt.UTC), "other", "**carol**: all clear", owner),
    ]


def test_multi_line_messages_are_stored_as_one_event(signed_in, postmortem):
    _import(signed_in, postmortem, picks=[1])
    (event,) = postmortem.timeline_events.all()
    assert event.text == (
        "**bob**: rolled back deploy 42\n  (the one from this morning)\n"
        "not a message at all, but after one: a continuation"
    )


def test_with_htmx_the_import_answers_with_the_new_timeline(signed_in, postmortem):
    editor = "http://testserver" + _url("pm-postmortem-edit", postmortem)
    response = _import(signed_in, postmortem, picks=[0, 1, 2], **HTMX, HTTP_HX_CURRENT_URL=editor)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#timeline"
    html = response.content.decode()
    assert html.count('class="timeline-item timeline-item--') == 3
    assert "<strong>carol</strong>: all clear" in html


def test_with_htmx_on_the_import_page_the_import_goes_to_the_editors_timeline(
    signed_in, postmortem
):
    # The import page has no timeline to swap into: the browser is sent to the editor's.
    page = "http://testserver" + _url("pm-timeline-import", postmortem)
    response = _import(signed_in, postmortem, picks=[0, 1], **HTMX, HTTP_HX_CURRENT_URL=page)
    assert response.status_code == 200
    assert response["HX-Redirect"] == _url("pm-postmortem-edit", postmortem) + "#timeline"
    assert postmortem.timeline_events.count() == 2


def test_importing_nothing_ticked_is_refused(signed_in, postmortem):
    response = _import(signed_in, postmortem, picks=[])
    assert response.status_code == 400
    assert "Tick at least one message" in response.content.decode()
    assert TimelineEvent.objects.count() == 0


def test_an_invalid_kind_is_refused_and_nothing_is_added(signed_in, postmortem):
    response = _import(signed_in, postmortem, picks=[0, 1], kinds=["detection", "nonsense", "x"])
    assert response.status_code == 400
    assert TimelineEvent.objects.count() == 0


def test_a_transcript_without_messages_says_what_lines_should_look_like(signed_in, postmortem):
    response = _preview(signed_in, postmortem, transcript="hello\nworld\n")
    assert response.status_code == 400
    html = response.content.decode()
    assert "No messages found" in html
    assert "Line 1 (text before the first message)" in html


def test_a_transcript_over_the_limit_gets_a_clear_error(signed_in, postmortem):
    response = _preview(signed_in, postmortem, transcript="x" * (MAX_BYTES + 1), **HTMX)
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert "at most 500 KB can be imported at once" in response.content.decode()


def test_readers_who_may_not_edit_cannot_import(client, outsider, postmortem):
    client.force_login(outsider)
    response = _import(client, postmortem, picks=[0])
    assert response.status_code == 403
    assert TimelineEvent.objects.count() == 0


def test_an_outsider_gets_404_for_a_restricted_incident(client, outsider, postmortem):
    postmortem.incident.restricted = True
    postmortem.incident.save()
    client.force_login(outsider)
    assert _preview(client, postmortem).status_code == 404


@pytest.mark.parametrize(
    ("transcript", "error"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested deeper than 32 levels"),
        ('{"messages": ' + "[" * 3_000 + "]" * 3_000 + "}", "nested deeper than 32 levels"),
        ('[{"ts": "1793616120.000100", "user": "U1", "text": "a\\u0000b"}]', "NUL"),
        ('[{"ts": "1793616120.000100", "user": "U1", "text": "a\\ud800b"}]', "surrogates"),
    ],
)
def test_a_slack_export_no_timeline_can_hold_gets_a_clear_error(
    signed_in, postmortem, transcript, error
):
    response = _preview(signed_in, postmortem, transcript=transcript, **HTMX)
    assert response.status_code == 200  # htmx swaps only 2xx answers
    html = response.content.decode()
    assert "This Slack export cannot be imported" in html
    assert error in html
    response = _import(signed_in, postmortem, transcript=transcript, picks=[0])
    assert response.status_code == 400
    assert "This Slack export cannot be imported" in response.content.decode()
    assert not postmortem.timeline_events.exists()
