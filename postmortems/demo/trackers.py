"""The demo's issue tracker: Platform is connected to a GitHub repository, and the
action items of its published reviews are linked to issues as if they had been created.

No network: each link is what the GitHub adapter reads from GitHub's answer to "create an
issue" (github_issue.json is GitHub's documented issue object, from octokit/webhooks'
`issues/opened` example; number, title and URL made the item's). The connection's sync
is off, so `make run` never calls GitHub: anything the outbox is asked to send for it
fails at once with "Sync is off", on the staff outbox page.
"""

import json
from datetime import datetime
from pathlib import Path

from accounts.models import Team, User
from postmortems.models.action_changes import ActionItemChange
from postmortems.models.actions import ActionItem
from postmortems.trackers.adapters.github import GitHubTracker
from postmortems.trackers.models import TrackerConnection, TrackerIssue, TrackerPerson

REPO = "example-org/platform"
ISSUE = json.loads((Path(__file__).parent / "github_issue.json").read_text())
LINKED_ITEMS = 8


def seed_trackers(*, now: datetime, teams: dict[str, Team], users: dict[str, User]) -> int:
    team = teams["platform"]
    connection = TrackerConnection.objects.create(
        team=team,
        kind=TrackerConnection.Kind.GITHUB,
        base_url="https://api.github.com",
        project=REPO,
        token="demo-token-never-sent",
        labels="postmortem",
        sync_enabled=False,
    )
    members = User.objects.filter(memberships__team=team).order_by("email")
    TrackerPerson.objects.bulk_create(
        TrackerPerson(connection=connection, user=user, account=user.email.split("@")[0])
        for user in members
    )
    items = (
        ActionItem.objects.filter(team=team, postmortem__status="published")
        .exclude(status=ActionItem.Status.IDEA)
        .order_by("created_at")[:LINKED_ITEMS]
    )
    for number, item in enumerate(items, start=1):
        answer = {
            **ISSUE,
            "number": number,
            "title": item.title,
            "html_url": f"https://github.com/{REPO}/issues/{number}",
            "repository_url": f"https://api.github.com/repos/{REPO}",
            "state": "closed" if item.is_finished else "open",
            "assignee": None,
            "updated_at": item.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        remote = GitHubTracker.issue_from_json(answer)
        TrackerIssue.objects.create(
            action_item=item,
            connection=connection,
            key=remote.key,
            url=remote.url,
            remote_id=remote.remote_id,
            remote_closed=remote.closed,
            remote_updated_at=remote.updated_at,
            sync=TrackerIssue.Sync.LINKED,
            synced_at=now,
        )
        ActionItemChange.objects.create(
            action_item=item,
            changed_at=item.created_at,
            field=ActionItemChange.Field.TRACKER,
            new_value=remote.key,
            reason="Issue created",
            source="GitHub",
        )
    return len(items)
