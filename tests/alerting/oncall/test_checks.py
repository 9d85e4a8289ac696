"""The book's rules as warnings: rotations of fewer than four people or without a
secondary, and integrations whose severity mapping contradicts the team's policy."""

import pytest

from postmortems.alerting.integrations import DEFAULT_SEVERITY_MAPS
from postmortems.alerting.models import AlertIntegration
from postmortems.alerting.oncall.checks import integration_policy_conflicts, rotation_warnings
from postmortems.alerting.oncall.models import Channel, OnCallPolicy, Rotation


def _rotation(**fields) -> Rotation:
    return Rotation(
        **{"name": "R", "source": Rotation.Source.MEMBERS, "has_secondary": True, **fields}
    )


def test_a_rotation_of_three_is_flagged_and_four_is_not():
    warnings = rotation_warnings(rotation=_rotation(), members=[1, 2, 3])
    assert warnings == [
        (
            "fewer-than-four",
            "Only 3 people in the rotation: four or more keep each person's turn sustainable.",
        )
    ]
    assert rotation_warnings(rotation=_rotation(), members=[1, 2, 3, 4]) == []


def test_no_secondary_is_flagged_when_switched_off_or_alone():
    codes = [c for c, _ in rotation_warnings(rotation=_rotation(), members=[1])]
    assert codes == ["fewer-than-four", "no-secondary"]
    off = _rotation()
    off.has_secondary = False
    assert [c for c, _ in rotation_warnings(rotation=off, members=[1, 2, 3, 4])] == ["no-secondary"]


def test_a_rotation_fed_by_a_schedule_is_not_counted():
    assert rotation_warnings(rotation=_rotation(source=Rotation.Source.ICAL), members=[]) == []


def _integration(kind: str, mapping: dict | None = None) -> AlertIntegration:
    return AlertIntegration(kind=kind, severity_map=mapping or dict(DEFAULT_SEVERITY_MAPS[kind]))


def test_the_defaults_agree_with_the_default_policy():
    policy = OnCallPolicy()
    for kind in DEFAULT_SEVERITY_MAPS:
        assert integration_policy_conflicts(integration=_integration(kind), policy=policy) == []


def test_warning_that_pages_and_critical_that_reaches_nobody_are_flagged():
    policy = OnCallPolicy(
        severity_channels={"SEV1": "phone", "SEV2": "phone", "SEV3": "phone", "SEV4": "email"}
    )
    found = integration_policy_conflicts(integration=_integration("alertmanager"), policy=policy)
    assert [(c.value, c.severity, c.channel) for c in found] == [("warning", "SEV3", "phone")]
    assert found[0].sentence == "`warning` pages people (SEV3): route it to chat."

    quiet = OnCallPolicy(severity_channels={"SEV1": "email", "SEV2": "phone"})
    mapping = {"P1": "SEV1", "high": "SEV3", "P4": "SEV2"}
    found = integration_policy_conflicts(
        integration=_integration("pagerduty", mapping), policy=quiet
    )
    assert [c.sentence for c in found] == [
        "`P1` only sends an email (SEV1): map it to a severity that pages.",
        "`P4` pages people (SEV2): route it to chat.",
        "`high` reaches nobody (SEV3): map it to a severity that pages.",
    ]
    assert found[2].channel == Channel.NONE


@pytest.mark.parametrize("value", ["info", "WARNING", "low", "P4", "p5"])
def test_every_low_value_that_pages_is_flagged(value):
    policy = OnCallPolicy(severity_channels={"SEV1": "phone"})
    mapping = {value: "SEV1"}
    found = integration_policy_conflicts(
        integration=_integration("grafana", mapping), policy=policy
    )
    assert len(found) == 1
