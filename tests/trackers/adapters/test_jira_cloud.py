"""The Jira Cloud adapter against Atlassian's published OpenAPI description (REST API v3):
what it sends must validate, and the documented answers must be read."""

import base64
import datetime
import json

import pytest

from postmortems.trackers.adapters import adapter_for
from postmortems.trackers.adapters.base import IssueDraft, Tracker, TrackerError
from postmortems.trackers.adapters.jira import JiraCloudTracker
from postmortems.trackers.adapters.jira_http import HttpResponse
from tests.trackers.adapters.jira_support import (
    CLOUD,
    FakeJira,
    answer,
    documented_example,
    fixture,
    openapi,
    schema_errors,
)

ISSUE = "/rest/api/3/issue/{issueIdOrKey}"
TRANSITIONS = "/rest/api/3/issue/{issueIdOrKey}/transitions"
DRAFT = IssueDraft(
    title="Page the database on-call\nbefore failing over",
    body="Add a **paging** step to the [runbook](https://wiki.example/runbook).\n\n- one\n- two",
    assignee="5b10a2844c20165700ede21g",
    due_date=datetime.date(2026, 12, 18),
    labels=("postmortem", "customer impact", "postmortem", " "),
    marker="pm-item:7f3a9c",
)


def tracker(fake: FakeJira, **options) -> JiraCloudTracker:
    connection = (
        CLOUD
        if not options
        else CLOUD.__class__(**{**CLOUD.__dict__, "options": {**CLOUD.options, **options}})
    )
    return JiraCloudTracker(connection, transport=fake)


def created() -> HttpResponse:
    return answer(201, documented_example("/rest/api/3/issue", "post", "201"))


def test_the_registry_names_the_cloud_adapter():
    assert isinstance(adapter_for(CLOUD), JiraCloudTracker)


def test_the_fixture_is_atlassians_description_of_the_v3_api():
    assert openapi()["info"]["title"] == "The Jira Cloud platform REST API"
    assert "/rest/api/3/search/jql" in openapi()["paths"]


def test_a_new_issue_is_a_documented_create_request_signed_with_email_and_token():
    fake = FakeJira(("POST", "/rest/api/3/issue", created()))

    issue = tracker(fake).create_issue(DRAFT)

    request = fake.requests[0]
    body = fake.json(0)
    assert schema_errors("IssueUpdateDetails", body) == []
    assert (
        request.headers["Authorization"]
        == "Basic " + base64.b64encode(b"sync@acme.example:api-token").decode()
    )
    fields = body["fields"]
    assert fields["project"] == {"key": "OPS"}
    assert fields["issuetype"] == {"name": "Task"}
    assert fields["summary"] == "Page the database on-call before failing over"
    assert fields["labels"] == ["postmortem", "customer-impact"]
    assert fields["duedate"] == "2026-12-18"
    assert fields["assignee"] == {"accountId": "5b10a2844c20165700ede21g"}
    description = fields["description"]
    assert (description["type"], description["version"]) == ("doc", 1)
    assert description["content"][-1] == {
        "type": "paragraph",
        "content": [{"type": "text", "text": "pm-item:7f3a9c"}],
    }
    link = description["content"][0]["content"][-2]
    assert link["marks"] == [{"type": "link", "attrs": {"href": "https://wiki.example/runbook"}}]
    # The documented answer: {"id": "10000", "key": "ED-24", ...}
    assert (issue.key, issue.remote_id, issue.closed) == ("ED-24", "10000", False)
    assert issue.url == "https://acme.atlassian.net/browse/ED-24"


def test_the_issue_type_comes_from_the_options_by_name_or_id():
    fake = FakeJira(
        ("POST", "/rest/api/3/issue", created()), ("POST", "/rest/api/3/issue", created())
    )

    tracker(fake, issue_type="Bug").create_issue(DRAFT)
    tracker(fake, issue_type_id="10004").create_issue(DRAFT)

    assert fake.json(0)["fields"]["issuetype"] == {"name": "Bug"}
    assert fake.json(1)["fields"]["issuetype"] == {"id": "10004"}


def test_a_marker_already_in_the_body_is_not_written_twice():
    fake = FakeJira(("POST", "/rest/api/3/issue", created()))
    draft = IssueDraft(title="t", body="Tracked as pm-item:7f3a9c", marker="pm-item:7f3a9c")

    tracker(fake).create_issue(draft)

    assert json.dumps(fake.json(0)).count("pm-item:7f3a9c") == 1


def test_an_unassigned_undated_issue_sends_no_such_fields():
    fake = FakeJira(("POST", "/rest/api/3/issue", created()))

    tracker(fake).create_issue(IssueDraft(title="t", body=""))

    assert set(fake.json(0)["fields"]) == {"project", "issuetype", "summary", "description"}


def test_a_refused_create_is_a_permanent_error_with_jiras_words():
    refused = documented_example("/rest/api/3/issue", "post", "400")
    fake = FakeJira(("POST", "/rest/api/3/issue", answer(400, refused)))

    with pytest.raises(TrackerError, match="Field 'priority' is required"):
        tracker(fake).create_issue(DRAFT)


def test_the_documented_issue_is_read():
    example = documented_example(ISSUE, "get")
    fake = FakeJira(("GET", "/rest/api/3/issue/ED-1", answer(200, example)))

    issue = tracker(fake).get_issue("ed-1")

    assert (issue.key, issue.remote_id, issue.closed) == ("ED-1", "10002", False)
    assert issue.url == "https://acme.atlassian.net/browse/ED-1"
    assert fake.query(0) == {"fields": "summary,status,assignee,duedate,updated"}
    assert set(fake.query(0)) <= {p["name"] for p in openapi()["paths"][ISSUE]["get"]["parameters"]}


def test_the_marker_is_searched_in_the_project_and_checked_in_the_description():
    found = documented_example("/rest/api/3/search/jql", "get")  # ED-1, "Main order flow broken"
    fake = FakeJira(
        ("GET", "/rest/api/3/search/jql", answer(200, found)),
        ("GET", "/rest/api/3/search/jql", answer(200, found)),
    )

    issue = tracker(fake).find_by_marker("Main order flow broken")
    loose = tracker(fake).find_by_marker("Main order broken")

    assert issue is not None
    assert issue.key == "ED-1"
    assert loose is None  # Jira's text search matched words; the exact marker is not there
    query = fake.query(0)
    assert query["jql"] == (
        'project = "OPS" AND text ~ "\\"Main order flow broken\\"" ORDER BY created ASC'
    )
    documented = {
        p["name"] for p in openapi()["paths"]["/rest/api/3/search/jql"]["get"]["parameters"]
    }
    assert set(query) <= documented


def test_changes_are_asked_for_with_a_time_zone_margin_and_read_page_by_page():
    example = documented_example("/rest/api/3/search/jql", "get")["issues"][0]
    since = datetime.datetime(2026, 12, 6, 9, 30, tzinfo=datetime.UTC)

    def issue(key: str, updated: str) -> dict:
        return {**example, "key": key, "fields": {**example["fields"], "updated": updated}}

    first = {
        "issues": [issue("OPS-1", "2026-12-06T08:00:00.000+0000")],
        "nextPageToken": "p2",
        "isLast": False,
    }
    second = {
        "issues": [
            issue("OPS-2", "2026-12-06T11:00:00.000+0200"),
            issue("OPS-3", "2026-12-06T10:45:12.000+0100"),
        ],
        "isLast": True,
    }
    fake = FakeJira(
        ("GET", "/rest/api/3/search/jql", answer(200, first)),
        ("GET", "/rest/api/3/search/jql", answer(200, second)),
    )

    changed = tracker(fake).changed_since(since)

    # 08:00 UTC and 09:00 UTC are before `since`; 09:45:12 UTC is after it.
    assert [i.key for i in changed] == ["OPS-3"]
    assert fake.query(0)["jql"] == (
        'project = "OPS" AND updated >= "2026/12/05 19:30" ORDER BY updated ASC'
    )
    assert fake.query(1)["nextPageToken"] == "p2"
    assert schema_errors("SearchAndReconcileResults", first) == []


def test_closing_takes_a_transition_to_the_done_category():
    open_issue = fixture("v2-issue-in-progress.json")
    done_issue = fixture("v2-issue-done.json")
    fake = FakeJira(
        ("GET", "/rest/api/3/issue/OPS-41", answer(200, open_issue)),
        (
            "GET",
            "/rest/api/3/issue/OPS-41/transitions",
            answer(200, fixture("v2-transitions-to-done.json")),
        ),
        ("POST", "/rest/api/3/issue/OPS-41/transitions", answer(204)),
        ("GET", "/rest/api/3/issue/OPS-41", answer(200, done_issue)),
    )

    issue = tracker(fake).set_closed("OPS-41", closed=True)

    assert fake.json(2) == {"transition": {"id": "161"}}
    assert schema_errors("IssueUpdateDetails", fake.json(2)) == []
    assert issue.closed
    assert fake.done()


def test_a_named_close_transition_is_used_when_configured():
    fake = FakeJira(
        ("GET", "/rest/api/3/issue/OPS-41", answer(200, fixture("v2-issue-in-progress.json"))),
        (
            "GET",
            "/rest/api/3/issue/OPS-41/transitions",
            answer(200, fixture("v2-transitions-to-done.json")),
        ),
        ("POST", "/rest/api/3/issue/OPS-41/transitions", answer(204)),
        ("GET", "/rest/api/3/issue/OPS-41", answer(200, fixture("v2-issue-done.json"))),
    )

    tracker(fake, close_transition="not a flare").set_closed("OPS-41", closed=True)

    assert fake.json(2) == {"transition": {"id": "221"}}


def test_closing_an_issue_already_done_asks_nothing_more():
    fake = FakeJira(("GET", "/rest/api/3/issue/OPS-41", answer(200, fixture("v2-issue-done.json"))))

    assert tracker(fake).set_closed("OPS-41", closed=True).closed
    assert len(fake.requests) == 1


def test_a_workflow_without_a_done_transition_is_a_clear_permanent_error():
    # Atlassian's documented example: transitions to "in-flight" and "completed" only.
    documented = documented_example(TRANSITIONS, "get")
    fake = FakeJira(
        ("GET", "/rest/api/3/issue/OPS-41", answer(200, fixture("v2-issue-in-progress.json"))),
        ("GET", "/rest/api/3/issue/OPS-41/transitions", answer(200, documented)),
    )

    with pytest.raises(TrackerError, match="no transition to a status in the 'Done' category"):
        tracker(fake).set_closed("OPS-41", closed=True)


def test_cloud_needs_the_accounts_email():
    connection = CLOUD.__class__(**{**CLOUD.__dict__, "options": {}})

    with pytest.raises(TrackerError, match="email"):
        JiraCloudTracker(connection)


def with_fields(transitions: dict, index: int, fields: dict) -> dict:
    """The recorded transitions, one of them with a screen asking for `fields`."""
    changed = json.loads(json.dumps(transitions))
    changed["transitions"][index]["fields"] = fields
    assert schema_errors("Transitions", changed) == []  # the documented shape
    return changed


RESOLUTION = {
    "resolution": {
        "required": True,
        "name": "Resolution",
        "key": "resolution",
        "operations": ["set"],
        "schema": {"type": "resolution", "system": "resolution"},
        "allowedValues": [{"id": "2", "name": "Won't Do"}, {"id": "1", "name": "Fixed"}],
    }
}


ROOT_CAUSE = {
    "required": True,
    "name": "Root cause",
    "key": "customfield_10400",
    "operations": ["set"],
    "schema": {
        "type": "string",
        "custom": "com.atlassian.jira.plugin.system.customfieldtypes:textarea",
    },
}


def closing(transitions: dict) -> FakeJira:
    return FakeJira(
        ("GET", "/rest/api/3/issue/OPS-41", answer(200, fixture("v2-issue-in-progress.json"))),
        ("GET", "/rest/api/3/issue/OPS-41/transitions", answer(200, transitions)),
        ("POST", "/rest/api/3/issue/OPS-41/transitions", answer(204)),
        ("GET", "/rest/api/3/issue/OPS-41", answer(200, fixture("v2-issue-done.json"))),
    )


def test_a_required_resolution_is_filled_in():
    fake = closing(with_fields(fixture("v2-transitions-to-done.json"), 0, RESOLUTION))

    tracker(fake).set_closed("OPS-41", closed=True)

    assert fake.query(1) == {"expand": "transitions.fields"}
    assert fake.json(2) == {
        "transition": {"id": "161"},
        "fields": {"resolution": {"name": "Fixed"}},
    }
    assert schema_errors("IssueUpdateDetails", fake.json(2)) == []


def test_the_resolution_can_be_named_in_the_options():
    fake = closing(with_fields(fixture("v2-transitions-to-done.json"), 0, RESOLUTION))

    tracker(fake, resolution="won't do").set_closed("OPS-41", closed=True)

    assert fake.json(2)["fields"] == {"resolution": {"name": "Won't Do"}}


def test_a_transition_asking_for_another_field_is_passed_over():
    comment = {"customfield_10400": ROOT_CAUSE}
    fake = closing(with_fields(fixture("v2-transitions-to-done.json"), 0, comment))

    tracker(fake).set_closed("OPS-41", closed=True)

    assert fake.json(2) == {"transition": {"id": "221"}}


def test_when_every_transition_asks_for_more_the_error_says_which_field():
    comment = {"customfield_10400": ROOT_CAUSE}
    transitions = with_fields(fixture("v2-transitions-to-done.json"), 0, comment)
    transitions = with_fields(transitions, 1, comment)
    fake = closing(transitions)

    with pytest.raises(TrackerError, match="requires the field 'Root cause'"):
        tracker(fake).set_closed("OPS-41", closed=True)


def test_the_marker_is_found_across_the_text_nodes_of_an_adf_description():
    found = documented_example("/rest/api/3/search/jql", "get")
    found["issues"][0]["fields"]["description"] = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "Tracked as pm"}]},
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "pm-item:"},
                    {"type": "text", "text": "7f3a9c", "marks": [{"type": "strong"}]},
                ],
            },
        ],
    }
    fake = FakeJira(("GET", "/rest/api/3/search/jql", answer(200, found)))

    assert tracker(fake).find_by_marker("pm-item:7f3a9c") is not None


def test_the_adapter_offers_the_tracker_interface():
    adapter: Tracker = JiraCloudTracker(CLOUD)  # mypy checks the protocol here

    assert adapter.kind == "jira_cloud"
