"""The editor's rows kept rendered in the process (lib/fragment_cache.py): a kept row is
shown again only while everything it shows is unchanged, and holds nothing per request."""

import datetime as dt

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse

from lib import fragment_cache
from postmortems.models import ActionItem, TimelineEvent
from postmortems.templatetags.editor_row_tags import TOKEN_SLOT
from tests.factories import ActionItemFactory, TimelineEventFactory

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _cold():
    fragment_cache.clear()
    yield
    fragment_cache.clear()


def _editor(client, postmortem) -> str:
    url = reverse("pm-postmortem-edit", args=[postmortem.incident.number])
    return client.get(url).content.decode()


def _row(body: str, anchor: str) -> str:
    return body.split(f'id="{anchor}"', 1)[1].split("</li>", 1)[0]


@time_machine.travel(NOON, tick=False)
def test_a_row_changed_behind_the_services_back_is_shown_as_it_now_is(client, owner, postmortem):
    client.force_login(owner)
    event = TimelineEventFactory(postmortem=postmortem, text="Replica lag alert fired")
    item = ActionItemFactory(postmortem=postmortem, title="Alert on replica lag over 30 s")
    first = _editor(client, postmortem)
    assert "Replica lag alert fired" in _row(first, f"event-{event.code}")
    again = _editor(client, postmortem)  # kept: the same markup
    for anchor in (f"event-{event.code}", f"item-{item.code}"):
        assert _row(again, anchor) == _row(first, anchor)

    # No revision bump: the kept row is keyed by every column, not by the revision.
    TimelineEvent.objects.filter(pk=event.pk).update(text="Replica lag page sent")
    ActionItem.objects.filter(pk=item.pk).update(title="Page on replica lag over 30 s")
    second = _editor(client, postmortem)
    assert "Replica lag page sent" in _row(second, f"event-{event.code}")
    assert "Page on replica lag over 30 s" in _row(second, f"item-{item.code}")


@time_machine.travel(NOON, tick=False)
def test_each_viewer_sees_the_rows_times_in_their_own_zone(client, owner, teammate, postmortem):
    event = TimelineEventFactory(
        postmortem=postmortem, occurred_at=dt.datetime(2026, 11, 17, 22, 30, tzinfo=dt.UTC)
    )
    owner.time_zone, teammate.time_zone = "Europe/Berlin", "America/New_York"
    owner.save(update_fields=["time_zone"])
    teammate.save(update_fields=["time_zone"])
    client.force_login(owner)
    assert "Nov 17, 23:30" in _row(_editor(client, postmortem), f"event-{event.code}")
    client.force_login(teammate)
    assert "Nov 17, 17:30" in _row(_editor(client, postmortem), f"event-{event.code}")


def test_an_item_turns_overdue_when_the_viewers_day_passes_its_due_date(client, owner, postmortem):
    item = ActionItemFactory(postmortem=postmortem, due_date=dt.date(2026, 11, 18))
    client.force_login(owner)
    with time_machine.travel(NOON, tick=False):
        assert "Overdue" not in _row(_editor(client, postmortem), f"item-{item.code}")
    with time_machine.travel(NOON + dt.timedelta(days=1), tick=False):
        assert "Overdue" in _row(_editor(client, postmortem), f"item-{item.code}")


@time_machine.travel(NOON, tick=False)
def test_an_owners_new_name_shows_on_their_items(client, owner, postmortem):
    item = ActionItemFactory(postmortem=postmortem, owner=owner)
    client.force_login(owner)
    _editor(client, postmortem)
    owner.display_name = "Dana Renamed"
    owner.save(update_fields=["display_name"])
    assert "Owner: Dana Renamed" in _row(_editor(client, postmortem), f"item-{item.code}")


@time_machine.travel(NOON, tick=False)
def test_no_row_holds_a_csrf_token_however_many_rows(client, owner, postmortem):
    client.force_login(owner)
    empty = _editor(client, postmortem).count("csrfmiddlewaretoken")
    for _ in range(5):
        TimelineEventFactory(postmortem=postmortem)
        ActionItemFactory(postmortem=postmortem)
        ActionItemFactory(postmortem=postmortem, status="idea", owner=None, due_date=None)
    assert _editor(client, postmortem).count("csrfmiddlewaretoken") == empty


def test_a_kept_block_shows_each_request_its_own_csrf_token():
    template = Template(
        "{% load editor_row_tags %}{% row_cache 1 %}<form>{% csrf_token %}</form>{% endrow_cache %}"
    )
    first = template.render(Context({"csrf_token": "first-requests-token"}))
    second = template.render(Context({"csrf_token": "second-requests-token"}))
    field = '<input type="hidden" name="csrfmiddlewaretoken" value="first-requests-token">'
    assert first == f"<form>{field}</form>"
    assert second == first.replace("first-requests-token", "second-requests-token")
    assert TOKEN_SLOT not in first + second
    # Without a request's token nothing is kept with a placeholder in it.
    assert template.render(Context({})) == "<form></form>"


@time_machine.travel(NOON, tick=False)
def test_an_add_form_sent_back_with_errors_is_not_kept(client, owner, postmortem):
    client.force_login(owner)
    _editor(client, postmortem)  # the empty add forms kept
    url = reverse("pm-action-add", args=[postmortem.incident.number])
    typed = "Make the replica lag alert page the database on-call"
    answer = client.post(url, {"new-item-title": typed, "new-item-status": "nonsense"})
    assert answer.status_code == 400
    assert typed in answer.content.decode()
    assert typed not in _editor(client, postmortem)  # the empty form again


def test_a_list_not_read_yet_is_rendered_afresh_rather_than_read_for_its_key(postmortem):
    TimelineEventFactory(postmortem=postmortem, text="Replica lag alert fired")
    template = Template(
        "{% load editor_row_tags %}{% row_cache events %}"
        "{% for event in events %}{{ event.text }}{% endfor %}{% endrow_cache %}"
    )
    unread = postmortem.timeline_events.all()
    assert template.render(Context({"events": unread})) == "Replica lag alert fired"
    assert unread._result_cache is not None  # read by the loop, once
    TimelineEvent.objects.filter(postmortem=postmortem).update(text="Replica lag page sent")
    # A fresh unread queryset is never served the kept markup of an earlier one.
    again = postmortem.timeline_events.all()
    assert template.render(Context({"events": again})) == "Replica lag page sent"


def _authors_picker(body: str) -> str:
    return body.split('class="people-picker', 1)[1].split("</div>", 1)[0]


@time_machine.travel(NOON, tick=False)
def test_the_kept_authors_picker_shows_a_renamed_author_and_drops_a_deactivated_one(
    client, owner, author, postmortem, django_assert_num_queries
):
    client.force_login(owner)
    assert "Ada Author" in _authors_picker(_editor(client, postmortem))
    url = reverse("pm-postmortem-edit", args=[postmortem.incident.number])
    with django_assert_num_queries(17):  # kept: the picked people are not read again
        client.get(url)
    author.display_name = "Ada Renamed"
    author.save(update_fields=["display_name"])
    picker = _authors_picker(_editor(client, postmortem))
    assert "Ada Renamed" in picker
    assert "Ada Author" not in picker
    # The picker lists active people only (accounts/selectors.py, active_people).
    author.is_active = False
    author.save(update_fields=["is_active"])
    assert "Ada Renamed" not in _authors_picker(_editor(client, postmortem))


def test_a_picker_given_people_by_id_alone_is_rendered_afresh(owner):
    from postmortems.forms import PostmortemDetailsForm

    template = Template(
        "{% load editor_row_tags %}{% row_cache form %}{{ form.authors }}{% endrow_cache %}"
    )
    form = PostmortemDetailsForm(initial={"authors": [owner.pk]})
    assert "Olivia Owner" in template.render(Context({"form": form}))
    owner.display_name = "Olivia Renamed"
    owner.save(update_fields=["display_name"])
    form = PostmortemDetailsForm(initial={"authors": [owner.pk]})
    assert "Olivia Renamed" in template.render(Context({"form": form}))


@time_machine.travel(NOON, tick=False)
def test_editing_rows_keeps_one_version_of_the_whole_list(client, owner, postmortem):
    client.force_login(owner)
    events = [TimelineEventFactory(postmortem=postmortem) for _ in range(3)]
    _editor(client, postmortem)
    kept = len(fragment_cache._fragments)
    for n, event in enumerate(events):
        TimelineEvent.objects.filter(pk=event.pk).update(text=f"Edited {n}")
        body = _editor(client, postmortem)
        assert f"Edited {n}" in _row(body, f"event-{event.code}")
    # Each edit keeps the changed row's new markup; the list's older version is dropped.
    assert len(fragment_cache._fragments) == kept + len(events)
