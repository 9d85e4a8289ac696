"""The team alerting settings (leads and staff) and the staff delivery log."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from postmortems.alerting.auth import token_hash
from postmortems.models import AlertDelivery, AlertIntegration, Firing, Incident
from tests.alerting.support import PD_SECRET, Hook, make_hook

pytestmark = pytest.mark.django_db


def _form(**changes) -> dict:
    return {
        "name": "Prometheus production",
        "kind": "alertmanager",
        "enabled": "on",
        "default_severity": "SEV3",
        "open_from": "SEV2",
        "refire_window": "45",
        "severity_map": "",
        "signing_secret": "",
        **changes,
    }


def test_a_lead_creates_an_integration_and_sees_the_token_once(client, team, lead, settings):
    settings.SITE_URL = "https://pm.example.com"
    client.force_login(lead)
    response = client.post(reverse("pm-alerting-create", args=[team.slug]), _form())
    assert response.status_code == 200
    integration = AlertIntegration.objects.get()
    token = response.context["token"]
    assert token in response.content.decode()
    assert integration.token_hash == token_hash(token)
    assert (integration.team, integration.open_from, integration.refire_window) == (
        team,
        "SEV2",
        45,
    )
    assert integration.severity_map["critical"] == "SEV1"  # the Alertmanager defaults
    receiver = f"https://pm.example.com/hooks/{integration.code}/"
    assert receiver in response.content.decode()

    edit = client.get(reverse("pm-alerting-edit", args=[team.slug, integration.code]))
    assert token not in edit.content.decode()
    assert receiver in edit.content.decode()
    listing = client.get(reverse("pm-alerting-list", args=[team.slug]))
    assert token not in listing.content.decode()
    assert receiver in listing.content.decode()

    client.logout()
    assert Hook(integration, token=token).post(client, "alertmanager_firing").status_code == 200
    assert Incident.objects.get().team == team


def test_a_new_token_replaces_the_old_one(client, team, lead):
    hook = make_hook(team)
    client.force_login(lead)
    response = client.post(reverse("pm-alerting-token", args=[team.slug, hook.integration.code]))
    new_token = response.context["token"]
    assert new_token != hook.token
    client.logout()
    assert hook.post(client, "alertmanager_firing").status_code == 401
    hook.token = new_token
    assert hook.post(client, "alertmanager_firing").status_code == 200


def test_the_pagerduty_signing_secret_is_required_and_never_shown(client, team, lead):
    client.force_login(lead)
    url = reverse("pm-alerting-create", args=[team.slug])
    refused = client.post(url, _form(kind="pagerduty"))
    assert "need the signing secret" in refused.content.decode()
    assert not AlertIntegration.objects.exists()

    client.post(url, _form(kind="pagerduty", signing_secret=PD_SECRET))
    integration = AlertIntegration.objects.get()
    assert integration.signing_secret == PD_SECRET
    assert integration.severity_map["P1"] == "SEV1"  # emptied: the tool's defaults again
    assert integration.token_hash == ""
    edit_url = reverse("pm-alerting-edit", args=[team.slug, integration.code])
    assert PD_SECRET not in client.get(edit_url).content.decode()
    # Left blank, the secret stays; the kind cannot change.
    saved = client.post(edit_url, _form(kind="grafana", name="PagerDuty", open_from="SEV1"))
    assert saved.status_code == 302
    integration.refresh_from_db()
    assert (integration.kind, integration.name, integration.open_from) == (
        "pagerduty",
        "PagerDuty",
        "SEV1",
    )
    assert integration.signing_secret == PD_SECRET
    assert integration.severity_map["P1"] == "SEV1"  # emptied: the tool's defaults again


def test_the_severity_mapping_must_map_to_severities(client, team, lead):
    client.force_login(lead)
    response = client.post(
        reverse("pm-alerting-create", args=[team.slug]),
        _form(severity_map='{"critical": "urgent"}'),
    )
    assert "Write a JSON object of values to severities" in response.content.decode()
    assert not AlertIntegration.objects.exists()


def test_two_integrations_of_a_team_need_different_names(client, team, lead):
    make_hook(team, name="Prometheus production")
    client.force_login(lead)
    response = client.post(reverse("pm-alerting-create", args=[team.slug]), _form())
    assert response.status_code == 200
    assert AlertIntegration.objects.count() == 1
    assert "already exists" in response.content.decode()


def test_only_the_teams_leads_and_staff_see_its_settings(client, team, other_team, lead, teammate):
    make_hook(other_team, name="Theirs")
    client.force_login(lead)
    # Like every team setting: another team is not confirmed to exist, a member may not.
    assert client.get(reverse("pm-alerting-list", args=[other_team.slug])).status_code == 404
    client.force_login(teammate)
    assert client.get(reverse("pm-alerting-list", args=[team.slug])).status_code == 403
    assert client.get(reverse("pm-alerting-list", args=["no-such-team"])).status_code == 404
    hook = make_hook(team)
    client.force_login(lead)
    other_code = AlertIntegration.objects.get(name="Theirs").code
    # Another team's integration under this team's URL does not exist.
    assert client.get(reverse("pm-alerting-edit", args=[team.slug, other_code])).status_code == 404
    assert (
        client.get(reverse("pm-alerting-edit", args=[team.slug, hook.integration.code]))
    ).status_code == 200


def test_the_settings_list_runs_a_fixed_number_of_queries(
    client, team, lead, django_assert_num_queries
):
    for n in range(3):
        make_hook(team, name=f"Receiver {n}")
    client.force_login(lead)
    url = reverse("pm-alerting-list", args=[team.slug])
    client.get(url)
    # session, user, team, lead membership, integrations, the team's on-call policy
    # (each integration's mapping is checked against it)
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.content.decode().count("/hooks/") == 3


def test_the_delivery_log_lists_and_filters_deliveries_for_staff(
    client, team, admin_user, lead, django_assert_num_queries
):
    hook, other = make_hook(team, name="Prom"), make_hook(team, "grafana", name="Graf")
    hook.post(client, "alertmanager_firing")
    hook.post(client, "alertmanager_firing")
    other.post(client, b"{oops")
    url = reverse("pm-alert-deliveries")

    client.force_login(lead)
    assert client.get(url).status_code == 403

    client.force_login(admin_user)
    client.get(url)
    # session, user, count, page of deliveries, integrations for the filter, failing
    # on-call schedule feeds
    with django_assert_num_queries(6):
        response = client.get(url)
    assert [d.outcome for d in response.context["page"]] == ["rejected", "duplicate", "created"]
    incident = Incident.objects.get()
    assert f'href="{reverse("pm-incident-detail", args=[incident.number])}"' in (
        response.content.decode()
    )

    rejected = client.get(url, {"outcome": "rejected"})
    assert [d.integration.name for d in rejected.context["page"]] == ["Graf"]
    by_integration = client.get(url, {"integration": str(hook.integration.code)})
    assert by_integration.context["page"].paginator.count == 2
    junk = client.get(url, {"integration": "not-a-uuid", "outcome": "nonsense"})
    assert junk.context["page"].paginator.count == AlertDelivery.objects.count() == 3


def test_admin_creation_shows_the_token_once(client, team, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:postmortems_alertintegration_add"),
        {**_form(), "team": team.pk},
    )
    assert response.status_code == 302
    integration = AlertIntegration.objects.get()
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    token = next(m for m in messages if m.startswith("Token for"))
    assert integration.token_hash == token_hash(token.split(": ")[1].split(" ")[0])
    change = client.get(reverse("admin:postmortems_alertintegration_change", args=[integration.pk]))
    assert f"/hooks/{integration.code}/" in change.content.decode()


@pytest.mark.parametrize(
    ("severity_map", "error"),
    [
        ("[" * 50_000 + "]" * 50_000, "nested deeper than 32 levels"),
        ('{"critical": ' + "1" * 5_000 + "}", "at most 1000 digits"),
        ('{"crit\\u0000ical": "SEV1"}', "NUL"),
        ("{not json", "Enter a valid JSON."),
    ],
)
def test_a_severity_mapping_no_database_can_hold_is_refused_on_the_form(
    client, team, lead, severity_map, error
):
    client.force_login(lead)
    response = client.post(
        reverse("pm-alerting-create", args=[team.slug]), _form(severity_map=severity_map)
    )
    assert response.status_code == 200  # the form again, with the error
    assert error in response.content.decode()
    assert not AlertIntegration.objects.exists()


def test_a_lead_sets_the_service_labels_and_the_owner_rule(client, team, lead):
    client.force_login(lead)
    create = reverse("pm-alerting-create", args=[team.slug])
    blank = client.get(create)
    assert 'value="service, job"' in blank.content.decode()  # the defaults, shown

    bad = client.post(create, _form(service_labels="service, app-name"))
    assert "label names" in bad.content.decode()
    assert not AlertIntegration.objects.exists()

    client.post(create, _form(service_labels=" component , job,component", owner_from_assignee=""))
    integration = AlertIntegration.objects.get()
    assert integration.service_labels == ["component", "job"]
    assert integration.owner_from_assignee is False
    edit = client.get(reverse("pm-alerting-edit", args=[team.slug, integration.code]))
    assert 'value="component, job"' in edit.content.decode()
    listing = client.get(reverse("pm-alerting-list", args=[team.slug]))
    assert "labels component, job" in listing.content.decode()


def test_rules_and_firings_are_read_only_in_the_admin(client, team, admin_user):
    make_hook(team).post(client, "alertmanager_firing")
    firing = Firing.objects.get()
    client.force_login(admin_user)
    rules = client.get(reverse("admin:postmortems_alertrule_changelist"), {"team": team.pk})
    assert "HighErrorRate" in rules.content.decode()
    firings = client.get(
        reverse("admin:postmortems_firing_changelist"), {"rule__id__exact": firing.rule_id}
    )
    assert firings.status_code == 200
    assert "HighErrorRate at 2026-11-02 10:42" in firings.content.decode()
    page = client.get(reverse("admin:postmortems_firing_change", args=[firing.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # nothing to save
    assert client.get(reverse("admin:postmortems_firing_add")).status_code == 403
    assert client.get(reverse("admin:postmortems_alertrule_add")).status_code == 403
