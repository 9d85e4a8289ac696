"""The alert history's shapes, read from bench/alert_firings.toml (see its comments)."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

with (Path(__file__).resolve().parent / "alert_firings.toml").open("rb") as _file:
    _data = tomllib.load(_file)


@dataclass(frozen=True)
class Kind:
    name: str
    rules: int
    weight: float
    severity_sent: str
    severity: str
    page: float
    runbook: float
    actionable: float
    flapping: float
    tied: float
    repeats: int


DAYS: int = _data["days"]
RULE_NAMES: list[str] = _data["rule_names"]
KINDS: list[Kind] = [Kind(**row) for row in _data["kinds"]]
assert sum(kind.rules for kind in KINDS) == len(RULE_NAMES), "one kind per rule name"
