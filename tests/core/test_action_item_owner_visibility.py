"""An action item of a restricted incident cannot be given to someone who may not see
that incident (it would vanish from all their pages): the editor, the API, quick
reassign and the admin refuse it, with the reason."""

import pytest
from django.urls import reverse

from postmortems.models import ActionItem
from tests.api.conftest import ApiClient, token_for
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db
REFUSED = "cannot see this restricted incident"


@pytest.fixture
def restricted(postmortem):
    postmortem.incident.restricted = True
    postmortem.incident.save()
    return postmortem


def _add(client, postmortem, owner):
    url = reverse("pm-action-add", args=[postmortem.incident.number])
    return client.post(
        url,
        {
            "new-item-title": "Alert on pool saturation",
            "new-item-owner": owner.pk,
            "new-item-priority": "high",
            "new-item-status": "open",
        },
    )


def test_the_editor_refuses_an_owner_who_cannot_see_the_restricted_incident(
    client, owner, outsider, restricted
):
    client.force_login(owner)
    response = _add(client, restricted, outsider)
    assert response.status_code == 400  # the form again, with its errors
    assert REFUSED in response.content.decode()
    assert not ActionItem.objects.exists()


def test_the_editor_accepts_the_team_and_the_authors_and_anyone_when_not_restricted(
    client, owner, teammate, author, outsider, restricted
):
    client.force_login(owner)
    assert _add(client, restricted, teammate).status_code == 302
    assert _add(client, restricted, author).status_code == 302  # another team, an author
    restricted.incident.restricted = False
    restricted.incident.save()
    assert _add(client, restricted, outsider).status_code == 302
    assert ActionItem.objects.count() == 3


def test_the_api_refuses_such_an_owner_on_create_and_on_change(owner, outsider, restricted):
    api = ApiClient(token_for(owner))
    path = f"/api/v1/incidents/{restricted.incident.number}/postmortem/actions"
    added = api.post(path, {"title": "Rotate keys", "owner": outsider.email})
    assert added.status_code == 422
    assert REFUSED in added.json()["errors"]["owner"][0]
    created = api.post(path, {"title": "Rotate keys", "owner": owner.email}).json()
    changed = api.patch(f"{path}/{created['code']}", {"revision": 0, "owner": outsider.email})
    assert changed.status_code == 422
    assert REFUSED in changed.json()["errors"]["owner"][0]
    assert ActionItem.objects.get().owner == owner


def test_an_item_already_owned_by_such_a_person_can_still_be_edited(owner, outsider, restricted):
    item = ActionItemFactory(postmortem=restricted, owner=outsider)
    api = ApiClient(token_for(owner))
    path = f"/api/v1/incidents/{restricted.incident.number}/postmortem/actions/{item.code}"
    response = api.patch(path, {"revision": item.revision, "title": "Rotate the keys"})
    assert response.status_code == 200


def test_the_admin_refuses_such_an_owner(client, admin_user, outsider, owner, restricted):
    item = ActionItemFactory(postmortem=restricted, owner=owner)
    client.force_login(admin_user)
    url = reverse("admin:postmortems_actionitem_change", args=[item.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["owner"] = outsider.pk
    response = client.post(url, data)
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    item.refresh_from_db()
    assert item.owner == owner
