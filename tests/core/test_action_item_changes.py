"""Acting on action items inline (done, new date, new owner, nudge) and their history."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from postmortems.models import ActionItem, ActionItemChange, OutboundMessage
from postmortems.notifications.nudges import action_item_nudge
from postmortems.services.action_changes import action_item_extend, action_item_reassign
from tests.factories import ActionItemFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}
NOW = dt.datetime(2026, 11, 12, 12, 0, tzinfo=dt.UTC)  # a Thursday
TODAY = NOW.date()
DUE = dt.date(2026, 11, 10)  # two days overdue on TODAY
Field = ActionItemChange.Field


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def item(postmortem, owner):
    return ActionItemFactory(
        postmortem=postmortem, owner=owner, due_date=DUE, title="Alert on pool saturation"
    )


@pytest.fixture
def signed_in(client, lead):
    client.force_login(lead)
    return client


def _url(name, item):
    return reverse(name, args=[item.postmortem.incident.number, item.code])


def _changes(item):
    return list(
        ActionItemChange.objects.filter(action_item=item).values_list(
            "field", "old_value", "new_value", "reason", "changed_by", "changed_at"
        )
    )


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# Each action, with htmx: the row comes back and the change is recorded.


def test_marking_done_records_the_status_change_and_answers_with_a_done_row(signed_in, item, lead):
    response = signed_in.post(_url("pm-action-done", item), {"revision": 0}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<tr") == 1
    assert f'<tr id="item-{item.code}"' in body
    assert "Done" in body
    assert "<form" not in body
    assert "Marked “Alert on pool saturation” done." in body
    assert "HX-Request" in response["Vary"]
    item.refresh_from_db()
    assert (item.status, item.completed_at, item.revision) == ("done", NOW, 1)
    assert _changes(item) == [(Field.STATUS, "Open", "Done", "", lead.pk, NOW)]


def test_extending_records_the_old_and_new_date_and_the_reason(signed_in, item, lead):
    response = signed_in.post(
        _url("pm-action-extend", item),
        {"revision": 0, "due_date": "2026-12-01", "reason": "Waiting for the vendor fix"},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "is now due Dec 1, 2026." in body
    assert "overdue" not in body
    item.refresh_from_db()
    assert (item.due_date, item.revision) == (dt.date(2026, 12, 1), 1)
    assert _changes(item) == [
        (Field.DUE_DATE, "2026-11-10", "2026-12-01", "Waiting for the vendor fix", lead.pk, NOW)
    ]


def test_reassigning_records_the_old_and_new_owner(signed_in, item, lead, teammate):
    response = signed_in.post(
        _url("pm-action-reassign", item), {"revision": 0, "owner": teammate.pk}, **HTMX
    )
    assert response.status_code == 200
    assert "now belongs to Tariq Teammate." in response.content.decode()
    item.refresh_from_db()
    assert (item.owner, item.revision) == (teammate, 1)
    assert _changes(item) == [(Field.OWNER, "Olivia Owner", "Tariq Teammate", "", lead.pk, NOW)]


def test_an_admin_from_outside_the_team_may_take_an_item(item, lead, admin_user):
    action_item_reassign(item=item, by=lead, owner=admin_user, expected_revision=0)
    item.refresh_from_db()
    assert item.owner == admin_user


# Refusals: an error inside the row, what was typed kept, nothing changed.


def test_extending_without_a_reason_keeps_the_chosen_date_and_changes_nothing(signed_in, item):
    response = signed_in.post(
        _url("pm-action-extend", item),
        {"revision": 0, "due_date": "2026-12-01", "reason": "  "},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert">Say why the date moves' in body
    assert 'name="due_date" value="2026-12-01"' in body
    item.refresh_from_db()
    assert (item.due_date, item.revision) == (DUE, 0)
    assert not ActionItemChange.objects.exists()


def test_a_blank_reason_is_refused_by_the_service_too(item, lead):
    with pytest.raises(ValidationError, match="Say why the date moves"):
        action_item_extend(
            item=item, by=lead, due_date=dt.date(2026, 12, 1), reason=" ", expected_revision=0
        )


@pytest.mark.parametrize(
    ("due_date", "error"),
    [
        ("2026-11-11", "The new due date is in the past."),
        ("2026-11-10", "The new due date is in the past."),
    ],
    ids=["yesterday", "the-current-date-in-the-past"],
)
def test_extending_to_a_past_date_is_refused(signed_in, item, due_date, error):
    response = signed_in.post(
        _url("pm-action-extend", item),
        {"revision": 0, "due_date": due_date, "reason": "Vendor"},
        **HTMX,
    )
    body = response.content.decode()
    assert error in body
    assert 'value="Vendor"' in body
    item.refresh_from_db()
    assert item.due_date == DUE
    assert not ActionItemChange.objects.exists()


def test_extending_must_move_the_date_later(item, lead):
    item.due_date = dt.date(2026, 12, 1)
    item.save()
    with pytest.raises(ValidationError, match=r"after the current one \(Dec 1, 2026\)"):
        action_item_extend(
            item=item, by=lead, due_date=dt.date(2026, 11, 20), reason="Sooner", expected_revision=0
        )


def test_today_is_the_date_where_the_person_extending_is(item, lead):
    """At 12:00 UTC it is already the 13th in Auckland: the 12th is in the past there."""
    lead.time_zone = "Pacific/Auckland"
    with pytest.raises(ValidationError, match="in the past"):
        action_item_extend(item=item, by=lead, due_date=TODAY, reason="R", expected_revision=0)


def test_reassigning_to_someone_outside_the_team_is_refused(signed_in, item, outsider):
    response = signed_in.post(
        _url("pm-action-reassign", item), {"revision": 0, "owner": outsider.pk}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Oscar Outsider is not in Platform; choose a team member." in body
    item.refresh_from_db()
    assert item.owner.display_name == "Olivia Owner"
    assert not ActionItemChange.objects.exists()


def test_a_stale_form_is_a_conflict_and_overwrites_nothing(signed_in, item, teammate):
    # Tariq moves the date while the lead's page still shows revision 0.
    action_item_extend(
        item=ActionItem.objects.get(pk=item.pk),
        by=teammate,
        due_date=dt.date(2026, 11, 30),
        reason="Needs a maintenance window",
        expected_revision=0,
    )
    response = signed_in.post(_url("pm-action-done", item), {"revision": 0}, **HTMX)
    body = response.content.decode()
    assert "Someone else changed this action item" in body
    assert 'name="revision" value="1"' in body  # the row now shows their version
    assert 'datetime="2026-11-30"' in body
    item.refresh_from_db()
    assert (item.status, item.due_date, item.revision) == ("open", dt.date(2026, 11, 30), 1)
    assert [c[0] for c in _changes(item)] == [Field.DUE_DATE]


def test_a_conflict_keeps_what_was_typed(signed_in, item):
    ActionItem.objects.filter(pk=item.pk).update(revision=5)
    response = signed_in.post(
        _url("pm-action-extend", item),
        {"revision": 0, "due_date": "2026-12-01", "reason": "Vendor"},
        **HTMX,
    )
    body = response.content.decode()
    assert "Someone else changed this action item" in body
    assert 'value="2026-12-01"' in body
    assert 'value="Vendor"' in body
    assert ActionItem.objects.get(pk=item.pk).due_date == DUE


def test_a_finished_item_cannot_be_finished_again(signed_in, item):
    signed_in.post(_url("pm-action-done", item), {"revision": 0}, **HTMX)
    response = signed_in.post(_url("pm-action-done", item), {"revision": 1}, **HTMX)
    assert "This action item is already done." in response.content.decode()
    assert ActionItemChange.objects.count() == 1


# Nudges: one email per item per day (the owner's day), through the outbox.


def test_nudging_twice_the_same_day_queues_one_email(
    signed_in, item, lead, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        first = signed_in.post(_url("pm-action-nudge", item), {"revision": 0}, **HTMX)
    assert "Nudged Olivia Owner: an email is on its way." in first.content.decode()
    assert len(callbacks) == 1  # the email is handed to a worker after commit
    second = signed_in.post(_url("pm-action-nudge", item), {"revision": 0}, **HTMX)
    assert second.status_code == 200
    assert 'role="status">Already nudged today.' in second.content.decode()

    email = OutboundMessage.objects.get()
    assert (email.kind, email.recipient, email.to_address) == ("nudge", owner, owner.email)
    assert email.dedup_key == f"nudge:{item.code}:2026-11-12"
    assert email.incident == item.postmortem.incident
    number = item.postmortem.incident.number
    assert email.subject == f"Lena is checking in on “Alert on pool saturation” (INC-{number})"
    link = f"http://127.0.0.1:8000/incidents/INC-{number}/postmortem/#item-{item.code}"
    for body in (email.body_text, email.body_html):
        assert "Hello Olivia," in body
        assert "Lena Lead is checking in on an action item you own" in body
        assert "Alert on pool saturation" in body
        assert "Tue 10 Nov 2026" in body
        assert "2 days overdue" in body
        assert link in body
    assert _changes(item) == [(Field.NUDGE, "", "Olivia Owner", "", lead.pk, NOW)]
    item.refresh_from_db()
    assert item.revision == 0  # a nudge is not an edit


def test_nudging_again_the_next_day_queues_a_second_email(signed_in, item, frozen):
    signed_in.post(_url("pm-action-nudge", item), {"revision": 0}, **HTMX)
    frozen.shift(dt.timedelta(days=1))
    response = signed_in.post(_url("pm-action-nudge", item), {"revision": 0}, **HTMX)
    assert "an email is on its way" in response.content.decode()
    assert sorted(OutboundMessage.objects.values_list("dedup_key", flat=True)) == [
        f"nudge:{item.code}:2026-11-12",
        f"nudge:{item.code}:2026-11-13",
    ]
    assert ActionItemChange.objects.filter(field=Field.NUDGE).count() == 2


def test_the_nudge_day_is_the_owners_day(item, lead, owner, frozen):
    """22:00 and 01:00 in Auckland are two days there, though one day in UTC."""
    owner.time_zone = "Pacific/Auckland"
    owner.save()
    frozen.move_to(dt.datetime(2026, 11, 12, 9, 0, tzinfo=dt.UTC))
    assert action_item_nudge(item=item, by=lead) is True
    frozen.move_to(dt.datetime(2026, 11, 12, 10, 30, tzinfo=dt.UTC))
    assert action_item_nudge(item=item, by=lead) is False
    frozen.move_to(dt.datetime(2026, 11, 12, 12, 0, tzinfo=dt.UTC))
    assert action_item_nudge(item=item, by=lead) is True
    assert OutboundMessage.objects.count() == 2


def test_nudging_an_item_without_an_owner_is_explained(signed_in, item):
    ActionItem.objects.filter(pk=item.pk).update(owner=None)
    response = signed_in.post(_url("pm-action-nudge", item), {"revision": 0}, **HTMX)
    assert "This action item has no owner to nudge. Assign someone first." in (
        response.content.decode()
    )
    assert not OutboundMessage.objects.exists()


def test_an_owner_who_cannot_see_a_restricted_incident_is_not_nudged(item, lead):
    stranger = UserFactory(display_name="Sam Stranger")
    item.owner = stranger
    incident = item.postmortem.incident
    incident.restricted = True
    incident.save()
    with pytest.raises(ValidationError, match="cannot see this restricted incident"):
        action_item_nudge(item=item, by=lead)
    assert not OutboundMessage.objects.exists()


# Without JavaScript: back to `next` with a message.


def test_without_javascript_an_action_redirects_to_next_with_a_message(signed_in, item):
    response = signed_in.post(
        _url("pm-action-done", item), {"revision": 0, "next": "/incidents/?team=platform"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/?team=platform#item-{item.code}"
    assert _messages(response) == ["Marked “Alert on pool saturation” done."]


def test_without_javascript_an_error_is_a_message(signed_in, item):
    response = signed_in.post(
        _url("pm-action-extend", item),
        {"revision": 0, "due_date": "2026-12-01", "reason": "", "next": "/incidents/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/#item-{item.code}"
    assert _messages(response) == ["Say why the date moves, so the team knows what changed."]
    assert ActionItem.objects.get(pk=item.pk).due_date == DUE


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", ""])
def test_a_foreign_next_falls_back_to_the_postmortem(signed_in, item, next_url):
    response = signed_in.post(_url("pm-action-done", item), {"revision": 0, "next": next_url})
    number = item.postmortem.incident.number
    assert response["Location"] == f"/incidents/INC-{number}/postmortem/#item-{item.code}"


# Who may act.

ACTIONS = ["pm-action-done", "pm-action-extend", "pm-action-reassign", "pm-action-nudge"]


@pytest.mark.parametrize("name", ACTIONS)
@pytest.mark.parametrize(("restricted", "status"), [(True, 404), (False, 403)])
def test_an_outsider_may_not_act(client, item, outsider, name, restricted, status):
    incident = item.postmortem.incident
    incident.restricted = restricted
    incident.save()
    client.force_login(outsider)
    response = client.post(_url(name, item), {"revision": 0}, **HTMX)
    assert response.status_code == status
    assert not ActionItemChange.objects.exists()
    assert not OutboundMessage.objects.exists()


@pytest.mark.parametrize("name", [*ACTIONS, "pm-action-history"])
def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, item, name):
    response = client.post(_url(name, item)) if name in ACTIONS else client.get(_url(name, item))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_actions_need_the_csrf_token(item, lead):
    client = Client(enforce_csrf_checks=True)
    client.force_login(lead)
    response = client.post(_url("pm-action-done", item), {"revision": 0}, **HTMX)
    assert response.status_code == 403
    assert ActionItem.objects.get(pk=item.pk).status == "open"


@pytest.mark.parametrize("name", ACTIONS)
def test_actions_change_only_on_post_and_a_get_leads_back_to_the_review(signed_in, item, name):
    response = signed_in.get(_url(name, item))

    assert response["Location"] == reverse(
        "pm-postmortem-detail", args=[item.postmortem.incident.number]
    )
    assert signed_in.put(_url(name, item)).status_code == 405
    assert _changes(item) == []


# The editor's path records its changes too.


def test_saving_the_item_in_the_editor_records_each_changed_field(client, item, owner, teammate):
    client.force_login(owner)
    prefix = str(item.code)
    response = client.post(
        _url("pm-action-edit", item),
        {
            f"{prefix}-revision": 0,
            f"{prefix}-title": "Alert on pool saturation over 80%",
            f"{prefix}-owner": teammate.pk,
            f"{prefix}-due_date": "2026-11-20",
            f"{prefix}-priority": item.priority,
            f"{prefix}-type": item.type,
            f"{prefix}-verification": item.verification,
            f"{prefix}-verification_plan": item.verification_plan,
            f"{prefix}-status": "in_progress",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert sorted(_changes(item)) == sorted(
        [
            (
                Field.TITLE,
                "Alert on pool saturation",
                "Alert on pool saturation over 80%",
                "",
                owner.pk,
                NOW,
            ),
            (Field.OWNER, "Olivia Owner", "Tariq Teammate", "", owner.pk, NOW),
            (Field.DUE_DATE, "2026-11-10", "2026-11-20", "", owner.pk, NOW),
            (Field.STATUS, "Open", "In progress", "", owner.pk, NOW),
        ]
    )


def test_saving_the_editor_unchanged_records_nothing(client, item, owner):
    client.force_login(owner)
    prefix = str(item.code)
    client.post(
        _url("pm-action-edit", item),
        {
            f"{prefix}-revision": 0,
            f"{prefix}-title": item.title,
            f"{prefix}-owner": owner.pk,
            f"{prefix}-due_date": "2026-11-10",
            f"{prefix}-priority": item.priority,
            f"{prefix}-type": item.type,
            f"{prefix}-verification": item.verification,
            f"{prefix}-verification_plan": item.verification_plan,
            f"{prefix}-status": "open",
        },
        **HTMX,
    )
    assert ActionItem.objects.get(pk=item.pk).revision == 1
    assert not ActionItemChange.objects.exists()


# The row and the history page.


def test_the_row_shows_overdue_days_the_team_to_reassign_to_and_returns_to_the_page(
    signed_in, item, owner, teammate, lead
):
    response = signed_in.post(
        _url("pm-action-reassign", item), {"revision": 0, "owner": 0, "next": "/dash/"}, **HTMX
    )
    body = response.content.decode()
    assert "Choose the new owner from the list." in body
    assert "2 days overdue" in body
    assert 'class="dashboard-item row--overdue"' in body
    assert f'<option value="{owner.pk}" selected>Olivia Owner</option>' not in body  # typed "0"
    for person in (owner, teammate, lead):
        assert f'<option value="{person.pk}"' in body
    # The quick actions (done, nudge) share a form; extend and reassign stay open.
    assert body.count('name="next" value="/dash/"') == 3
    assert body.count('name="csrfmiddlewaretoken"') == 3
    assert body.count('hx-target="closest tr" hx-swap="outerHTML"') == 3
    history = _url("pm-action-history", item)
    assert f'href="{history}"' in body


def test_the_history_page_lists_changes_newest_first(
    client, item, owner, lead, teammate, frozen, django_assert_num_queries
):
    action_item_extend(
        item=item, by=lead, due_date=dt.date(2026, 11, 20), reason="Vendor", expected_revision=0
    )
    frozen.shift(dt.timedelta(hours=1))
    action_item_reassign(item=item, by=lead, owner=teammate, expected_revision=1)
    frozen.shift(dt.timedelta(hours=1))
    action_item_nudge(item=item, by=lead)
    client.force_login(owner)
    # session, user, incident (+team, postmortem), item (+owner), changes (+who); the
    # item's tracker issue and the team's tracker (PAGE_EXTRAS "action-item")
    with django_assert_num_queries(7):
        response = client.get(_url("pm-action-history", item))
    assert response.status_code == 200
    body = response.content.decode()
    nudge, owner_change, date_change = (
        body.index("Emailed Tariq Teammate"),
        body.index("Olivia Owner <span"),
        body.index("2026-11-10 <span"),
    )
    assert nudge < owner_change < date_change
    assert "Vendor" in body
    assert "Nov 12, 2026 14:00" in body


def test_marking_done_costs_a_fixed_number_of_queries(signed_in, item, django_assert_num_queries):
    # session, user, incident (+postmortem), team membership, item (+owner); the two
    # check constraints on status and the one on the outcome, which the verification
    # date's write clears (3 each, in savepoints); savepoint, the postmortem's lock,
    # UPDATE, INSERT change, release (the folded row needs no owner picker); the
    # item's tracker issue, to close it (trackers: "action-item-status-changed")
    with django_assert_num_queries(20):
        response = signed_in.post(_url("pm-action-done", item), {"revision": 0}, **HTMX)
    assert response.status_code == 200


def test_the_read_view_and_the_editor_link_to_each_items_history(client, item, owner):
    client.force_login(owner)
    history = f'href="{_url("pm-action-history", item)}"'
    number = item.postmortem.incident.number
    assert history in client.get(reverse("pm-postmortem-detail", args=[number])).content.decode()
    assert history in client.get(reverse("pm-postmortem-edit", args=[number])).content.decode()


# Extend and reassign open on demand: the row (htmx) or a page holding it (no JavaScript).


def test_the_change_link_opens_the_rows_extend_and_reassign_forms(signed_in, item, owner, lead):
    next_url = reverse("pm-dashboard") + "?team=platform"
    url = _url("pm-action-change", item)

    response = signed_in.get(url, {"next": next_url}, **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<tr") == 1
    assert f'action="{_url("pm-action-extend", item)}"' in body
    assert f'<option value="{owner.pk}" selected>Olivia Owner</option>' in body
    assert f'<option value="{lead.pk}">Lena Lead</option>' in body
    # The forms return to the dashboard, not to this URL.
    assert f'name="next" value="{next_url.replace("&", "&amp;")}"' in body
    assert "HX-Request" in response["Vary"]

    page = signed_in.get(url, {"next": "https://evil.example/"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "<title>Change “Alert on pool saturation”" in body
    assert "Why the date moves" in body
    assert "evil.example" not in body  # an outside `next` falls back to the postmortem


def test_a_failed_extend_keeps_its_form_open_with_what_was_typed(signed_in, item):
    response = signed_in.post(
        _url("pm-action-extend", item), {"revision": 0, "due_date": "2026-12-01"}, **HTMX
    )
    body = response.content.decode()
    assert "Say why the date moves" in body
    assert 'value="2026-12-01"' in body
    assert f'action="{_url("pm-action-extend", item)}"' in body


def test_a_successful_action_folds_the_row_back(signed_in, item):
    response = signed_in.post(
        _url("pm-action-extend", item),
        {"revision": 0, "due_date": "2026-12-01", "reason": "Vendor fix lands then"},
        **HTMX,
    )
    body = response.content.decode()
    assert "is now due Dec 1, 2026" in body
    assert f'action="{_url("pm-action-extend", item)}"' not in body
    assert ">Extend or reassign<" in body


def test_an_inline_change_tells_the_dashboard_to_refresh_its_counts_and_a_refusal_does_not(
    signed_in, item
):
    done = signed_in.post(_url("pm-action-done", item), {"revision": 0}, **HTMX)
    refused = signed_in.post(_url("pm-action-done", item), {"revision": 0}, **HTMX)

    assert done["HX-Trigger"] == '{"action-items-changed": {}}'
    assert "HX-Trigger" not in refused
