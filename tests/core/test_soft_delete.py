"""Deleting an incident hides it everywhere; admins restore it for 30 days, then it is purged."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from postmortems.models import Incident, Postmortem, SearchEntry
from postmortems.notifications.reminders import reminders_sweep
from postmortems.services.incidents import incident_delete, incident_restore
from postmortems.tasks import purge_deleted_incidents
from tests.api.conftest import ApiClient, token_for
from tests.archive.test_feeds import _titles
from tests.factories import ActionItemFactory, IncidentFactory, PostmortemFactory, review

NOW = dt.datetime(2025, 3, 12, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def published(team, owner):
    postmortem = review(team=team, title="Cache stampede", owner=owner)
    from postmortems.services.search_index import index_postmortem

    index_postmortem(postmortem.pk)
    ActionItemFactory(
        postmortem=postmortem, owner=owner, due_date=dt.date(2020, 1, 1), title="Overdue fix"
    )
    return postmortem


def _surfaces(client, user, number: int) -> dict[str, bool]:
    """Whether incident `number` shows on each surface for `user`."""
    client.force_login(user)
    ref = f"INC-{number}"
    api = ApiClient(token_for(user)).get(reverse("pm-api:incidents")).json()
    dashboard = client.get(reverse("pm-dashboard"), {"team": "platform"})
    return {
        "list": ref in client.get(reverse("pm-incident-list")).content.decode(),
        "detail": client.get(reverse("pm-incident-detail", args=[number])).status_code == 200,
        "postmortem": client.get(reverse("pm-postmortem-detail", args=[number])).status_code == 200,
        "archive": "Cache stampede"
        in client.get(reverse("pm-archive"), {"q": "stampede"}).content.decode(),
        "feed": "Cache stampede" in " ".join(_titles(client, user)),
        "dashboard": "Overdue fix" in dashboard.content.decode(),
        "my work": "Overdue fix" in client.get(reverse("pm-my-work")).content.decode(),
        "api": number in [item["number"] for item in api["items"]],
    }


def test_a_deleted_incident_disappears_from_every_surface_and_restore_brings_it_back(
    client, published, owner, admin_user, settings
):
    settings.SITE_URL = "https://pm.example.com"
    number = published.incident.number
    everywhere = dict.fromkeys(_surfaces(client, owner, number), True)
    assert _surfaces(client, owner, number) == everywhere
    # The admin owns no action item: "my work" is the owner's page.
    assert _surfaces(client, admin_user, number) == {**everywhere, "my work": False}

    incident_delete(incident=published.incident, by=admin_user)

    nowhere = dict.fromkeys(everywhere, False)
    assert _surfaces(client, owner, number) == nowhere
    assert _surfaces(client, admin_user, number) == nowhere
    assert not SearchEntry.objects.filter(postmortem=published).exists()
    assert not Incident.objects.filter(number=number).exists()

    incident_restore(incident=Incident.all_objects.get(number=number), by=admin_user)

    assert _surfaces(client, owner, number) == everywhere
    assert SearchEntry.objects.filter(postmortem=published, published=True).exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="incident_")
        .order_by("at", "id")
        .values_list("action", "actor")
    )
    assert actions == [
        (AuditEvent.Action.INCIDENT_DELETED, admin_user.pk),
        (AuditEvent.Action.INCIDENT_RESTORED, admin_user.pk),
    ]


def test_the_reminder_sweep_skips_deleted_incidents(frozen, team, owner, admin_user):
    incident = IncidentFactory(
        team=team, owner=owner, started_at=NOW - dt.timedelta(hours=30),
        detected_at=None, mitigated_at=None, resolved_at=NOW - dt.timedelta(hours=26),
    )  # fmt: skip
    incident_delete(incident=incident, by=admin_user)
    assert reminders_sweep(now=NOW).emails == []
    incident_restore(incident=incident, by=admin_user)
    assert [e.incident for e in reminders_sweep(now=NOW).emails] == [incident]


def test_an_admin_deletes_from_the_incident_page_after_confirming(client, incident, admin_user):
    client.force_login(admin_user)
    detail = client.get(reverse("pm-incident-detail", args=[incident.number])).content.decode()
    delete_url = reverse("pm-incident-delete", args=[incident.number])
    assert f'href="{delete_url}"' in detail

    confirm = client.get(delete_url)
    assert confirm.status_code == 200
    assert Incident.objects.filter(pk=incident.pk).exists()  # asking deletes nothing

    response = client.post(delete_url)

    assert response.status_code == 302
    assert response["Location"] == reverse("pm-incident-list")
    deleted = Incident.all_objects.get(pk=incident.pk)
    assert deleted.deleted_by == admin_user
    assert deleted.deleted_at is not None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.INCIDENT_DELETED).count() == 1


@pytest.mark.parametrize("persona", ["owner", "teammate", "lead", "author", "outsider"])
def test_only_admins_delete(client, request, postmortem, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    number = postmortem.incident.number
    detail = client.get(reverse("pm-incident-detail", args=[number])).content.decode()
    assert "Delete incident" not in detail
    response = client.post(reverse("pm-incident-delete", args=[number]))
    assert response.status_code == 403
    assert Incident.objects.filter(number=number).exists()


def test_admins_find_and_restore_deleted_incidents_in_the_admin(
    client, frozen, incident, admin_user, lead
):
    incident_delete(incident=incident, by=admin_user)
    changelist = reverse("admin:postmortems_incident_changelist")
    client.force_login(admin_user)
    assert incident.title not in client.get(changelist).content.decode()
    assert incident.title in client.get(changelist, {"deleted": "recent"}).content.decode()
    changelist += "?deleted=recent"  # the action applies to the rows the filter shows

    # A staff member who is not an admin may not restore.
    lead.is_staff = True
    lead.save()
    client.force_login(lead)
    client.post(changelist, {"action": "restore", "_selected_action": [incident.pk]})
    assert Incident.all_objects.get(pk=incident.pk).deleted_at is not None

    client.force_login(admin_user)
    response = client.post(changelist, {"action": "restore", "_selected_action": [incident.pk]})

    assert response.status_code == 302
    assert Incident.objects.filter(pk=incident.pk).exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.INCIDENT_RESTORED, actor=admin_user
    ).exists()


def test_deleting_in_the_admin_is_the_soft_delete(client, incident, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:postmortems_incident_delete", args=[incident.pk])
    client.post(url, {"post": "yes"})
    assert Incident.all_objects.get(pk=incident.pk).deleted_by == admin_user


def test_the_purge_removes_incidents_deleted_over_30_days_ago_only(team, admin_user):
    old = PostmortemFactory(incident=IncidentFactory(team=team)).incident
    recent = IncidentFactory(team=team)
    with time_machine.travel(NOW - dt.timedelta(days=31), tick=False):
        incident_delete(incident=old, by=admin_user)
    with time_machine.travel(NOW - dt.timedelta(days=29), tick=False):
        incident_delete(incident=recent, by=admin_user)

    with time_machine.travel(NOW, tick=False):
        assert purge_deleted_incidents.apply().get() == 1

    assert list(Incident.all_objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Postmortem.objects.filter(incident_id=old.pk).exists()
    purged = AuditEvent.objects.get(action=AuditEvent.Action.INCIDENT_PURGED)
    assert purged.target_id == str(old.pk)
    assert purged.at == NOW


def test_a_new_incident_never_takes_a_deleted_incidents_number(team, admin_user):
    from postmortems.services.incidents import incident_create

    first = incident_create(by=None, title="First", team=team, started_at=timezone.now())
    incident_delete(incident=first, by=admin_user)
    second = incident_create(by=None, title="Second", team=team, started_at=timezone.now())
    assert second.number == first.number + 1
