"""The editor's timeline and action item rows: links filled into patterns reversed once,
times formatted once per row in the viewer's zone, the same markup as before."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.factories import ActionItemFactory, TimelineEventFactory

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def signed_in(client, owner):
    owner.time_zone = "Europe/Berlin"
    owner.save(update_fields=["time_zone"])
    client.force_login(owner)
    return client


def _url(name, number, code):
    return reverse(name, args=[number, code])


@time_machine.travel(dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC), tick=False)
def test_each_row_links_to_its_own_pages_and_shows_the_viewers_time(signed_in, postmortem):
    number = postmortem.incident.number
    late = TimelineEventFactory(
        postmortem=postmortem,
        kind="mitigation",
        occurred_at=dt.datetime(2026, 11, 17, 22, 30, tzinfo=dt.UTC),  # 23:30 in Berlin
    )
    other = TimelineEventFactory(
        postmortem=postmortem,
        kind="detection",
        occurred_at=dt.datetime(2026, 11, 17, 21, 5, tzinfo=dt.UTC),
    )
    item = ActionItemFactory(postmortem=postmortem, due_date=dt.date(2026, 11, 10))
    idea = ActionItemFactory(postmortem=postmortem, status="idea", owner=None, due_date=None)

    body = signed_in.get(reverse("pm-postmortem-edit", args=[number])).content.decode()

    for event in (late, other):
        for name in ("pm-event-kind", "pm-event-edit", "pm-event-delete"):
            assert body.count(f'"{_url(name, number, event.code)}"') == 2
    late_row = body.split(f'id="event-{late.code}"', 1)[1].split('<li id="', 1)[0]
    assert '<time datetime="2026-11-17T23:30:00+01:00">Nov 17, 23:30</time>' in late_row
    assert late_row.count("event at 23:30") == 4
    assert f'for="kind-{late.code}">Kind of the event at 23:30</label>' in late_row
    options = re.findall(r"<option[^>]*>[^<]*</option>", late_row.split("</select>", 1)[0])
    assert len(options) == 7
    assert '<option value="mitigation" selected>Mitigation</option>' in options
    assert sum(" selected" in option for option in options) == 1
    other_row = body.split(f'id="event-{other.code}"', 1)[1].split('<li id="', 1)[0]
    assert '<option value="detection" selected>Detection</option>' in other_row
    assert "Nov 17, 22:05" in other_row

    item_row = body.split(f'id="item-{item.code}"', 1)[1].split('<li id="', 1)[0]
    assert "action-item--overdue" in item_row.split(">", 1)[0]
    assert '<time datetime="2026-11-10">Nov 10, 2026</time>' in item_row
    assert '<span class="overdue">Overdue</span>' in item_row
    for name in ("pm-action-history", "pm-action-tracker"):
        assert f'href="{_url(name, number, item.code)}"' in item_row
    for name in ("pm-action-edit", "pm-action-delete"):
        assert item_row.count(f'"{_url(name, number, item.code)}"') == 2
    idea_row = body.split(f'id="item-{idea.code}"', 1)[1].split('<li id="', 1)[0]
    for name in ("pm-action-commit", "pm-action-edit", "pm-action-delete"):
        assert idea_row.count(f'"{_url(name, number, idea.code)}"') == 2
    assert f'href="{_url("pm-action-history", number, idea.code)}"' in idea_row
