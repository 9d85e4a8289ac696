"""ActionItem.team, the copy of the incident's team that the dashboard filters on."""

import importlib
import threading
import time
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.urls import reverse

from accounts.models import Team
from postmortems.models import ActionItem, Incident, Postmortem
from postmortems.permissions import visible_incidents
from postmortems.services.actions import action_item_create
from postmortems.services.incidents import incident_update
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    MembershipFactory,
    PostmortemFactory,
    TeamFactory,
    UserFactory,
)


def _teams(incident) -> list[str]:
    return sorted(
        ActionItem.objects.filter(postmortem__incident=incident).values_list(
            "team__slug", flat=True
        )
    )


def test_a_new_action_item_takes_its_incidents_team(postmortem, owner):
    item = action_item_create(postmortem=postmortem, by=owner, title="Add a canary", owner=owner)

    item.refresh_from_db()
    assert item.team == postmortem.incident.team


def test_moving_an_incident_to_another_team_moves_its_action_items(
    client, incident, other_team, owner, lead, outsider
):
    postmortem = PostmortemFactory(incident=incident)
    ActionItemFactory.create_batch(2, postmortem=postmortem, title="Fix the retry storm")
    elsewhere = ActionItemFactory(title="Another incident's item")  # stays where it is
    assert _teams(incident) == ["platform", "platform"]

    incident.team = other_team
    incident_update(incident=incident, expected_revision=incident.revision)

    assert _teams(incident) == ["payments", "payments"]
    elsewhere.refresh_from_db()
    assert elsewhere.team != other_team
    # The dashboards follow: the new team's members see the items, the old team's lead not.
    client.force_login(outsider)
    assert client.get(reverse("pm-dashboard")).context["counts"]["open"] == 2
    client.force_login(lead)
    assert client.get(reverse("pm-dashboard")).context["counts"]["open"] == 0


def test_an_item_added_from_a_page_loaded_before_a_move_takes_the_new_team(
    postmortem, owner, other_team
):
    """The view loaded the postmortem (and its incident's team) before someone moved
    the incident: the copy is taken as the row is when the item is written."""
    loaded = Postmortem.objects.select_related("incident").get(pk=postmortem.pk)
    incident = Incident.objects.get(pk=postmortem.incident_id)
    incident.team = other_team
    incident_update(incident=incident, expected_revision=incident.revision)

    item = action_item_create(postmortem=loaded, by=owner, title="Add a canary")

    assert ActionItem.objects.get(pk=item.pk).team == other_team


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_an_item_added_while_its_incident_moves_to_another_team_moves_with_it(
    postgres, postmortem, owner, other_team
):
    """PostgreSQL, two connections: an item is written (not yet committed) with the
    old team when the move starts. The move waits for the postmortem's lock, then
    moves the item; before, it moved the items it could see and missed this one."""
    created, moved = threading.Event(), []

    def add_item() -> None:
        try:
            with transaction.atomic():  # held open until the move is waiting
                action_item_create(postmortem=postmortem, by=owner, title="Add a canary")
                created.set()
                deadline = time.monotonic() + 5
                while not _waiting_for_a_lock() and time.monotonic() < deadline:
                    time.sleep(0.02)
        finally:
            created.set()
            connection.close()

    def move() -> None:
        try:
            created.wait(timeout=10)
            incident = Incident.objects.get(pk=postmortem.incident_id)
            incident.team = other_team
            moved.append(incident_update(incident=incident, expected_revision=incident.revision))
        finally:
            connection.close()

    threads = [threading.Thread(target=add_item), threading.Thread(target=move)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert moved
    assert _teams(postmortem.incident) == ["payments"]


def test_moving_an_incident_in_the_admin_moves_its_action_items(
    client, admin_user, incident, other_team
):
    ActionItemFactory(postmortem=PostmortemFactory(incident=incident))
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:postmortems_incident_change", args=[incident.pk]),
        {
            "title": incident.title, "severity": incident.severity, "status": incident.status,
            "team": other_team.pk, "owner": "", "description": "",
            "started_at_0": "2026-11-02", "started_at_1": "09:00:00",
            "postmortem_not_needed_reason": "",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert _teams(incident) == ["payments"]


def test_an_action_item_added_in_the_admin_takes_the_incidents_team(client, admin_user, postmortem):
    client.force_login(admin_user)
    url = reverse("admin:postmortems_postmortem_change", args=[postmortem.pk])
    page = client.get(url)
    data = {"status": postmortem.status, "summary": postmortem.summary}
    data["authors"] = [user.pk for user in postmortem.authors.all()]
    for formset in page.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    prefix = next(
        f.formset.prefix
        for f in page.context["inline_admin_formsets"]
        if f.opts.model is ActionItem
    )
    data |= {
        f"{prefix}-TOTAL_FORMS": "1",
        f"{prefix}-0-title": "Page the database team on replica lag",
        f"{prefix}-0-priority": "medium",
        f"{prefix}-0-status": "open",
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    item = ActionItem.objects.get(title="Page the database team on replica lag")
    assert item.team == postmortem.incident.team


def test_the_migration_gives_every_existing_item_its_incidents_team(team, other_team):
    """The backfill of 0017_action_item_team, run on items whose copy is wrong."""
    items = [
        ActionItemFactory(postmortem=PostmortemFactory(incident=IncidentFactory(team=t)))
        for t in (team, other_team, team)
    ]
    stray = TeamFactory(slug="stray")
    ActionItem.objects.update(team=stray)
    migration = importlib.import_module("postmortems.migrations.0017_action_item_team")

    # The function reads only the editor's connection (a real schema editor cannot
    # open inside the test's transaction on SQLite).
    migration.backfill_teams(None, SimpleNamespace(connection=connection))

    assert [ActionItem.objects.get(pk=item.pk).team.slug for item in items] == [
        "platform",
        "payments",
        "platform",
    ]


def test_every_dashboard_scope_sees_every_incident_of_its_teams(
    client, team, other_team, owner, lead, outsider, admin_user
):
    """DashboardScope.sees_everything lets the dashboard skip the visibility filter:
    true only because each scope a user can open holds incidents they all may see."""
    loner = UserFactory(display_name="Lou Loner")
    both = MembershipFactory(team=other_team, user=MembershipFactory(team=team).user).user
    for t in (team, other_team):
        IncidentFactory(team=t, restricted=True)
        IncidentFactory(team=t)
    keys = {"": None, "platform": team, "payments": other_team, "all": None}
    for user in (owner, lead, outsider, both, admin_user, loner):
        client.force_login(user)
        for key in keys:
            response = client.get(reverse("pm-dashboard"), {"team": key})
            if response.status_code == 404:
                continue
            scope = response.context["scope"]
            assert scope.sees_everything
            teams = Team.objects.all() if scope.teams is None else scope.teams
            shown = visible_incidents(user).filter(team__in=teams).count()
            assert shown == Incident.objects.filter(team__in=teams).count()
