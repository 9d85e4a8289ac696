"""Vocabulary for generated benchmark data, read from bench/vocabulary.toml.

bench/generate.py draws from these names with a seeded random.Random (the file says
what each pool is for). The loader gives them the shapes generate.py reads: lists of
strings, services as (name, parent or None), actions as (title, type), and KINDS as a
dict of incident kinds in the file's order.
"""

import tomllib
from pathlib import Path

with (Path(__file__).resolve().parent / "vocabulary.toml").open("rb") as _file:
    _data = tomllib.load(_file)


def _actions(rows: list[dict]) -> list[tuple[str, str]]:
    return [(row["title"], row["type"]) for row in rows]


TEAMS: list[str] = _data["teams"]
FIRST_NAMES: list[str] = _data["first_names"]
LAST_NAMES: list[str] = _data["last_names"]
TIME_ZONES: list[str] = _data["time_zones"]
# (name, parent name or None); parents come before their children.
SERVICES = [(row["name"], row.get("parent")) for row in _data["services"]]
TAGS: list[str] = _data["tags"]

REGIONS: list[str] = _data["regions"]
PROVIDERS: list[str] = _data["providers"]
TOPICS: list[str] = _data["topics"]
HOST_ROLES: list[str] = _data["host_roles"]
ROLES: list[str] = _data["roles"]
TOOLS: list[str] = _data["tools"]

KINDS = {
    name: {**kind, "actions": _actions(kind["actions"])} for name, kind in _data["kinds"].items()
}

INCIDENT_DESCRIPTIONS: list[str] = _data["incident_descriptions"]
IMPACT: list[str] = _data["impact"]
WENT_WELL: list[str] = _data["went_well"]
WENT_WRONG: list[str] = _data["went_wrong"]
GOT_LUCKY: list[str] = _data["got_lucky"]
LESSONS: list[str] = _data["lessons"]
TIMELINE_DETECTION: list[str] = _data["timeline_detection"]
TIMELINE_ESCALATION: list[str] = _data["timeline_escalation"]
TIMELINE_COMMUNICATION: list[str] = _data["timeline_communication"]
TIMELINE_RESOLUTION: list[str] = _data["timeline_resolution"]
GENERIC_ACTIONS = _actions(_data["generic_actions"])
WONT_DO_REASONS: list[str] = _data["wont_do_reasons"]
