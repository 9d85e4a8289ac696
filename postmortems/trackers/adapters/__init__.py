"""One module per tracker, each speaking that tracker's API behind the interface in base.py."""

from django.utils.module_loading import import_string

from postmortems.trackers.adapters.base import Connection, Tracker

# The tracker kinds a team can connect, and the class that speaks each one's API.
ADAPTERS: dict[str, str] = {
    "github": "postmortems.trackers.adapters.github.GitHubTracker",
    "gitlab": "postmortems.trackers.adapters.gitlab.GitLabTracker",
    "jira_cloud": "postmortems.trackers.adapters.jira.JiraCloudTracker",
    "jira_dc": "postmortems.trackers.adapters.jira.JiraDataCenterTracker",
    "linear": "postmortems.trackers.adapters.linear.LinearTracker",
}


def adapter_class(kind: str) -> type[Tracker]:
    return import_string(ADAPTERS[kind])


def adapter_for(connection: Connection) -> Tracker:
    return adapter_class(connection.kind)(connection)
