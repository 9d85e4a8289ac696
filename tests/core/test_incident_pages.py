"""Incident list, form and page, as users reach them."""

import datetime as dt

import pytest
from django.urls import reverse

from postmortems.models import Incident
from tests.factories import IncidentFactory, PostmortemFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def _create_incidents(team, count):
    for _ in range(count):
        incident = IncidentFactory(team=team)
        incident.services.add(ServiceFactory())
        PostmortemFactory(incident=incident)


@pytest.mark.parametrize("rows", [2, 12])
def test_incident_list_costs_the_same_queries_however_many_rows(
    client, owner, team, rows, django_assert_num_queries
):
    _create_incidents(team, rows)
    client.force_login(owner)
    # session, user, count, page of incidents, services prefetch, teams for the filter
    with django_assert_num_queries(6):
        response = client.get(reverse("pm-incident-list"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == rows


def test_incident_list_filters_combine(client, owner, team, other_team):
    IncidentFactory(team=team, title="DNS resolver saturation", severity="SEV1")
    IncidentFactory(team=team, title="DNS cache poisoning drill", severity="SEV4")
    with_review = IncidentFactory(team=other_team, title="DNS failover", severity="SEV1")
    PostmortemFactory(incident=with_review)
    client.force_login(owner)

    response = client.get(reverse("pm-incident-list"), {"q": "dns", "severity": "SEV1"})
    titles = {i.title for i in response.context["page"].object_list}
    assert titles == {"DNS resolver saturation", "DNS failover"}

    response = client.get(
        reverse("pm-incident-list"),
        {"severity": "SEV1", "has_postmortem": "no", "team": "platform"},
    )
    assert [i.title for i in response.context["page"].object_list] == ["DNS resolver saturation"]


def test_the_list_shows_and_filters_which_incidents_have_a_postmortem(client, owner, team):
    IncidentFactory(team=team, title="No review yet")
    PostmortemFactory(incident=IncidentFactory(team=team, title="Review started"))
    client.force_login(owner)

    def listed(**params):
        response = client.get(reverse("pm-incident-list"), params)
        return {i.title: i.has_postmortem for i in response.context["page"].object_list}

    assert listed() == {"No review yet": False, "Review started": True}
    assert listed(has_postmortem="yes") == {"Review started": True}
    assert listed(has_postmortem="no") == {"No review yet": False}
    body = client.get(reverse("pm-incident-list")).content.decode()
    assert 'status--missing">Missing<' in body
    assert 'status--pm-draft">Draft<' in body


def test_unknown_filter_values_are_ignored_not_errors(client, owner, incident):
    client.force_login(owner)
    response = client.get(reverse("pm-incident-list"), {"status": "bogus", "page": "999"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1


def test_the_list_pages_through_many_incidents(client, owner, team):
    for _ in range(30):
        IncidentFactory(team=team)
    client.force_login(owner)
    response = client.get(reverse("pm-incident-list"), {"page": 2})
    assert response.context["page"].number == 2
    assert len(response.context["page"].object_list) == 5


def test_htmx_filtering_answers_with_the_results_region_only(client, owner, incident):
    client.force_login(owner)
    response = client.get(reverse("pm-incident-list"), {"q": "Checkout"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="results"')
    assert "<html" not in body
    assert response["Vary"].count("HX-Request") == 1


def test_creating_an_incident_in_the_users_time_zone(client, owner, team):
    owner.time_zone = "Europe/Berlin"
    owner.save()
    service = ServiceFactory(name="DNS resolvers")
    client.force_login(owner)
    response = client.post(
        reverse("pm-incident-create"),
        {
            "title": "Resolver timeouts",
            "severity": "SEV2",
            "status": "resolved",
            "team": team.pk,
            "owner": owner.pk,
            "services": [service.pk],
            "started_at": "2026-07-01T10:00",
            "detected_at": "2026-07-01T10:04",
            "resolved_at": "2026-07-01T11:00",
        },
    )
    incident = Incident.objects.get(title="Resolver timeouts")
    assert response.status_code == 302
    assert response["Location"] == reverse("pm-incident-detail", args=[incident.number])
    assert incident.started_at == dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)  # CEST = UTC+2
    assert list(incident.services.all()) == [service]
    assert incident.created_by == owner

    page = client.get(response["Location"]).content.decode()
    assert "Jul 1, 2026 10:00 CEST" in page
    assert "4 min" in page  # time to detect
    assert "1 h 00 min" in page  # time to resolve


def test_form_errors_keep_what_the_user_typed(client, owner, team):
    client.force_login(owner)
    response = client.post(
        reverse("pm-incident-create"),
        {
            "title": "Queue backlog",
            "severity": "SEV3",
            "status": "resolved",
            "team": team.pk,
            "description": "Orders waited in the queue.",
            "started_at": "2026-07-01T10:00",
            "detected_at": "2026-07-01T09:00",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["detected_at"] == ["This cannot be before the incident started."]
    assert form.errors["resolved_at"] == ["Say when the incident was resolved."]
    body = response.content.decode()
    assert 'value="Queue backlog"' in body
    assert "Orders waited in the queue." in body
    assert not Incident.objects.exists()


def test_a_stale_incident_edit_is_refused_and_keeps_the_users_values(client, owner, incident):
    client.force_login(owner)
    form = client.get(reverse("pm-incident-edit", args=[incident.number])).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "services"}
    data.update(
        team=incident.team_id,
        owner=owner.pk,
        started_at="2026-11-02T09:00",
        resolved_at="2026-11-02T11:00",
        title="Checkout latency (first edit)",
    )
    assert client.post(reverse("pm-incident-edit", args=[incident.number]), data).status_code == 302

    data["title"] = "Checkout latency (stale edit)"
    response = client.post(reverse("pm-incident-edit", args=[incident.number]), data)
    assert response.status_code == 200
    assert "Someone else saved this incident" in response.content.decode()
    assert 'value="Checkout latency (stale edit)"' in response.content.decode()
    incident.refresh_from_db()
    assert incident.title == "Checkout latency (first edit)"


def test_incident_page_offers_to_start_the_postmortem(client, owner, incident):
    client.force_login(owner)
    page = client.get(reverse("pm-incident-detail", args=[incident.number])).content.decode()
    assert "Start postmortem" in page
    response = client.post(reverse("pm-postmortem-start", args=[incident.number]))
    assert response["Location"] == reverse("pm-postmortem-edit", args=[incident.number])
    assert incident.postmortem.authors.get() == owner


def test_incident_page_query_count_is_fixed(client, owner, postmortem, django_assert_num_queries):
    client.force_login(owner)
    # session, user, incident (+team, owner, postmortem), services, reminders sent,
    # its recurrences (both ways, one statement); the owner needs no membership query
    # to be allowed to edit
    with django_assert_num_queries(6):
        client.get(reverse("pm-incident-detail", args=[postmortem.incident.number]))


def test_healthz_answers_without_a_session(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
