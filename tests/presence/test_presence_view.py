"""The editor's presence report: who else is here, as a line and as out-of-band swaps
into each section's slot; only for those who may edit the review."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from postmortems.presence.models import ReviewPresence

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(postmortem) -> str:
    return reverse("pm-presence", args=[postmortem.incident.number])


def _post(client, user, postmortem, **data):
    client.force_login(user)
    return client.post(_url(postmortem), data, **HTMX)


def _slot(html: str, name: str) -> str:
    match = re.search(
        rf'<span class="presence-slot" id="presence-{name}" hx-swap-oob="innerHTML">(.*?)</span>\n',
        html,
        re.S,
    )
    assert match, f"no slot for {name}"
    return match[1]


@time_machine.travel(NOON, tick=False)
def test_the_answer_names_the_others_and_fills_the_slot_of_the_section_they_edit(
    client, postmortem, owner, teammate, lead
):
    _post(client, teammate, postmortem, section="impact")
    _post(client, lead, postmortem, section="")

    response = _post(client, owner, postmortem, section="summary")

    assert response.status_code == 200
    html = response.content.decode()
    line = re.search(r'<p id="presence-people".*?</p>', html, re.S)
    assert line
    text = re.sub(r"<[^>]+>", "", line[0])
    assert text == "Also here: Lena Lead, Tariq Teammate (editing Impact)"
    assert "Olivia Owner" not in html  # not oneself
    impact = _slot(html, "impact")
    assert 'title="Tariq Teammate"' in impact
    assert '<span aria-hidden="true">TT</span>' in impact
    assert "Tariq Teammate is editing this" in impact
    # Every other section's slot is cleared, the timeline's and action items' too.
    for name in ("summary", "contributing_factors", "lessons", "timeline", "actions"):
        assert _slot(html, name) == ""
    assert 'data-presence-interval="10"' in html


@time_machine.travel(NOON, tick=False)
def test_alone_the_line_is_empty(client, postmortem, owner):
    html = _post(client, owner, postmortem, section="impact").content.decode()
    assert (
        '<p id="presence-people" class="presence__people" data-presence-interval="10"></p>' in html
    )
    assert ReviewPresence.objects.get().section == "impact"


def test_names_are_escaped(client, postmortem, owner, teammate):
    teammate.display_name = "<b>Tariq</b>"
    teammate.save()
    _post(client, teammate, postmortem, section="impact")
    html = _post(client, owner, postmortem).content.decode()
    assert "<b>Tariq</b>" not in html
    assert "&lt;b&gt;Tariq&lt;/b&gt;" in html


def test_leaving_deletes_the_row_and_answers_nothing(client, postmortem, owner, teammate):
    _post(client, teammate, postmortem, section="impact")
    _post(client, owner, postmortem, section="impact")
    client.force_login(owner)
    # The beacon: a plain form post with the token, no htmx header.
    response = client.post(_url(postmortem), {"left": "1", "section": "impact"})

    assert response.status_code == 204
    assert list(ReviewPresence.objects.values_list("user_id", flat=True)) == [teammate.pk]
    assert "Olivia Owner" not in _post(client, teammate, postmortem).content.decode()


def test_a_restricted_review_is_not_found_for_an_outsider(client, postmortem, outsider):
    postmortem.incident.restricted = True
    postmortem.incident.save()
    response = _post(client, outsider, postmortem, section="impact")
    assert response.status_code == 404
    assert not ReviewPresence.objects.exists()


def test_a_get_goes_back_to_the_editor(client, postmortem, owner):
    client.force_login(owner)
    response = client.get(_url(postmortem))
    assert response.status_code == 302
    assert response["Location"] == reverse("pm-postmortem-edit", args=[postmortem.incident.number])


@time_machine.travel(NOON, tick=False)
def test_a_poll_costs_a_fixed_number_of_queries_and_writes_at_most_once(
    client, postmortem, owner, teammate, lead, django_assert_num_queries
):
    _post(client, teammate, postmortem, section="impact")
    _post(client, lead, postmortem, section="timeline")
    client.force_login(owner)
    # Arriving: session, user, review (with its incident and access), who is here,
    # and one atomic prune + upsert (with its savepoint).
    with django_assert_num_queries(8):
        client.post(_url(postmortem), {"section": "summary"}, **HTMX)
    # The same report within 10 s: the read only, no write.
    with django_assert_num_queries(4):
        client.post(_url(postmortem), {"section": "summary"}, **HTMX)
    # Another section: one upsert (no prune: this person was here).
    with django_assert_num_queries(7):
        client.post(_url(postmortem), {"section": "impact"}, **HTMX)


def test_the_editor_has_the_presence_line_and_a_slot_beside_each_section(client, postmortem, owner):
    client.force_login(owner)
    html = client.get(reverse("pm-postmortem-edit", args=[postmortem.incident.number])).content
    html = html.decode()
    assert 'id="presence"' in html
    assert "js/presence" in html
    assert html.count('class="presence-slot"') == 9
    for name in ("impact", "timeline", "actions"):
        assert f'data-section="{name}"' in html
        assert f'id="presence-{name}"' in html
