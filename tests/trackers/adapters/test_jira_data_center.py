"""The Jira Data Center adapter (REST API v2, wiki markup, personal access tokens), and
the rules both flavours share: pasted references, the connection's settings."""

import datetime

import pytest

from postmortems.trackers.adapters import adapter_for
from postmortems.trackers.adapters.base import IssueDraft, TrackerError
from postmortems.trackers.adapters.jira import (
    JiraCloudTracker,
    JiraDataCenterTracker,
    normalise_labels,
)
from tests.trackers.adapters.jira_support import CLOUD, DATA_CENTER, FakeJira, answer, fixture


def tracker(fake: FakeJira) -> JiraDataCenterTracker:
    return JiraDataCenterTracker(DATA_CENTER, transport=fake)


def test_the_registry_names_the_data_center_adapter():
    assert isinstance(adapter_for(DATA_CENTER), JiraDataCenterTracker)


def test_a_new_issue_has_a_wiki_description_a_bearer_token_and_a_named_assignee():
    fake = FakeJira(
        ("POST", "/jira/rest/api/2/issue", answer(201, {"id": "10092", "key": "OPS-41"}))
    )
    draft = IssueDraft(
        title="Rotate the TLS keys",
        body="## Steps\n\n1. Issue **new** keys\n2. Run `deploy`",
        assignee="admin",
        due_date=datetime.date(2026, 12, 24),
        labels=("follow up",),
        marker="pm-item:42",
    )

    issue = tracker(fake).create_issue(draft)

    assert fake.requests[0].headers["Authorization"] == "Bearer pat"
    fields = fake.json(0)["fields"]
    assert (
        fields["description"] == "h2. Steps\n\n# Issue *new* keys\n# Run {{deploy}}\n\npm-item:42"
    )
    assert fields["assignee"] == {"name": "admin"}
    assert fields["labels"] == ["follow-up"]
    assert fields["duedate"] == "2026-12-24"
    assert issue.url == "https://jira.acme.example/jira/browse/OPS-41"


def test_a_recorded_server_issue_is_read_with_its_user_name():
    fake = FakeJira(
        ("GET", "/jira/rest/api/2/issue/TIS-41", answer(200, fixture("v2-issue-in-progress.json"))),
        ("GET", "/jira/rest/api/2/issue/FLARE-1", answer(200, fixture("v2-issue-done.json"))),
    )

    working = tracker(fake).get_issue("TIS-41")
    done = tracker(fake).get_issue("FLARE-1")

    assert (working.closed, working.assignee, working.assignee_name) == (
        False,
        "admin",
        "Admin Istrator",
    )
    assert working.updated_at == datetime.datetime(
        2017, 9, 6, 8, 13, 46, 19000, tzinfo=datetime.UTC
    )
    assert (done.closed, done.assignee, done.title) == (
        True,
        "alice.smith",
        "the world is collapsing",
    )


def test_reopening_prefers_to_do_and_falls_back_to_in_progress():
    fake = FakeJira(
        ("GET", "/jira/rest/api/2/issue/FLARE-1", answer(200, fixture("v2-issue-done.json"))),
        (
            "GET",
            "/jira/rest/api/2/issue/FLARE-1/transitions",
            answer(200, fixture("v2-transitions-start-progress.json")),
        ),
        ("POST", "/jira/rest/api/2/issue/FLARE-1/transitions", answer(204)),
        (
            "GET",
            "/jira/rest/api/2/issue/FLARE-1",
            answer(200, fixture("v2-issue-in-progress.json")),
        ),
    )

    reopened = tracker(fake).set_closed("FLARE-1", closed=False)

    assert fake.json(2) == {"transition": {"id": "11"}}
    assert not reopened.closed


def test_a_workflow_without_a_way_back_is_a_clear_permanent_error():
    fake = FakeJira(
        ("GET", "/jira/rest/api/2/issue/FLARE-1", answer(200, fixture("v2-issue-done.json"))),
        (
            "GET",
            "/jira/rest/api/2/issue/FLARE-1/transitions",
            answer(200, fixture("v2-transitions-to-done.json")),
        ),
    )

    with pytest.raises(TrackerError, match="'To Do' category"):
        tracker(fake).set_closed("FLARE-1", closed=False)


def test_changes_are_read_page_by_page_with_start_at():
    issue = fixture("v2-issue-in-progress.json")  # updated 2017-09-06T08:13:46.019+0000
    fake = FakeJira(
        (
            "GET",
            "/jira/rest/api/2/search",
            answer(200, {"startAt": 0, "maxResults": 1, "total": 2, "issues": [issue]}),
        ),
        (
            "GET",
            "/jira/rest/api/2/search",
            answer(200, {"startAt": 1, "maxResults": 1, "total": 2, "issues": [issue]}),
        ),
    )

    changed = tracker(fake).changed_since(datetime.datetime(2017, 9, 6, 8, 0, tzinfo=datetime.UTC))

    assert [i.key for i in changed] == ["TIS-41", "TIS-41"]
    assert [fake.query(n)["startAt"] for n in (0, 1)] == ["0", "1"]
    assert (
        fake.query(0)["jql"]
        == 'project = "OPS" AND updated >= "2017/09/05 18:00" ORDER BY updated ASC'
    )


def test_the_marker_is_found_in_a_wiki_description_despite_escapes():
    issue = fixture("v2-issue-in-progress.json")
    issue["fields"]["description"] = "Steps\n\npm\\_item:42"
    fake = FakeJira(
        ("GET", "/jira/rest/api/2/search", answer(200, {"total": 1, "issues": [issue]}))
    )

    found = tracker(fake).find_by_marker("pm_item:42")

    assert found is not None
    assert found.key == "TIS-41"


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        tracker(FakeJira()).changed_since(datetime.datetime(2026, 12, 6, 9, 0))


@pytest.mark.parametrize(
    ("reference", "key"),
    [
        ("OPS-7", "OPS-7"),
        (" ops-7 ", "OPS-7"),
        ("https://acme.atlassian.net/browse/OPS-7", "OPS-7"),
        ("https://acme.atlassian.net/browse/OPS-7?focusedCommentId=10001", "OPS-7"),
        (
            "https://acme.atlassian.net/jira/software/projects/OPS/boards/1?selectedIssue=OPS-7",
            "OPS-7",
        ),
        ("https://acme.atlassian.net/projects/OPS/issues/OPS-7", "OPS-7"),
        ("https://acme.atlassian.net/browse/WEB-7", None),  # another project
        ("https://other.atlassian.net/browse/OPS-7", None),  # another site
        ("https://acme.atlassian.net.evil.example/browse/OPS-7", None),
        ("OPS-0", None),
        ("OPS7", None),
        ("#7", None),
        ("", None),
    ],
)
def test_a_pasted_key_or_link_is_this_projects_issue_key(reference, key):
    assert JiraCloudTracker(CLOUD).key_from_reference(reference) == key


def test_a_data_center_link_with_a_context_path_is_understood():
    dc = JiraDataCenterTracker(DATA_CENTER)

    assert dc.key_from_reference("https://jira.acme.example/jira/browse/OPS-12") == "OPS-12"
    assert dc.key_from_reference("https://acme.atlassian.net/browse/OPS-12") is None


@pytest.mark.parametrize(
    ("base_url", "site"),
    [
        ("https://acme.atlassian.net/", "https://acme.atlassian.net"),
        ("https://acme.atlassian.net/rest/api/3", "https://acme.atlassian.net"),
        ("https://jira.acme.example/jira/browse/OPS-1", "https://jira.acme.example/jira"),
    ],
)
def test_the_site_is_found_in_what_was_pasted(base_url, site):
    connection = DATA_CENTER.__class__(**{**DATA_CENTER.__dict__, "base_url": base_url})

    assert JiraDataCenterTracker(connection).site == site


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("base_url", "acme.atlassian.net", "https://"),
        ("base_url", "ftp://jira.acme.example", "https:// or http://"),
        ("base_url", "https://", "https://"),
        ("project", "ops team", "not a Jira project key"),
        ("token", "", "personal access token"),
    ],
)
def test_a_bad_connection_is_refused_with_a_clear_error(field, value, message):
    connection = DATA_CENTER.__class__(**{**DATA_CENTER.__dict__, field: value})

    with pytest.raises(TrackerError, match=message):
        JiraDataCenterTracker(connection)


def test_jira_cloud_is_reached_over_https_only():
    connection = CLOUD.__class__(**{**CLOUD.__dict__, "base_url": "http://acme.atlassian.net"})

    with pytest.raises(TrackerError, match="must start with https://"):
        JiraCloudTracker(connection)


def test_labels_lose_their_spaces_and_duplicates():
    assert normalise_labels(("a b", " a  b ", "", "x\ty", "c")) == ["a-b", "x-y", "c"]
