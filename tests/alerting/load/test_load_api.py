"""GET /api/v1/teams/{slug}/oncall-load: per person numbers and warnings."""

import pytest
import time_machine

from tests.alerting.load.support import NOW, berlin, build, page
from tests.api.conftest import ApiClient, token_for
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/teams/platform/oncall-load"


@pytest.fixture
def oncall(team):
    found = build(team)
    for hour, day in ((23, 24), (1, 25), (2, 25), (4, 25)):
        page(found, found.ana, berlin(2026, 10, day, hour))
    return found


def _as(user):
    return ApiClient(token_for(user, "read"))


def test_a_lead_reads_last_months_load_and_warnings(oncall, lead):
    with time_machine.travel(NOW, tick=False):
        response = _as(lead).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert (body["team"], body["month"], body["time_zone"]) == (
        "platform",
        "2026-10",
        "Europe/Berlin",
    )
    assert (body["since"], body["until"]) == (
        "2026-10-01T00:00:00+02:00",
        "2026-11-01T00:00:00+01:00",
    )
    ana = next(p for p in body["people"] if p["display_name"] == "Ana Alvarez")
    assert ana["email"] == oncall.ana.email
    assert (ana["pages"], ana["out_of_hours_pages"], ana["nights_interrupted"]) == (4, 4, 1)
    assert ana["out_of_hours_hours_worked"] == 1.33
    assert ana["suggested_time_off_in_lieu_hours"] == 1.5
    assert ana["consecutive_shifts"] == 2
    assert ana["on_call_hours"] == 577.0
    assert [w["kind"] for w in body["warnings"]] == [
        "small_rotation",
        "page_share",
        "busy_shift",
        "consecutive_shifts",
    ]
    assert body["warnings"][0]["message"].startswith("Rotation Primary has 3 people")
    assert body["unattributed_pages"] == 0


def test_another_month_and_a_bad_one(oncall, lead):
    with time_machine.travel(NOW, tick=False):
        september = _as(lead).get(URL, month="2026-09").json()
        bad = _as(lead).get(URL, month="2026-13")
    assert september["month"] == "2026-09"
    assert all(p["pages"] == 0 for p in september["people"])
    assert bad.status_code == 422
    assert bad.json()["errors"] == {"month": ["Give a month as YYYY-MM."]}


def test_members_403_outsiders_and_unknown_teams_404_staff_200(oncall, other_team):
    staff = UserFactory(is_staff=True)
    outsider = MembershipFactory(team=other_team, role="lead").user
    with time_machine.travel(NOW, tick=False):
        assert _as(oncall.ana).get(URL).status_code == 403
        assert _as(outsider).get(URL).status_code == 404
        assert _as(staff).get(URL).status_code == 200
        assert _as(staff).get("/api/v1/teams/nope/oncall-load").status_code == 404
        assert ApiClient(None).get(URL).status_code == 401
