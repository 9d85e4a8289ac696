"""The GitLab adapter against GitLab's documented answers and webhook deliveries
(fixtures/gitlab/README.md says where each comes from), with python-gitlab's own
HTTP layer faked by `responses`: no network."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
import time_machine

from postmortems.trackers.adapters import adapter_for
from postmortems.trackers.adapters.base import (
    Connection,
    IssueDraft,
    TrackerError,
    TrackerUnavailable,
)
from postmortems.trackers.adapters.gitlab import GitLabTracker

FIXTURES = Path(__file__).parent / "fixtures" / "gitlab"
API = "http://gitlab.example.com/api/v4"
PROJECT_URL = f"{API}/projects/my-group%2Fmy-project"
ISSUES_URL = f"{PROJECT_URL}/issues"
WEB = "http://gitlab.example.com/my-group/my-project"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text())


def documented_issue() -> dict:
    return fixture("issues_list.json")[0]


@pytest.fixture
def tracker() -> GitLabTracker:
    connection = Connection(
        kind="gitlab",
        base_url="http://gitlab.example.com",
        project="my-group/my-project",
        token="glpat-test-token",
        webhook_secret="hook-secret",
    )
    adapter = adapter_for(connection)
    assert isinstance(adapter, GitLabTracker)
    return adapter


@pytest.fixture
def api():
    with responses.RequestsMock() as mock:
        yield mock


def sent_json(call) -> dict:
    return json.loads(call.request.body)


def sent_query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def test_create_issue_sends_title_marked_body_assignee_due_date_and_labels(tracker, api):
    api.get(f"{API}/users", json=[{"id": 1, "username": "root", "name": "Administrator"}])
    api.post(ISSUES_URL, json=documented_issue(), status=201)

    issue = tracker.create_issue(
        IssueDraft(
            title="Consequatur vero maxime",
            body="Add a **canary** stage.",
            assignee="root",
            due_date=dt.date(2016, 7, 22),
            labels=("postmortem", "reliability"),
            marker="pm-action-7f3a",
        )
    )

    assert sent_query(api.calls[0]) == {"username": ["root"]}
    assert sent_json(api.calls[1]) == {
        "title": "Consequatur vero maxime",
        "description": "Add a **canary** stage.\n\n<sub>pm-action-7f3a</sub>",
        "assignee_ids": [1],
        "due_date": "2016-07-22",
        "labels": "postmortem,reliability",
    }
    assert api.calls[1].request.headers["PRIVATE-TOKEN"] == "glpat-test-token"
    assert issue.key == "my-group/my-project#6"
    assert issue.url == "http://gitlab.example.com/my-group/my-project/issues/6"
    assert issue.closed is False
    assert (issue.assignee, issue.assignee_name) == ("root", "Administrator")
    assert issue.due_date == dt.date(2016, 7, 22)
    assert issue.updated_at == dt.datetime(2016, 1, 4, 15, 31, 51, 81000, tzinfo=dt.UTC)
    assert issue.remote_id == "76"


def test_create_issue_takes_a_numeric_assignee_as_the_user_id_and_keeps_a_present_marker(
    tracker, api
):
    api.post(ISSUES_URL, json=documented_issue(), status=201)

    tracker.create_issue(IssueDraft(title="T", body="See pm-1 here", assignee="42", marker="pm-1"))

    assert len(api.calls) == 1
    assert sent_json(api.calls[0]) == {
        "title": "T",
        "description": "See pm-1 here",
        "assignee_ids": [42],
    }


def test_an_unknown_username_is_a_permanent_error(tracker, api):
    api.get(f"{API}/users", json=[])

    with pytest.raises(TrackerError, match="no user named 'nobody'"):
        tracker.create_issue(IssueDraft(title="T", body="", assignee="nobody"))


def test_find_by_marker_searches_descriptions_and_keeps_only_the_exact_text(tracker, api):
    near = documented_issue() | {"iid": 5, "description": "pm-action-7f3 other"}
    exact = documented_issue() | {"description": "Body\n\n<sub>pm-action-7f3a</sub>"}
    api.get(ISSUES_URL, json=[near, exact])

    found = tracker.find_by_marker("pm-action-7f3a")

    assert found is not None
    assert found.key == "my-group/my-project#6"
    query = sent_query(api.calls[0])
    assert query["search"] == ["pm-action-7f3a"]
    assert query["in"] == ["description"]
    assert query["state"] == ["all"]


def test_find_by_marker_answers_none_when_nothing_holds_it(tracker, api):
    api.get(ISSUES_URL, json=fixture("issues_list.json"))

    assert tracker.find_by_marker("pm-action-none") is None


def test_get_issue_reads_one_issue_by_its_key(tracker, api):
    api.get(f"{ISSUES_URL}/6", json=documented_issue())

    issue = tracker.get_issue("my-group/my-project#6")

    assert issue.title == "Consequatur vero maxime deserunt laboriosam est voluptas dolorem."


def test_a_key_of_another_project_is_refused_without_a_request(tracker, api):
    with pytest.raises(TrackerError, match="not an issue of the GitLab project"):
        tracker.get_issue("other/project#6")
    assert len(api.calls) == 0


@pytest.mark.parametrize(("closed", "event"), [(True, "close"), (False, "reopen")])
def test_set_closed_sends_the_state_event_and_reads_the_answer(tracker, api, closed, event):
    answer = documented_issue() | {"state": "closed" if closed else "opened"}
    api.put(f"{ISSUES_URL}/6", json=answer)

    issue = tracker.set_closed("my-group/my-project#6", closed=closed)

    assert sent_json(api.calls[0]) == {"state_event": event}
    assert issue.closed is closed


def test_changed_since_follows_every_page_oldest_change_first(tracker, api):
    first = documented_issue()
    second = documented_issue() | {"iid": 7, "references": {"full": "my-group/my-project#7"}}
    next_page = f"{ISSUES_URL}?page=2&per_page=100"
    api.get(
        re.compile(re.escape(ISSUES_URL) + r"\?(?!.*page=2)"),
        json=[first],
        headers={"Link": f'<{next_page}>; rel="next"', "X-Next-Page": "2"},
    )
    api.get(re.compile(re.escape(ISSUES_URL) + r"\?.*page=2"), json=[second])

    since = dt.datetime(2016, 1, 1, tzinfo=dt.UTC)
    changed = tracker.changed_since(since)

    assert [issue.key for issue in changed] == ["my-group/my-project#6", "my-group/my-project#7"]
    query = sent_query(api.calls[0])
    assert query["updated_after"] == ["2016-01-01T00:00:00+00:00"]
    assert query["order_by"] == ["updated_at"]
    assert query["sort"] == ["asc"]
    assert query["state"] == ["all"]


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        # doc/api/rest/troubleshooting.md (gitlabhq/gitlabhq@07a95245)
        (400, {"message": '400 (Bad request) "title" not given'}, '"title" not given'),
        (400, {"message": {"bio": ["is too long (maximum is 255 characters)"]}}, "bio is too long"),
        (401, {"message": "401 Unauthorized"}, "401 Unauthorized"),
        (403, {"message": "403 Forbidden"}, "403 Forbidden"),
        (404, {"message": "404 Project Not Found"}, "404 Project Not Found"),
        (422, {"error": "due_date is invalid"}, "due_date is invalid"),
    ],
)
def test_refusals_are_permanent_errors_with_gitlabs_message(tracker, api, status, body, message):
    api.post(ISSUES_URL, json=body, status=status)

    with pytest.raises(TrackerError, match=re.escape(message)) as refused:
        tracker.create_issue(IssueDraft(title="T", body=""))
    assert f"({status})" in str(refused.value)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_rate_limits_and_server_errors_are_temporary_and_never_waited_on(tracker, api, status):
    api.post(
        ISSUES_URL, json={"message": "slow down"}, status=status, headers={"Retry-After": "60"}
    )

    with pytest.raises(TrackerUnavailable):
        tracker.create_issue(IssueDraft(title="T", body=""))
    assert len(api.calls) == 1  # python-gitlab did not sleep and retry by itself


def test_a_redirected_write_is_a_permanent_error_naming_the_instance_url(tracker, api):
    https_url = ISSUES_URL.replace("http://", "https://")
    api.post(ISSUES_URL, status=301, headers={"Location": https_url})
    api.get(https_url, json=[])

    with pytest.raises(TrackerError, match="check the instance URL"):
        tracker.create_issue(IssueDraft(title="T", body=""))


@pytest.mark.parametrize(
    "failure", [requests.ConnectionError("refused"), requests.Timeout("read timed out")]
)
def test_network_failures_are_temporary(tracker, api, failure):
    api.get(f"{ISSUES_URL}/6", body=failure)

    with pytest.raises(TrackerUnavailable, match="could not be reached"):
        tracker.get_issue("my-group/my-project#6")


def test_every_request_carries_a_timeout(tracker, api):
    api.get(f"{ISSUES_URL}/6", json=documented_issue())

    tracker.get_issue("my-group/my-project#6")

    assert api.calls[0].request.req_kwargs["timeout"] == 15.0


@pytest.mark.parametrize(
    ("reference", "key"),
    [
        ("my-group/my-project#12", "my-group/my-project#12"),
        ("#12", "my-group/my-project#12"),
        ("My-Group/My-Project#12", "my-group/my-project#12"),
        ("http://gitlab.example.com/my-group/my-project/-/issues/12", "my-group/my-project#12"),
        ("http://gitlab.example.com/my-group/my-project/-/work_items/12", "my-group/my-project#12"),
        ("http://gitlab.example.com/my-group/my-project/issues/12", "my-group/my-project#12"),
        (
            "http://gitlab.example.com/my-group/my-project/-/issues/12#note_3",
            "my-group/my-project#12",
        ),
        ("http://gitlab.example.com/other/project/-/issues/12", None),
        ("http://elsewhere.example.com/my-group/my-project/-/issues/12", None),
        ("http://gitlab.example.com/my-group/my-project/-/merge_requests/12", None),
        ("OPS-12", None),
        ("", None),
    ],
)
def test_key_from_reference(tracker, reference, key):
    assert tracker.key_from_reference(reference) == key


def test_key_from_reference_on_an_instance_under_a_path():
    tracker = GitLabTracker(
        Connection(
            kind="gitlab", base_url="https://example.org/gitlab/", project="ops/api", token="t"
        )
    )
    url = "https://example.org/gitlab/ops/api/-/issues/3"
    assert tracker.key_from_reference(url) == "ops/api#3"


# -- webhooks -----------------------------------------------------------------------


def test_the_documented_issue_hook_is_parsed():
    body = (FIXTURES / "issue_hook.json").read_bytes()

    issues = GitLabTracker.parse_webhook(headers={"X-Gitlab-Event": "Issue Hook"}, body=body)

    assert len(issues) == 1
    issue = issues[0]
    assert issue.key == "gitlabhq/gitlab-test#23"
    assert issue.url == "http://example.com/diaspora/issues/23"
    assert issue.closed is False
    assert (issue.assignee, issue.assignee_name) == ("user1", "User1")
    assert issue.due_date is None
    assert issue.updated_at == dt.datetime(2013, 12, 3, 17, 15, 43, tzinfo=dt.UTC)


def test_a_closed_issue_with_a_due_date_and_the_older_time_format():
    payload = fixture("issue_hook.json")
    payload["object_attributes"] |= {
        "state": "closed",
        "action": "close",
        "due_date": "2026-01-15",
        "updated_at": "2017-09-15 16:52:00 UTC",
    }
    payload["assignees"] = []

    (issue,) = GitLabTracker.parse_webhook(headers={}, body=json.dumps(payload).encode())

    assert issue.closed is True
    assert issue.due_date == dt.date(2026, 1, 15)
    assert issue.updated_at == dt.datetime(2017, 9, 15, 16, 52, tzinfo=dt.UTC)
    assert issue.assignee == ""


@pytest.mark.parametrize(
    "body",
    [
        b'{"object_kind": "push", "ref": "refs/heads/master"}',
        b'{"object_kind": "work_item", "object_attributes": {"iid": 1}}',
        b"not json",
        b"[]",
    ],
)
def test_other_events_report_nothing(body):
    assert GitLabTracker.parse_webhook(headers={}, body=body) == []


def test_the_secret_token_is_compared_in_full():
    body = (FIXTURES / "issue_hook.json").read_bytes()
    verify = GitLabTracker.verify_webhook

    assert verify(headers={"X-Gitlab-Token": "hook-secret"}, body=body, secret="hook-secret")
    assert verify(headers={"x-gitlab-token": "hook-secret"}, body=body, secret="hook-secret")
    assert not verify(headers={"X-Gitlab-Token": "hook-secre"}, body=body, secret="hook-secret")
    assert not verify(headers={}, body=body, secret="hook-secret")
    assert not verify(headers={"X-Gitlab-Token": ""}, body=body, secret="")


# The Standard Webhooks test vector (standard-webhooks/standard-webhooks,
# libraries/python/tests/test_webhooks.py, test_sign_function): GitLab's signing tokens
# follow that specification.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_HEADERS = {
    "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
    "webhook-timestamp": "1614265330",
    "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
}
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_TIME = dt.datetime.fromtimestamp(1614265330, tz=dt.UTC)


def test_a_signing_token_checks_the_published_signature_vector():
    verify = GitLabTracker.verify_webhook
    with time_machine.travel(VECTOR_TIME + dt.timedelta(seconds=30), tick=False):
        assert verify(headers=VECTOR_HEADERS, body=VECTOR_BODY, secret=VECTOR_SECRET)
        several = VECTOR_HEADERS | {
            "webhook-signature": "v2,AAAA v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
            + VECTOR_HEADERS["webhook-signature"]
        }
        assert verify(headers=several, body=VECTOR_BODY, secret=VECTOR_SECRET)
        assert not verify(headers=VECTOR_HEADERS, body=VECTOR_BODY + b" ", secret=VECTOR_SECRET)
        assert not verify(headers=VECTOR_HEADERS, body=VECTOR_BODY, secret="whsec_" + "A" * 44)
        # The plain secret token is no signature.
        token_only = {"X-Gitlab-Token": VECTOR_SECRET}
        assert not verify(headers=token_only, body=VECTOR_BODY, secret=VECTOR_SECRET)


@pytest.mark.parametrize("offset", [dt.timedelta(minutes=-6), dt.timedelta(minutes=6)])
def test_a_signed_delivery_outside_five_minutes_is_refused(offset):
    with time_machine.travel(VECTOR_TIME + offset, tick=False):
        assert not GitLabTracker.verify_webhook(
            headers=VECTOR_HEADERS, body=VECTOR_BODY, secret=VECTOR_SECRET
        )


def test_a_signature_made_here_the_way_gitlab_makes_it_is_accepted():
    key = bytes(range(32))
    secret = "whsec_" + base64.b64encode(key).decode()
    body = (FIXTURES / "issue_hook.json").read_bytes()
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        stamp = "1772366400"
        digest = hmac.new(key, b"uuid-1." + stamp.encode() + b"." + body, hashlib.sha256).digest()
        headers = {
            "Webhook-Id": "uuid-1",
            "Webhook-Timestamp": stamp,
            "Webhook-Signature": "v1," + base64.b64encode(digest).decode(),
        }
        assert GitLabTracker.verify_webhook(headers=headers, body=body, secret=secret)
        headers["Webhook-Id"] = "uuid-2"
        assert not GitLabTracker.verify_webhook(headers=headers, body=body, secret=secret)
