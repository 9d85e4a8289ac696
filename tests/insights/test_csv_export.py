"""The dashboard's CSV export, column by column (postmortems/insights/csv_download.py)."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse

from postmortems.insights import csv_download as csv_export
from postmortems.models import ActionItem
from postmortems.trackers.models import TrackerConnection, TrackerIssue
from tests.factories import ActionItemFactory, IncidentFactory, PostmortemFactory, TeamFactory

# Monday 2026-11-30, 03:00 UTC: still Sunday evening in New York.
NOW = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _rows(response) -> tuple[list[str], list[dict[str, str]]]:
    text = b"".join(response.streaming_content).decode()
    reader = csv.DictReader(io.StringIO(text))
    return list(reader.fieldnames or []), list(reader)


def test_every_column_in_the_viewers_time_zone(client, frozen, lead, owner, team):
    lead.time_zone = "America/New_York"
    lead.save(update_fields=["time_zone"])
    incident = IncidentFactory(team=team, title="Checkout errors", severity="SEV2")
    postmortem = PostmortemFactory(incident=incident)
    overdue = ActionItemFactory(
        postmortem=postmortem, owner=owner, title="Add the missing alert",
        due_date=dt.date(2026, 11, 26), priority="high", type="detect",
    )  # fmt: skip
    ActionItem.objects.filter(pk=overdue.pk).update(created_at=NOW - dt.timedelta(days=10))
    done = ActionItemFactory(
        postmortem=postmortem, owner=None, title="Raise the pool size", due_date=None,
        status="done", completed_at=NOW - dt.timedelta(hours=4),
    )  # fmt: skip
    ActionItem.objects.filter(pk=done.pk).update(
        created_at=NOW - dt.timedelta(days=2), verify_on=dt.date(2026, 12, 13),
        outcome="worked", outcome_at=NOW,
    )  # fmt: skip
    tracker = TrackerConnection.objects.create(
        team=team, kind="github", base_url="https://api.github.com", project="acme/api", token="t"
    )
    TrackerIssue.objects.create(
        action_item=overdue, connection=tracker, key="acme/api#12",
        url="https://github.com/acme/api/issues/12", sync="linked",
    )  # fmt: skip
    idea = ActionItemFactory(
        postmortem=postmortem, owner=None, due_date=None, type="", title="Shard sessions",
        status="idea", verification="", verification_plan="",
    )  # fmt: skip
    client.force_login(lead)

    header, rows = _rows(client.get(reverse("pm-dashboard-csv"), {"state": "all"}))

    assert header == csv_export.HEADER
    link = "http://testserver" + reverse("pm-postmortem-detail", args=[incident.number])
    assert sorted(rows, key=lambda row: row["title"]) == [
        {  # due on Thursday: 3 days overdue on Sunday the 29th in New York
            "item": str(overdue.code), "title": "Add the missing alert", "status": "Open",
            "commitment": "committed", "verification": "An alert",
            "verification plan": overdue.verification_plan, "verify on": "",
            "outcome": "", "tracker issue": "acme/api#12",
            "tracker link": "https://github.com/acme/api/issues/12", "priority": "High",
            "type": "Detect", "owner": "Olivia Owner",
            "owner email": owner.email, "due date": "2026-11-26", "days overdue": "3",
            "incident": f"INC-{incident.number}", "incident title": "Checkout errors",
            "team": "Platform", "severity": "SEV2", "created": "2026-11-19 22:00",
            "completed": "", "link": f"{link}#item-{overdue.code}",
        },
        {  # finished, so never overdue
            "item": str(done.code), "title": "Raise the pool size", "status": "Done",
            "commitment": "committed", "verification": "An alert",
            "verification plan": done.verification_plan, "verify on": "2026-12-13",
            "outcome": "It worked", "tracker issue": "", "tracker link": "",
            "priority": done.get_priority_display(), "type": done.get_type_display(),
            "owner": "", "owner email": "", "due date": "", "days overdue": "",
            "incident": f"INC-{incident.number}", "incident title": "Checkout errors",
            "team": "Platform", "severity": "SEV2", "created": "2026-11-27 22:00",
            "completed": "2026-11-29 18:00", "link": f"{link}#item-{done.code}",
        },
    ]  # fmt: skip
    # Ideas are no commitments: "all" leaves them out; they have a list of their own.
    _, ideas = _rows(client.get(reverse("pm-dashboard-csv"), {"state": "ideas"}))
    assert [(r["item"], r["status"], r["commitment"], r["verification"]) for r in ideas] == [
        (str(idea.code), "Idea", "idea", "")
    ]


def test_every_free_text_cell_is_kept_from_running_as_a_formula(client, frozen, lead, owner):
    owner.display_name = "@owner"
    owner.save(update_fields=["display_name"])
    team = TeamFactory(name="+team", slug="plus")
    lead.memberships.create(team=team, role="lead")
    incident = IncidentFactory(team=team, title="-1 incident")
    ActionItemFactory(
        postmortem=PostmortemFactory(incident=incident), owner=owner, title="=1+1",
        due_date=NOW.date(),
    )  # fmt: skip
    client.force_login(lead)

    _, rows = _rows(client.get(reverse("pm-dashboard-csv"), {"team": "plus"}))

    assert [(r["title"], r["owner"], r["incident title"], r["team"]) for r in rows] == [
        ("'=1+1", "'@owner", "'-1 incident", "'+team")
    ]


def test_a_long_export_streams_in_chunks_with_one_header(
    client, frozen, lead, owner, team, monkeypatch
):
    monkeypatch.setattr(csv_export, "BATCH", 2)
    postmortem = PostmortemFactory(incident=IncidentFactory(team=team))
    for days in (5, 1, 3, 2, 4):
        ActionItemFactory(
            postmortem=postmortem, owner=owner, title=f"Due in {days}",
            due_date=NOW.date() + dt.timedelta(days=days),
        )  # fmt: skip
    client.force_login(lead)

    response = client.get(reverse("pm-dashboard-csv"), {"state": "open"})
    chunks = list(response.streaming_content)

    assert len(chunks) == 3  # the header and rows 1-2, rows 3-4, row 5
    text = b"".join(chunks).decode()
    assert text.count("item,title,status") == 1
    titles = [row["title"] for row in csv.DictReader(io.StringIO(text))]
    assert titles == [f"Due in {days}" for days in (1, 2, 3, 4, 5)]
