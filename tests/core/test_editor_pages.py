"""The editor with and without JavaScript: sections, preview, inline lists, status."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from postmortems.models import ActionItem, Postmortem, TimelineEvent
from postmortems.services.postmortems import text_fingerprint
from tests.factories import (
    ActionItemFactory,
    ReviewCommentFactory,
    TimelineEventFactory,
    complete_postmortem,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name, postmortem, *extra):
    return reverse(name, args=[postmortem.incident.number, *extra])


@pytest.mark.parametrize("rows", [1, 8])
def test_editor_costs_the_same_queries_however_long_the_review(
    signed_in, postmortem, rows, django_assert_num_queries
):
    for n in range(rows):
        TimelineEventFactory(postmortem=postmortem)
        ActionItemFactory(postmortem=postmortem)
        ReviewCommentFactory(postmortem=postmortem, section=Postmortem.SECTION_NAMES[n % 7])
    signed_in.get(
        _url("pm-postmortem-edit", postmortem)
    )  # the first visit writes the detection review
    # session, user, incident, authors, tags, events, items (+owners), services,
    # reminders sent (the people picked as authors are read only when the details
    # form is rendered afresh: it is kept, keyed by their rows), review comments
    # (+authors), blameless dismissals (once: the readiness check reuses the
    # editor's), the readiness policy; the detection
    # section's alerts, review, answers and alerts to link (the team's policy only when
    # an alert fired; its readiness check reuses the section's review:
    # tests/alerting/detection/test_pages.py); its recurrences
    with django_assert_num_queries(17):
        response = signed_in.get(_url("pm-postmortem-edit", postmortem))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 8])
def test_read_view_costs_the_same_queries_however_long_the_review(
    signed_in, postmortem, rows, django_assert_num_queries
):
    for n in range(rows):
        TimelineEventFactory(postmortem=postmortem)
        ActionItemFactory(postmortem=postmortem)
        ReviewCommentFactory(postmortem=postmortem, section=Postmortem.SECTION_NAMES[n % 7])
    # session, user, incident, authors, tags, events, items (+owners), services, review
    # comments (+authors), "has a pulse survey to answer"; related reviews cost none here
    # (no services or tags to share; else 1 to 3: tests/archive/test_browse.py); the
    # readiness policy and its blameless check's dismissals (not published yet); the
    # detection review (for the section; its readiness check reuses it) and the
    # incident's alerts; its recurrences (both ways, one statement)
    with django_assert_num_queries(15):
        response = signed_in.get(_url("pm-postmortem-detail", postmortem))
    assert response.status_code == 200


def test_saving_a_section_with_htmx_returns_the_section_as_it_reads_marked_saved(
    signed_in, postmortem
):
    response = signed_in.post(
        _url("pm-section-save", postmortem, "impact"),
        {"text": "**4%** of checkouts failed.", "base": text_fingerprint(postmortem.impact)},
        **HTMX,
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="section-impact"')
    assert "<strong>4%</strong>" in body
    assert "Saved" in body
    assert "<textarea" not in body  # back to the document: the form closed
    postmortem.refresh_from_db()
    assert postmortem.impact == "**4%** of checkouts failed."


def test_saving_a_section_without_javascript_redirects_to_it(signed_in, postmortem):
    response = signed_in.post(
        _url("pm-section-save", postmortem, "lessons"),
        {"text": "Pools need alerts.", "base": text_fingerprint(""), "action": "save"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("/postmortem/edit/#section-lessons")
    postmortem.refresh_from_db()
    assert postmortem.lessons == "Pools need alerts."


def test_preview_without_javascript_shows_the_text_unsaved(signed_in, postmortem):
    response = signed_in.post(
        _url("pm-section-save", postmortem, "lessons"),
        {"text": "_Draft_ lesson", "base": text_fingerprint(""), "action": "preview"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<em>Draft</em> lesson" in body
    assert "_Draft_ lesson</textarea>" in body
    postmortem.refresh_from_db()
    assert postmortem.lessons == ""


def test_live_preview_renders_sanitised_markdown(signed_in):
    response = signed_in.post(
        reverse("pm-markdown-preview"), {"text": "# Title\n<script>x</script>"}, **HTMX
    )
    assert "<h1>Title</h1>" in response.content.decode()
    assert "<script>" not in response.content.decode()


def test_a_stale_section_save_keeps_both_texts_and_writes_nothing(signed_in, postmortem):
    opened = text_fingerprint(postmortem.summary)
    Postmortem.objects.filter(pk=postmortem.pk).update(summary="Teammate's newer summary.")
    response = signed_in.post(
        _url("pm-section-save", postmortem, "summary"),
        {"text": "My summary.", "base": opened},
        **HTMX,
    )
    body = response.content.decode()
    assert "Someone else saved this section" in body
    assert "Teammate's newer summary." in body
    assert "My summary.</textarea>" in body
    postmortem.refresh_from_db()
    assert postmortem.summary == "Teammate's newer summary."

    # Saving again, after seeing the conflict, deliberately replaces it.
    rebased = text_fingerprint("Teammate's newer summary.")
    signed_in.post(
        _url("pm-section-save", postmortem, "summary"), {"text": "Merged.", "base": rebased}
    )
    postmortem.refresh_from_db()
    assert postmortem.summary == "Merged."


def test_adding_a_timeline_event_with_htmx_returns_the_list_in_time_order(signed_in, postmortem):
    TimelineEventFactory(
        postmortem=postmortem, occurred_at=dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
    )
    response = signed_in.post(
        _url("pm-event-add", postmortem),
        {
            "new-event-occurred_at": "2026-11-02T09:10",
            "new-event-kind": "detection",
            "new-event-text": "Alert fired.",
        },
        **HTMX,
    )
    assert response["HX-Retarget"] == "#timeline"
    body = response.content.decode()
    assert body.index("Alert fired.") < body.index("checked dashboard")
    assert TimelineEvent.objects.filter(postmortem=postmortem).count() == 2


def test_an_invalid_event_answers_with_the_form_and_the_typed_text(signed_in, postmortem):
    response = signed_in.post(
        _url("pm-event-add", postmortem),
        {"new-event-kind": "action", "new-event-text": "Restarted the primary."},
        **HTMX,
    )
    assert response["HX-Retarget"] == "#timeline-new"
    body = response.content.decode()
    assert "This field is required." in body
    assert "Restarted the primary.</textarea>" in body
    assert not TimelineEvent.objects.exists()


def test_an_invalid_event_without_javascript_renders_the_page_with_errors(signed_in, postmortem):
    response = signed_in.post(
        _url("pm-event-add", postmortem),
        {"new-event-kind": "action", "new-event-text": "Restarted the primary."},
    )
    assert response.status_code == 400
    assert "Restarted the primary.</textarea>" in response.content.decode()
    assert "<html" in response.content.decode()


def test_editing_an_event_without_javascript_uses_its_own_page(signed_in, postmortem):
    event = TimelineEventFactory(postmortem=postmortem)
    page = signed_in.get(_url("pm-event-edit", postmortem, event.code))
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    response = signed_in.post(
        _url("pm-event-edit", postmortem, event.code),
        {
            f"{event.code}-occurred_at": "2026-11-02T09:05",
            f"{event.code}-kind": "mitigation",
            f"{event.code}-text": "Traffic shifted to us-east.",
            f"{event.code}-revision": "0",
        },
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.kind, event.text, event.revision) == (
        "mitigation",
        "Traffic shifted to us-east.",
        1,
    )


def test_a_stale_event_edit_shows_the_other_version(signed_in, postmortem):
    event = TimelineEventFactory(postmortem=postmortem)
    TimelineEvent.objects.filter(pk=event.pk).update(text="Their text.", revision=1)
    response = signed_in.post(
        _url("pm-event-edit", postmortem, event.code),
        {
            f"{event.code}-occurred_at": "2026-11-02T09:05",
            f"{event.code}-kind": "action",
            f"{event.code}-text": "My text.",
            f"{event.code}-revision": "0",
        },
        **HTMX,
    )
    body = response.content.decode()
    assert "Someone else changed this" in body
    assert "Their text." in body
    assert "My text.</textarea>" in body
    assert f'name="{event.code}-revision" value="1"' in body
    event.refresh_from_db()
    assert event.text == "Their text."


def test_deleting_an_action_item_with_htmx_returns_the_list(signed_in, postmortem):
    item = ActionItemFactory(postmortem=postmortem)
    response = signed_in.post(_url("pm-action-delete", postmortem, item.code), **HTMX)
    assert response["HX-Retarget"] == "#actions"
    assert "No action items yet." in response.content.decode()
    assert not ActionItem.objects.exists()


def test_adding_an_action_item_with_owner_and_due_date(signed_in, postmortem, teammate):
    response = signed_in.post(
        _url("pm-action-add", postmortem),
        {
            "new-item-title": "Alert on pool saturation",
            "new-item-owner": teammate.pk,
            "new-item-due_date": "2026-12-15",
            "new-item-priority": "high",
            "new-item-type": "detect",
            "new-item-status": "open",
            "new-item-tracker_url": "tracker.example.com/OPS-1",
        },
    )
    assert response.status_code == 302
    item = ActionItem.objects.get()
    assert (item.owner, item.due_date) == (teammate, dt.date(2026, 12, 15))
    assert item.tracker_url == "https://tracker.example.com/OPS-1"


def test_an_overdue_item_is_marked_in_the_viewers_time_zone(client, postmortem, owner):
    owner.time_zone = "Pacific/Auckland"
    owner.save()
    ActionItemFactory(postmortem=postmortem, due_date=dt.date(2026, 11, 2))
    client.force_login(owner)

    # 2026-11-02 12:00 UTC is already Nov 3 in Auckland: overdue there, not in UTC.
    with time_machine.travel(dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC), tick=False):
        body = client.get(_url("pm-postmortem-detail", postmortem)).content.decode()
        assert "overdue" in body
        owner.time_zone = "UTC"
        owner.save()
        body = client.get(_url("pm-postmortem-detail", postmortem)).content.decode()
        assert "overdue</span>" not in body


def test_publishing_moves_to_the_read_view(signed_in, postmortem):
    complete_postmortem(postmortem)
    response = signed_in.post(_url("pm-postmortem-status", postmortem), {"status": "published"})
    assert response["Location"] == _url("pm-postmortem-detail", postmortem)
    postmortem.refresh_from_db()
    assert postmortem.status == "published"
    assert postmortem.published_at is not None


def test_an_impossible_status_is_explained_not_applied(signed_in, postmortem):
    response = signed_in.post(
        _url("pm-postmortem-status", postmortem), {"status": "nonsense"}, follow=True
    )
    assert "Choose a valid status." in response.content.decode()
    postmortem.refresh_from_db()
    assert postmortem.status == "draft"


def test_authors_and_tags_are_saved(signed_in, postmortem, teammate):
    response = signed_in.post(
        _url("pm-postmortem-details", postmortem),
        {"authors": [teammate.pk], "tags": "DNS, capacity, dns"},
    )
    assert response.status_code == 302
    assert list(postmortem.authors.all()) == [teammate]
    assert sorted(t.slug for t in postmortem.tags.all()) == ["capacity", "dns"]
