"""Titles, names, tags, reasons and services are single lines: line breaks become
spaces and bidirectional controls are dropped, in the pages' forms, the API (which
parses with the same forms) and the alert receivers (accounts/single_line.py)."""

import pytest
from django.urls import reverse

from accounts.models import Team
from postmortems.models import ActionItem, AlertIntegration, ApiToken, Incident, Service, Tag
from tests.alerting.support import alertmanager, make_hook, payload
from tests.api.conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db

# A title pasted with a line break and a right-to-left override: "exe.txt" that
# displays as "txt.exe", and a second line that would start a new header or CSV row.
HOSTILE = "Invoice\r\nBcc: all@example.com \u202eexe.txt\u2066\u2069\u2028end"
CLEAN = "Invoice Bcc: all@example.com exe.txt end"


def test_the_incident_form_keeps_a_title_on_one_line(client, owner, team):
    client.force_login(owner)
    response = client.post(
        reverse("pm-incident-create"),
        {
            "title": HOSTILE,
            "severity": "SEV2",
            "status": "investigating",
            "team": team.pk,
            "owner": owner.pk,
            "started_at": "2026-07-01T10:00",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Incident.objects.get().title == CLEAN


def test_action_item_titles_and_reasons_and_tags_are_single_lines(client, owner, postmortem):
    client.force_login(owner)
    number = postmortem.incident.number
    client.post(
        reverse("pm-action-add", args=[number]),
        {
            "new-item-title": HOSTILE,
            "new-item-priority": "high",
            "new-item-status": "wont_do",
            "new-item-wont_do_reason": HOSTILE,
        },
    )
    item = ActionItem.objects.get()
    assert (item.title, item.wont_do_reason) == (CLEAN, CLEAN)
    client.post(
        reverse("pm-postmortem-details", args=[number]),
        {"tags": "dns\u202e, ca\npacity"},
    )
    assert sorted(tag.name for tag in postmortem.tags.all()) == ["ca pacity", "dns"]


def test_names_of_tokens_integrations_and_people_are_single_lines(client, lead, team):
    client.force_login(lead)
    client.post(reverse("pm-api-token-create"), {"name": HOSTILE, "scope": "read"})
    assert ApiToken.objects.get().name == CLEAN
    client.post(
        reverse("pm-alerting-create", args=[team.slug]),
        {
            "name": HOSTILE,
            "kind": "alertmanager",
            "enabled": "on",
            "default_severity": "SEV3",
            "open_from": "SEV3",
            "refire_window": 60,
        },
    )
    assert AlertIntegration.objects.get().name == CLEAN
    client.post(
        reverse("accounts-profile"),
        {"display_name": HOSTILE, "time_zone": "UTC", "digest_hour": 8},
    )
    lead.refresh_from_db()
    assert lead.display_name == CLEAN


def test_the_api_keeps_titles_on_one_line(owner, postmortem):
    api = ApiClient(token_for(owner))
    response = api.post(
        reverse("pm-api:incidents"),
        {"title": HOSTILE, "team": "platform", "started_at": "2026-11-02T10:00:00Z"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["title"] == CLEAN
    path = f"/api/v1/incidents/{postmortem.incident.number}/postmortem/actions"
    assert api.post(path, {"title": HOSTILE}).json()["title"] == CLEAN


def test_alert_receivers_keep_alert_names_on_one_line(client, team):
    hook = make_hook(team)
    body = alertmanager(labels={"alertname": "Disk\nfull\u202e", "severity": "critical"})
    assert hook.post(client, body).status_code == 200
    assert Incident.objects.get().title.startswith("Disk full:")
    opsgenie = make_hook(team, "opsgenie")
    body = payload("opsgenie_create")
    body["alert"]["message"] = "Queue\r\nbacklog\u2066"
    body["alert"]["alias"] = "other-alert"
    assert opsgenie.post(client, body).status_code == 200
    assert Incident.objects.filter(title="Queue backlog").exists()


def test_the_admin_keeps_service_tag_and_team_names_on_one_line(client, admin_user):
    client.force_login(admin_user)
    for model, extra in [
        ("postmortems_service", {"slug": "ledger"}),
        ("postmortems_tag", {"slug": "ledger"}),
        ("accounts_team", {"slug": "ledger"}),
    ]:
        data: dict[str, object] = {"name": "Led\r\nger\u202e", **extra}
        if model == "accounts_team":
            data |= {"memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0}
        response = client.post(reverse(f"admin:{model}_add"), data)
        assert response.status_code == 302, (model, response.context["errors"])
    assert Service.objects.get().name == "Led ger"
    assert Tag.objects.get().name == "Led ger"
    assert Team.objects.get(slug="ledger").name == "Led ger"
