"""The private iCal feed of a person's open action items."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from lib.ical import escape_text, fold
from postmortems.models import ActionItem
from postmortems.notifications.calendar_feed import calendar_feed_url, calendar_token
from tests.factories import ActionItemFactory, IncidentFactory, PostmortemFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 4, 15, 0, tzinfo=dt.UTC)


def _path(user):
    return reverse("pm-calendar-feed", args=[calendar_token(user)])


def _unfold(body: str) -> list[str]:
    return body.replace("\r\n ", "").split("\r\n")


def _fetch(client, user):
    with time_machine.travel(NOW, tick=False):
        response = client.get(_path(user))
    assert response.status_code == 200
    return response


def test_the_feed_has_one_all_day_event_per_open_dated_item(client, owner, postmortem):
    item = ActionItemFactory(
        postmortem=postmortem, owner=owner, title="Raise pool size", due_date=dt.date(2026, 11, 20)
    )
    ActionItemFactory(postmortem=postmortem, owner=owner, due_date=None)  # no date: left out
    ActionItemFactory(
        postmortem=postmortem,
        owner=owner,
        status=ActionItem.Status.DONE,
        completed_at=NOW,
    )
    ActionItemFactory(postmortem=postmortem)  # someone else's
    response = _fetch(client, owner)  # no session: the token is the credential
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert body.endswith("END:VCALENDAR\r\n")
    lines = _unfold(body)
    assert lines.count("BEGIN:VEVENT") == 1
    incident = postmortem.incident
    assert f"UID:action-item-{item.code}@127.0.0.1" in lines
    assert "DTSTAMP:20261104T150000Z" in lines
    assert "DTSTART;VALUE=DATE:20261120" in lines
    assert "DTEND;VALUE=DATE:20261121" in lines
    assert "SUMMARY:Due: Raise pool size" in lines
    url = f"http://127.0.0.1:8000/incidents/{incident.reference}/postmortem/#actions"
    assert f"URL:{url}" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert f"Action item of {incident.reference}: {incident.title}\\n" in description
    assert description.endswith(f"\\n{url}")


def test_the_uid_stays_the_same_across_fetches_and_edits(client, owner, postmortem):
    item = ActionItemFactory(postmortem=postmortem, owner=owner)
    first = [x for x in _unfold(_fetch(client, owner).content.decode()) if x.startswith("UID:")]
    item.title = "Renamed"
    item.due_date += dt.timedelta(days=3)
    item.save()
    second = [x for x in _unfold(_fetch(client, owner).content.decode()) if x.startswith("UID:")]
    assert first == second == [f"UID:action-item-{item.code}@127.0.0.1"]


def test_text_is_escaped_and_long_lines_are_folded_at_75_octets(client, owner, postmortem):
    title = "Fix a, b; and c\\d — " + "ü" * 80
    ActionItemFactory(postmortem=postmortem, owner=owner, title=title[:200])
    body = _fetch(client, owner).content
    for line in body.split(b"\r\n"):
        assert len(line) <= 75
    text = body.decode()
    assert "SUMMARY:Due: Fix a\\, b\\; and c\\\\d — " + "ü" * 80 in _unfold(text)
    assert "\r\n " in text  # folded


def test_escaping_and_folding_rules():
    assert escape_text("a,b;c\\d\r\ne\nf\x07") == "a\\,b\\;c\\\\d\\ne\\nf"
    folded = fold("X" * 160)
    assert [len(part) for part in folded.split("\r\n")] == [75, 75, 12]
    assert all(part.startswith(" ") for part in folded.split("\r\n")[1:])
    multibyte = fold("€" * 30)  # 3 octets each: never split inside one
    for part in multibyte.split("\r\n"):
        assert len(part.encode()) <= 75
        part.encode().decode()
    assert multibyte.replace("\r\n ", "") == "€" * 30


def test_items_on_incidents_the_owner_may_no_longer_see_are_left_out(client, outsider, team):
    restricted = PostmortemFactory(incident=IncidentFactory(team=team, restricted=True))
    ActionItemFactory(postmortem=restricted, owner=outsider, title="Hidden work")
    visible = PostmortemFactory(incident=IncidentFactory(team=team))
    ActionItemFactory(postmortem=visible, owner=outsider, title="Visible work")
    body = _fetch(client, outsider).content.decode()
    assert "Visible work" in body
    assert "Hidden work" not in body


def test_a_bad_or_tampered_token_is_a_404(client, owner):
    good = calendar_token(owner)
    assert client.get(reverse("pm-calendar-feed", args=["nonsense"])).status_code == 404
    assert client.get(reverse("pm-calendar-feed", args=[good[:-2] + "xx"])).status_code == 404
    owner.is_active = False
    owner.save()
    assert client.get(reverse("pm-calendar-feed", args=[good])).status_code == 404


def test_the_profile_shows_the_link_and_a_new_link_revokes_the_old_one(client, owner):
    client.force_login(owner)
    old_url = calendar_feed_url(owner)
    assert old_url in client.get(reverse("accounts-profile")).content.decode()
    response = client.post(reverse("pm-calendar-renew"))
    assert response.status_code == 302
    new_url = calendar_feed_url(owner)
    assert new_url != old_url
    assert new_url in client.get(reverse("accounts-profile")).content.decode()
    client.logout()
    prefix = "http://127.0.0.1:8000"
    assert client.get(old_url.removeprefix(prefix)).status_code == 404
    assert client.get(new_url.removeprefix(prefix)).status_code == 200


def test_a_done_item_waiting_for_its_outcome_is_a_verify_event_on_its_date(
    client, owner, postmortem, django_assert_num_queries
):
    item = ActionItemFactory(
        postmortem=postmortem,
        owner=owner,
        title="Raise pool size",
        status=ActionItem.Status.DONE,
        completed_at=NOW,
        verify_on=dt.date(2026, 11, 18),
    )
    ActionItemFactory(  # its outcome is in: nothing left to verify
        postmortem=postmortem,
        owner=owner,
        status=ActionItem.Status.DONE,
        completed_at=NOW,
        verify_on=dt.date(2026, 11, 18),
        outcome="worked",
        outcome_at=NOW,
    )
    # making the link (the key); the request: the user, their key, the open items, the
    # items to verify
    with django_assert_num_queries(5):
        lines = _unfold(_fetch(client, owner).content.decode())
    assert lines.count("BEGIN:VEVENT") == 1
    assert f"UID:action-item-verify-{item.code}@127.0.0.1" in lines
    assert "SUMMARY:verify: Raise pool size" in lines
    assert "DTSTART;VALUE=DATE:20261118" in lines
    incident = postmortem.incident
    url = f"http://127.0.0.1:8000/incidents/{incident.reference}/postmortem/actions/{item.code}/outcome/"
    assert f"URL:{url}" in lines
