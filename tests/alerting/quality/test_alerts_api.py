"""/api/v1/teams/{team}/alert-rules and /api/v1/alerts: the page's rule for who reads
them, filters, pages and syncs, and restricted incidents kept out."""

import datetime as dt

import pytest

from tests.alerting.quality.conftest import NOW, SECRET_TITLE
from tests.api.conftest import ApiClient, token_for
from tests.factories import BASE_TIME, FiringFactory

pytestmark = pytest.mark.django_db


def api(user) -> ApiClient:
    return ApiClient(token_for(user))


def rules_url(team) -> str:
    return f"/api/v1/teams/{team.slug}/alert-rules"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("lead", 200), ("staff", 200), ("admin_user", 200), ("teammate", 403), ("outsider", 404)],
)
def test_alert_rules_are_read_as_on_the_page(request, history, team, persona, status):
    response = api(request.getfixturevalue(persona)).get(rules_url(team))
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    if status != 200:
        assert set(response.json()) == {"detail", "errors"}


def test_without_a_token_nothing_is_read(history, team):
    assert ApiClient(None).get(rules_url(team)).status_code == 401
    assert ApiClient(None).get("/api/v1/alerts").status_code == 401


def test_alert_rules_carry_numbers_verdicts_and_fixes(lead, history, team):
    body = api(lead).get(rules_url(team), days=30).json()
    assert body["team"] == "platform"
    assert body["until"] == "2026-11-02T10:00:00Z"
    assert [rule["rule"] for rule in body["items"]] == [
        "CPUHigh",
        "CheckoutErrors",
        "QueueDepth",
        "PayrollExport",
    ]
    noisy = body["items"][0]
    assert (noisy["verdict"], noisy["firings"], noisy["night_pages"]) == ("noisy", 6, 6)
    assert noisy["why"] == "6 of 6 pages came at night and nobody acted"
    assert noisy["integration"] == str(history["noisy"].integration.code)
    assert api(lead).get(rules_url(team), days=7).json()["items"][2]["firings"] == 1


@pytest.mark.parametrize("days", ["0", "367", "x"])
def test_a_bad_window_is_a_json_422(lead, team, days):
    response = api(lead).get(rules_url(team), days=days)
    assert response.status_code == 422
    assert "days" in response.json()["errors"]


def test_alerts_list_the_firings_of_the_teams_a_lead_reads(lead, history, team):
    body = api(lead).get("/api/v1/alerts").json()
    assert body["count"] == 10  # the other team's firing is not theirs
    assert {item["team"] for item in body["items"]} == {"platform"}
    fired = [item["fired_at"] for item in body["items"]]
    assert fired == sorted(fired, reverse=True)
    assert body["next_cursor"] is None


def test_staff_read_every_teams_alerts(staff, history):
    assert api(staff).get("/api/v1/alerts").json()["count"] == 11


def test_a_member_cannot_read_the_teams_alerts(teammate, history, team):
    assert api(teammate).get("/api/v1/alerts").json()["count"] == 0
    assert api(teammate).get("/api/v1/alerts", team=team.slug).status_code == 403


def test_alert_filters(lead, history, team):
    client = api(lead)
    assert client.get("/api/v1/alerts", rule="CPUHigh").json()["count"] == 6
    code = history["noisy"].integration.code
    assert client.get("/api/v1/alerts", integration=str(code)).json()["count"] == 10
    since = (BASE_TIME - dt.timedelta(hours=3)).isoformat()
    until = (BASE_TIME - dt.timedelta(hours=2)).isoformat()
    window = client.get("/api/v1/alerts", since=since, until=until).json()
    assert [i["fired_at"] for i in window["items"]] == ["2026-11-02T06:00:00Z"]
    visible = history["visible"]
    tied = client.get("/api/v1/alerts", incident=visible.number).json()
    assert [i["rule"] for i in tied["items"]] == ["CheckoutErrors"]
    assert tied["items"][0]["incident"]["reference"] == visible.reference
    assert client.get("/api/v1/alerts", team="payments").status_code == 404


@pytest.mark.parametrize("persona", ["lead", "staff"])
def test_a_restricted_incident_stays_invisible(request, history, persona):
    client = api(request.getfixturevalue(persona))
    body = client.get("/api/v1/alerts", rule="PayrollExport")
    assert body.json()["items"][0]["incident"] is None
    assert SECRET_TITLE not in body.content.decode()
    assert history["secret"].reference not in body.content.decode()
    filtered = client.get("/api/v1/alerts", incident=history["secret"].number)
    assert filtered.status_code == 404


def test_an_admin_sees_the_restricted_incident(admin_user, history):
    body = api(admin_user).get("/api/v1/alerts", rule="PayrollExport").json()
    assert body["items"][0]["incident"]["number"] == history["secret"].number


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-11-02T09:00:00"}, "since"),
        ({"incident": "0"}, "incident"),
        ({"integration": "not-a-uuid"}, "integration"),
        ({"page_size": "500"}, "page_size"),
        ({"cursor": "abc"}, "cursor"),
        ({"updated_after": "2026-11-01T00:00:00Z", "cursor": "!!"}, "cursor"),
    ],
)
def test_bad_input_is_a_json_422(lead, history, params, field):
    response = api(lead).get("/api/v1/alerts", **params)
    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_pages_and_a_sync_by_cursor(lead, history):
    client = api(lead)
    first = client.get("/api/v1/alerts", page_size=4).json()
    assert (first["count"], first["pages"], len(first["items"])) == (10, 3, 4)
    assert client.get("/api/v1/alerts", page_size=4, page=4).json()["items"] == []
    seen, cursor = [], ""
    while True:
        params = {"updated_after": "2026-11-01T00:00:00Z", "page_size": 4}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/v1/alerts", **params).json()
        seen += [(item["rule"], item["fired_at"]) for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 10


def test_the_alerts_list_takes_a_fixed_number_of_queries(
    lead, staff, history, django_assert_num_queries
):
    client = api(lead)
    client.get("/api/v1/alerts")  # the token's last use is recorded at most once a minute
    for minute in range(20):
        FiringFactory(rule=history["noisy"], fired_at=NOW - dt.timedelta(days=3, minutes=minute))
    # token, the teams the lead reads, count, the page of firings, which of the page's
    # incidents the lead may see.
    with django_assert_num_queries(5):
        body = client.get("/api/v1/alerts").json()
    assert body["count"] == 30
    staff = api(staff)
    staff.get("/api/v1/alerts")
    # Staff read every team: no teams to look up.
    with django_assert_num_queries(4):
        assert staff.get("/api/v1/alerts").json()["count"] == 31
