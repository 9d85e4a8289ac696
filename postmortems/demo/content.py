"""The text of the demo data, read from the TOML files beside this module.

people.toml holds the teams, people, services and tags; incidents/*.toml one incident
each, with its postmortem (file names only order them for people; the seed orders
incidents by start); alerts.toml the on-call rotations and the alert history.
postmortems/demo/seed.py and alerts.py turn this into rows.

Nothing here knows the date: an incident starts `start = { days_ago, at = "HH:MM" }`
(UTC) or `hours_ago` before the seed's `now`, timeline events are minutes after the
start, and action item due dates are days after resolution. A section is a string
(paragraphs) or a list of strings (a bullet list). An incident has either a hand-written
`[[timeline]]` or the pieces the builder assembles one from (`trigger`, `detected`,
`[[steps]]`, `fix`, optionally `closing`); no `postmortem` key means none was started.

The loader hands demo/seed.py the shapes it always read: tuples for rows, e.g. an action
item is (title, type, priority, due days, status), plus a reason for "wont_do".
"""

import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _read(path: Path) -> dict[str, Any]:
    with path.open("rb") as file:
        return tomllib.load(file)


def _moments(rows: list[dict]) -> list[tuple[int, str, str]]:
    return [(row["minute"], row["kind"], row["text"]) for row in rows]


def _action(row: dict) -> tuple:
    fields = (row["title"], row["type"], row["priority"], row["due_days"], row["status"])
    return (*fields, row["reason"]) if "reason" in row else fields


def _incident(spec: dict[str, Any]) -> dict[str, Any]:
    spec.setdefault("postmortem", None)
    if "start" in spec:
        spec["start"] = (spec["start"]["days_ago"], spec["start"]["at"])
    for key in ("timeline", "steps"):
        if key in spec:
            spec[key] = _moments(spec[key])
    if "actions" in spec:
        spec["actions"] = [_action(row) for row in spec["actions"]]
    return spec


_people = _read(HERE / "people.toml")

TEAMS = [(team["name"], team["slug"], team["description"]) for team in _people["teams"]]
# (key, display name, email, time zone, {team slug: role})
USERS = [
    (user["key"], user["name"], user["email"], user["time_zone"], user["teams"])
    for user in _people["users"]
]
ADMIN = tuple(_people["admin"][field] for field in ("key", "name", "email", "time_zone"))
# (name, parent name or None, description); parents come before their children.
SERVICES = [
    (service["name"], service.get("parent"), service["description"])
    for service in _people["services"]
]
TAGS = _people["tags"]
INCIDENTS = [_incident(_read(path)) for path in sorted((HERE / "incidents").glob("*.toml"))]
# On-call and alerts, as the file has them (postmortems/demo/alerts.py reads the shapes).
ALERTS = _read(HERE / "alerts.toml")
