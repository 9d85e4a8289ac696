"""Jira's answers as permanent or temporary failures, and the real HTTP transport
against a local server (no network): timeouts, refused connections, redirects."""

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from postmortems.trackers.adapters import jira_http
from postmortems.trackers.adapters.base import IssueDraft, TrackerError, TrackerUnavailable
from postmortems.trackers.adapters.jira import JiraCloudTracker, JiraDataCenterTracker
from tests.trackers.adapters.jira_support import (
    CLOUD,
    DATA_CENTER,
    FakeJira,
    answer,
    fixture,
)


@pytest.mark.parametrize(
    ("status", "body", "headers", "error", "message"),
    [
        (
            400,
            {"errorMessages": [], "errors": {"assignee": "User 'x' cannot be assigned issues."}},
            {},
            TrackerError,
            "assignee: User 'x' cannot be assigned",
        ),
        (401, b"<html>Unauthorized</html>", {}, TrackerError, "refused the credentials"),
        (
            403,
            {"errorMessages": ["You do not have permission to create issues in this project."]},
            {},
            TrackerError,
            "permission to create issues",
        ),
        (
            404,
            {
                "errorMessages": ["Issue does not exist or you do not have permission to see it."],
                "errors": {},
            },
            {},
            TrackerError,
            "Issue does not exist",
        ),
        (
            302,
            b"",
            {"location": "https://id.atlassian.com/login"},
            TrackerError,
            "check the base URL",
        ),
        (429, b"", {"retry-after": "30"}, TrackerUnavailable, "retry after 30 s"),
        (409, b"", {}, TrackerUnavailable, "HTTP 409"),
        (500, b"", {}, TrackerUnavailable, "HTTP 500"),
        (503, {"message": "Service Unavailable"}, {}, TrackerUnavailable, "Service Unavailable"),
        (200, b"<html>login</html>", {}, TrackerError, "not JSON"),
    ],
)
def test_jiras_answers_are_permanent_or_temporary_failures(status, body, headers, error, message):
    fake = FakeJira(("GET", "/rest/api/3/issue/OPS-1", answer(status, body, headers)))

    with pytest.raises(error, match=message):
        JiraCloudTracker(CLOUD, transport=fake).get_issue("OPS-1")


def test_a_key_that_is_not_a_key_is_refused_before_asking():
    fake = FakeJira()

    with pytest.raises(TrackerError, match="not a Jira issue key"):
        JiraCloudTracker(CLOUD, transport=fake).get_issue("../../myself")
    assert fake.requests == []


class _Jira(BaseHTTPRequestHandler):
    """A local stand-in for Jira's HTTP server, answering from the class's table."""

    answers: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
    seen: list[tuple[str, str, dict[str, str], bytes]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.seen.append((self.command, self.path, dict(self.headers), body))
        status, headers, reply, delay = self.answers[self.path.split("?")[0]]
        time.sleep(delay)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def local_jira() -> Iterator[str]:
    _Jira.answers, _Jira.seen = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Jira)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def _connect(site: str) -> JiraDataCenterTracker:
    return JiraDataCenterTracker(
        DATA_CENTER.__class__(**{**DATA_CENTER.__dict__, "base_url": site})
    )


def test_the_real_transport_sends_json_with_the_token_and_reads_the_answer(local_jira):
    issue = json.dumps(fixture("v2-issue-in-progress.json")).encode()
    _Jira.answers["/rest/api/2/issue/TIS-41"] = (
        200,
        {"Content-Type": "application/json"},
        issue,
        0,
    )

    read = _connect(local_jira).get_issue("TIS-41")

    method, path, headers, _ = _Jira.seen[0]
    assert (method, read.key) == ("GET", "TIS-41")
    assert path == "/rest/api/2/issue/TIS-41?fields=summary%2Cstatus%2Cassignee%2Cduedate%2Cupdated"
    assert headers["Authorization"] == "Bearer pat"
    assert headers["Accept"] == "application/json"


def test_the_real_transport_reads_jiras_error_and_retry_after(local_jira):
    _Jira.answers["/rest/api/2/issue/OPS-1"] = (429, {"Retry-After": "12"}, b"", 0)

    with pytest.raises(TrackerUnavailable, match="retry after 12 s"):
        _connect(local_jira).get_issue("OPS-1")


def test_the_real_transport_follows_no_redirect(local_jira):
    _Jira.answers["/rest/api/2/issue"] = (302, {"Location": "/login.jsp"}, b"", 0)

    with pytest.raises(TrackerError, match=r"redirected to /login\.jsp"):
        _connect(local_jira).create_issue(IssueDraft(title="t", body=""))
    assert [seen[0] for seen in _Jira.seen] == ["POST"]


def test_a_slow_jira_times_out_as_a_temporary_failure(local_jira, monkeypatch):
    monkeypatch.setattr(jira_http, "TIMEOUT_SECONDS", 0.2)
    _Jira.answers["/rest/api/2/issue/OPS-1"] = (200, {}, b"{}", 1.0)

    with pytest.raises(TrackerUnavailable, match="could not be reached"):
        _connect(local_jira).get_issue("OPS-1")


def test_a_refused_connection_is_a_temporary_failure():
    with pytest.raises(TrackerUnavailable, match="could not be reached"):
        _connect("http://127.0.0.1:9").get_issue("OPS-1")


def test_every_request_has_a_timeout_of_at_most_ten_seconds():
    assert 0 < jira_http.TIMEOUT_SECONDS <= 10
