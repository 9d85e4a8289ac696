"""The people pickers on the pages, without JavaScript: the page renders only the
people picked, and names or email addresses typed into a plain form are resolved."""

import pytest
from django.urls import reverse

from postmortems.models import ActionItem, Rotation, RotationMember
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def joannas(db):
    return (
        UserFactory(display_name="Joanna Berg", email="joanna.berg@example.com"),
        UserFactory(display_name="Joanna Moss", email="joanna.moss@example.com"),
    )


def _edit(postmortem) -> str:
    return reverse("pm-postmortem-edit", args=[postmortem.incident.number])


def test_the_editor_renders_the_authors_as_chips_and_no_directory(
    client, owner, postmortem, joannas
):
    for _ in range(20):
        UserFactory()
    client.force_login(owner)
    html = client.get(_edit(postmortem)).content.decode()
    assert "<option" not in html.split('id="details"')[1].split("</form>")[0]
    assert f'name="authors" value="{postmortem.authors.get().pk}"' in html
    assert "Joanna" not in html
    assert 'name="new-item-owner_text"' in html


def test_authors_typed_as_names_and_emails_are_saved(client, owner, postmortem, joannas):
    berg, moss = joannas
    client.force_login(owner)
    url = reverse("pm-postmortem-details", args=[postmortem.incident.number])
    kept = postmortem.authors.get()
    response = client.post(
        url, {"authors": [kept.pk], "authors_text": "joanna.moss@example.com", "tags": ""}
    )
    assert response.status_code == 302
    assert set(postmortem.authors.all()) == {kept, moss}

    # An ambiguous name comes back as choices, with what was typed kept.
    response = client.post(url, {"authors": [kept.pk], "authors_text": "joanna", "tags": "dns"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Several people match “joanna”" in html
    assert f'type="checkbox" name="authors" value="{berg.pk}"' in html
    assert 'name="authors_text" value="joanna"' in html
    assert 'value="dns"' in html
    response = client.post(
        url, {"authors": [kept.pk, berg.pk], "authors_text": "joanna", "tags": "dns"}
    )
    assert response.status_code == 302
    assert set(postmortem.authors.all()) == {kept, berg}


def test_an_action_item_owner_typed_by_name_is_saved(client, owner, postmortem, joannas):
    _berg, moss = joannas
    client.force_login(owner)
    url = reverse("pm-action-add", args=[postmortem.incident.number])
    data = {
        "new-item-title": "Alert on pool saturation",
        "new-item-owner_text": "nobody like this",
        "new-item-priority": "high",
        "new-item-status": "open",
    }
    response = client.post(url, data)
    assert "No active person matches “nobody like this”" in response.content.decode()
    assert not ActionItem.objects.exists()
    response = client.post(url, {**data, "new-item-owner_text": "Joanna Moss"})
    assert response.status_code == 302
    assert ActionItem.objects.get().owner == moss


def test_the_incident_owner_is_the_chosen_person_and_can_be_changed_by_email(
    client, owner, teammate, incident
):
    client.force_login(owner)
    url = reverse("pm-incident-edit", args=[incident.number])
    html = client.get(url).content.decode()
    assert f'type="checkbox" name="owner" value="{owner.pk}"' in html
    assert f"{owner.display_name} ({owner.email})" in html


def test_an_oncall_person_is_typed_and_searched_within_the_team(client, lead, team, teammate):
    stranger = UserFactory(display_name="Tess Stranger")
    rotation = Rotation.objects.create(team=team, name="Primary", starts_on="2026-10-05")
    MembershipFactory(team=team, user=UserFactory(display_name="Tess Teammate"))
    client.force_login(lead)
    url = reverse("pm-oncall-members", args=[team.slug, rotation.code])
    page = client.get(reverse("pm-oncall-rotation-edit", args=[team.slug, rotation.code]))
    assert f'data-search-url="{reverse("accounts-people")}?team={team.slug}"' in (
        page.content.decode()
    )
    assert client.post(url, {"user_text": stranger.email}).status_code == 400
    assert client.post(url, {"user_text": "tess"}).status_code == 302
    assert RotationMember.objects.get().user.display_name == "Tess Teammate"
