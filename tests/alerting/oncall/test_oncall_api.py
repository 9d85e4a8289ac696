"""GET /api/v1/teams/<slug>/rotations and .../rotations/<code>/shifts."""

import datetime as dt

import pytest

from postmortems.alerting.oncall.models import Role
from postmortems.alerting.oncall.services import rotation_override_create
from tests.alerting.oncall.support import NOW, make_rotation, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def rotation(team, lead, teammate):
    return make_rotation(team, [lead, teammate, *people(team, ["Cat"])])


def test_a_member_reads_the_rotations_with_who_is_on_call_now(
    api_as, team, rotation, lead, teammate, django_assert_num_queries
):
    rotation_override_create(
        rotation=rotation,
        user=lead,
        role=Role.SECONDARY,
        starts_at=NOW,
        ends_at=NOW + dt.timedelta(days=1),
        by=None,
        now=NOW,
    )
    api = api_as("teammate")
    api.get(f"/api/v1/teams/{team.slug}/rotations")
    # token (with its user), team, membership, rotations (feed joined), members (users
    # joined), shifts now, overrides now.
    with django_assert_num_queries(7):
        response = api.get(f"/api/v1/teams/{team.slug}/rotations")
    assert response.status_code == 200
    (body,) = response.json()
    assert body["code"] == str(rotation.code)
    assert [m["display_name"] for m in body["members"]] == ["Lena Lead", "Tariq Teammate", "Cat"]
    assert body["primary"] == {
        "person": {"email": teammate.email, "display_name": "Tariq Teammate"},
        "name": "Tariq Teammate",
        "override": False,
    }
    assert body["secondary"]["name"] == "Lena Lead"
    assert body["secondary"]["override"]
    assert body["next_handoff"] == "2026-10-19T08:00:00Z"
    assert [w["code"] for w in body["warnings"]] == ["fewer-than-four"]


def test_the_shifts_of_a_window(api_as, team, rotation):
    api = api_as("lead")
    url = f"/api/v1/teams/{team.slug}/rotations/{rotation.code}/shifts"
    response = api.get(url, since="2026-10-19T08:00:00Z", until="2026-11-02T09:00:00Z")
    assert response.status_code == 200
    shifts = response.json()
    assert [(s["role"], s["starts_at"]) for s in shifts] == [
        ("primary", "2026-10-19T08:00:00Z"),
        ("secondary", "2026-10-19T08:00:00Z"),
        ("primary", "2026-10-26T09:00:00Z"),
        ("secondary", "2026-10-26T09:00:00Z"),
    ]
    assert len(api.get(url).json()) == 2 * 9  # now, eight weeks on
    too_long = api.get(url, since="2026-01-01T00:00:00Z", until="2028-01-01T00:00:00Z")
    assert too_long.status_code == 422


@pytest.mark.parametrize(("persona", "status"), [("outsider", 404), ("admin_user", 200)])
def test_others_are_told_the_team_does_not_exist(api_as, team, rotation, persona, status):
    api = api_as(persona)
    assert api.get(f"/api/v1/teams/{team.slug}/rotations").status_code == status
    url = f"/api/v1/teams/{team.slug}/rotations/{rotation.code}/shifts"
    assert api.get(url).status_code == status
    assert api_as(None).get(f"/api/v1/teams/{team.slug}/rotations").status_code == 401
