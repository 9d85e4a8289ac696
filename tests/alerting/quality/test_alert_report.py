"""manage.py alert_report: the page's verdicts and numbers, as text or JSON."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.alerting.quality.conftest import SECRET_TITLE

pytestmark = pytest.mark.django_db


def report(*args: str) -> str:
    out = StringIO()
    call_command("alert_report", *args, stdout=out)
    return out.getvalue()


def test_the_text_report_of_one_team(history, team):
    text = report("--team", team.slug)
    lines = text.splitlines()
    assert lines[0] == "Platform (platform), last 30 days"
    assert lines[1].split()[:3] == ["rule", "status", "firings"]
    rows = [line.split()[0] for line in lines[2:6]]
    assert rows == ["CPUHigh", "CheckoutErrors", "QueueDepth", "PayrollExport"]
    assert lines[2].split()[1:4] == ["Noisy", "6", "6"]
    assert "CPUHigh: Noisy: 6 of 6 pages came at night and nobody acted." in text
    assert "QueueDepth: Needs a runbook: " in text
    assert "Fix: Add a `runbook_url` annotation to `QueueDepth`." in text
    assert "OtherTeamsRule" not in text
    assert SECRET_TITLE not in text
    assert history["secret"].reference not in text


def test_every_team_when_none_is_named_and_a_shorter_window(history):
    text = report("--days", "7")
    assert "Payments (payments), last 7 days" in text
    assert "OtherTeamsRule" in text
    assert "QueueDepth" in text  # fired yesterday; its firing 20 days ago is left out


def test_json_carries_the_same_verdicts(history, team):
    data = json.loads(report("--team", team.slug, "--json"))
    assert data["until"] == "2026-11-02T10:00:00+00:00"
    (platform,) = data["teams"]
    rules = {rule["rule"]: rule for rule in platform["rules"]}
    assert list(rules) == ["CPUHigh", "CheckoutErrors", "QueueDepth", "PayrollExport"]
    noisy = rules["CPUHigh"]
    assert noisy["verdict"] == "noisy"
    assert [p["verdict"] for p in noisy["problems"]] == ["noisy", "mis_prioritized"]
    assert noisy["night_pages"] == 6
    assert noisy["wasted_out_of_hours_pages"] == 6
    assert noisy["actionable_share"] == 0
    assert rules["QueueDepth"]["problems"][0]["fix"] == (
        "Add a `runbook_url` annotation to `QueueDepth`."
    )
    assert rules["CheckoutErrors"]["median_delay_seconds"] == 0
    assert SECRET_TITLE not in json.dumps(data)


def test_a_team_without_firings_says_so(team):
    assert "No alert fired." in report("--team", team.slug)
    assert json.loads(report("--team", team.slug, "--json"))["teams"][0]["rules"] == []


def test_an_unknown_team_or_window_is_an_error(team):
    with pytest.raises(CommandError, match="No team with the slug 'nope'"):
        report("--team", "nope")
    with pytest.raises(CommandError, match="--days takes 1 to"):
        report("--days", "0")
