"""The demo's text lives in data files (postmortems/demo/); the loader gives demo_data
exactly what the Python module it replaced held."""

import tomllib
from pathlib import Path

from postmortems.demo import content
from tests.data_digest import data_digest

# The fingerprint of TEAMS, USERS, ADMIN, SERVICES, TAGS and INCIDENTS: first as the
# module postmortems/demo_content.py defined them before they moved into TOML files, now
# with the fifth person of the platform rotation and the two incidents the certificate
# alert opened (alerts.toml), and the checkout pool incident whose fix did not hold
# (postmortems/demo/recurrence.py). Editing the demo's text changes it: check the change
# with `manage.py seed_demo` and put the new value here.
GOLDEN = "1989e1eb59fc4b8808906ef67ada7093961868e323fab07b0ae6aec7292c65e2"


def _everything() -> list:
    return [
        content.TEAMS,
        content.USERS,
        content.ADMIN,
        content.SERVICES,
        content.TAGS,
        content.INCIDENTS,
    ]


def test_the_data_files_hold_exactly_the_demo_text_of_before():
    assert data_digest(_everything()) == GOLDEN


def test_every_incident_names_people_teams_services_and_tags_that_exist():
    users = {key for key, *_ in content.USERS}
    teams = {slug for _name, slug, _description in content.TEAMS}
    services = {name for name, _parent, _description in content.SERVICES}
    assert len(content.INCIDENTS) == 27
    for spec in content.INCIDENTS:
        assert spec["team"] in teams
        assert {spec["owner"], *spec.get("authors", [])} <= users
        assert set(spec["services"]) <= services
        assert set(spec.get("tags", [])) <= set(content.TAGS)
        assert ("start" in spec) != ("hours_ago" in spec), spec["title"]
        assert not ("timeline" in spec and "steps" in spec), spec["title"]
        for minute, kind, text in spec.get("timeline", []) + spec.get("steps", []):
            assert isinstance(minute, int)
            assert kind
            assert text.strip()
        for action in spec.get("actions", []):
            assert len(action) == (6 if action[4] == "wont_do" else 5)


def test_parents_come_before_their_children_in_the_service_catalogue():
    seen: set[str] = set()
    for name, parent, _description in content.SERVICES:
        assert parent is None or parent in seen
        seen.add(name)


def test_the_demo_data_files_are_package_data():
    """pyproject.toml ships them with the package, so an installed seed_demo finds them."""
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["postmortems"]
    package = Path(content.__file__).parents[1]
    shipped = {path for pattern in patterns for path in package.glob(pattern)}

    assert set(content.HERE.rglob("*.toml")) <= shipped
