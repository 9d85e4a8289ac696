"""Two people edit the same thing at once: the second save never overwrites the first.

Each test opens the editor in two sessions (two Clients, two people), saves from the
first, then from the second: the second is refused with a conflict view that shows
both versions and keeps what the second person typed, and the database keeps the
first save until the second person saves their merge.
"""

import html
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from postmortems.models import ActionItem, SectionRevision, TimelineEvent
from tests.factories import ActionItemFactory, TimelineEventFactory

pytestmark = pytest.mark.django_db
HTMX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


def _session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _hidden(body: str, form_id: str, name: str) -> str:
    # The section (the document's <section id=...>) shown as its form: ?edit=<name>.
    form = re.search(rf'<section id="{form_id}".*?</form>', body, re.S).group(0)
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', form).group(1))


def _open_section(client, postmortem, section="summary") -> dict:
    url = reverse("pm-postmortem-edit", args=[postmortem.incident.number])
    body = client.get(f"{url}?edit={section}").content.decode()
    form_id = f"section-{section}"
    return {name: _hidden(body, form_id, name) for name in ("base", "editor")}


def _section_url(postmortem, section="summary"):
    return reverse("pm-section-save", args=[postmortem.incident.number, section])


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_the_second_of_two_section_saves_gets_the_conflict_view(postmortem, owner, teammate, htmx):
    olivia, tariq = _session(owner), _session(teammate)
    olivias_form, tariqs_form = _open_section(olivia, postmortem), _open_section(tariq, postmortem)
    headers: dict[str, Any] = HTMX if htmx else {}

    first = olivia.post(
        _section_url(postmortem), {**olivias_form, "text": "Olivia's summary <b>."}, **headers
    )
    assert first.status_code == (200 if htmx else 302)
    second = tariq.post(
        _section_url(postmortem), {**tariqs_form, "text": "Tariq's summary & more."}, **headers
    )

    body = second.content.decode()
    assert second.status_code == 200
    assert "Someone else saved this section" in body
    assert "saved by Olivia Owner" in body
    assert "Olivia&#x27;s summary &lt;b&gt;." in body  # theirs, escaped, in the source view
    assert "Tariq&#x27;s summary &amp; more.</textarea>" in body  # yours, in the editor
    assert 'class="diff"' in body
    assert "<ins>Tariq&#x27;s </ins>summary " in body
    postmortem.refresh_from_db()
    assert postmortem.summary == "Olivia's summary <b>."

    # The merge is saved against the version now shown: it goes through.
    merged = {"base": _hidden(body, "section-summary", "base"), "editor": tariqs_form["editor"]}
    tariq.post(_section_url(postmortem), {**merged, "text": "Merged summary."}, **headers)
    postmortem.refresh_from_db()
    assert postmortem.summary == "Merged summary."
    revisions = SectionRevision.objects.filter(postmortem=postmortem, section="summary")
    assert [(r.number, r.author_id) for r in revisions.order_by("number")] == [
        (1, None),
        (2, owner.pk),
        (3, teammate.pk),
    ]


def test_an_autosave_answers_json_with_the_new_base(postmortem, owner):
    client = _session(owner)
    form = _open_section(client, postmortem)
    response = client.post(
        _section_url(postmortem), {**form, "text": "Typed so far", "action": "autosave"}
    )
    assert response.status_code == 200
    answer = json.loads(response.content)
    assert answer["revision"] == 2
    assert answer["saved"].startswith("Saved ")
    postmortem.refresh_from_db()
    assert postmortem.summary == "Typed so far"
    latest = SectionRevision.objects.get(postmortem=postmortem, section="summary", number=2)
    assert latest.kind == "autosave"

    # The next autosave of the same editor, on the new base, joins the same revision.
    client.post(
        _section_url(postmortem),
        {**form, "base": answer["base"], "text": "Typed so far, more", "action": "autosave"},
    )
    latest.refresh_from_db()
    assert latest.text == "Typed so far, more"
    assert SectionRevision.objects.filter(postmortem=postmortem).count() == 2


def test_an_autosave_in_conflict_answers_409_with_the_conflict_view(postmortem, owner, teammate):
    olivia, tariq = _session(owner), _session(teammate)
    olivias_form, tariqs_form = _open_section(olivia, postmortem), _open_section(tariq, postmortem)
    olivia.post(_section_url(postmortem), {**olivias_form, "text": "Olivia's words."})

    response = tariq.post(
        _section_url(postmortem), {**tariqs_form, "text": "Tariq typing", "action": "autosave"}
    )

    assert response.status_code == 409
    body = response.content.decode()
    # The whole section, swapped in place: its form shows the conflict view.
    assert body.lstrip().startswith('<section id="section-summary"')
    assert "data-autosave" not in body  # the conflict view waits for an explicit save
    assert "Olivia&#x27;s words." in body
    assert "Tariq typing</textarea>" in body
    postmortem.refresh_from_db()
    assert postmortem.summary == "Olivia's words."


def _edit_form(client, url) -> str:
    return client.get(url, **HTMX).content.decode()


def test_the_second_of_two_timeline_event_edits_gets_the_conflict_view(postmortem, owner, teammate):
    event = TimelineEventFactory(postmortem=postmortem, text="Alert fired.")
    url = reverse("pm-event-edit", args=[postmortem.incident.number, event.code])
    olivia, tariq = _session(owner), _session(teammate)
    for client in (olivia, tariq):
        assert f'name="{event.code}-revision" value="0"' in _edit_form(client, url)
    fields = {f"{event.code}-occurred_at": "2026-11-02T09:05", f"{event.code}-kind": "detection"}

    olivia.post(
        url,
        {**fields, f"{event.code}-text": "Alert fired at 09:05.", f"{event.code}-revision": "0"},
        **HTMX,
    )
    second = tariq.post(
        url,
        {**fields, f"{event.code}-text": "Pager <went> off.", f"{event.code}-revision": "0"},
        **HTMX,
    )

    body = second.content.decode()
    assert "Someone else changed this" in body
    assert "Alert fired at 09:05." in body  # theirs
    assert "Pager &lt;went&gt; off.</textarea>" in body  # yours, kept
    assert "<ins>Pager &lt;went&gt; off.</ins>" in body
    event.refresh_from_db()
    assert (event.text, event.revision) == ("Alert fired at 09:05.", 1)

    # Saving again from the conflict view (now on revision 1) replaces theirs.
    tariq.post(
        url, {**fields, f"{event.code}-text": "Merged.", f"{event.code}-revision": "1"}, **HTMX
    )
    event.refresh_from_db()
    assert (event.text, event.revision) == ("Merged.", 2)
    assert TimelineEvent.objects.count() == 1


def test_the_second_of_two_action_item_edits_gets_the_conflict_view(postmortem, owner, teammate):
    item = ActionItemFactory(postmortem=postmortem, title="Add an alert", description="Pool alert.")
    url = reverse("pm-action-edit", args=[postmortem.incident.number, item.code])
    olivia, tariq = _session(owner), _session(teammate)
    for client in (olivia, tariq):
        assert f'name="{item.code}-revision" value="0"' in _edit_form(client, url)
    p = f"{item.code}-"
    fields = {
        p + "priority": "high",
        p + "type": "detect",
        p + "status": "open",
        p + "revision": "0",
    }

    olivia.post(
        url, {**fields, p + "title": "Alert on pool saturation", p + "description": "Page at 90%."}
    )
    second = tariq.post(
        url, {**fields, p + "title": "Alert on pool use", p + "description": "Warn at 80%."}
    )

    body = second.content.decode()
    assert second.status_code == 400  # without JavaScript: the edit page, with errors
    assert "Someone else changed this" in body
    assert "Alert on pool saturation" in body  # their title
    assert "Page at 90%." in body  # their description
    assert 'value="Alert on pool use"' in body  # yours, kept in the form
    assert "Warn at 80%.</textarea>" in body
    item.refresh_from_db()
    assert (item.title, item.description, item.revision) == (
        "Alert on pool saturation",
        "Page at 90%.",
        1,
    )
    assert ActionItem.objects.count() == 1
