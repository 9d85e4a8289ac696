"""Request ids and structured logs: from the request's header to the worker's log lines."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from celery.signals import before_task_publish
from celery.worker.request import Request
from django.urls import reverse

from config.celery import app as celery_app
from config.log_format import JsonFormatter
from lib.request_ids import current_request_id
from postmortems.notifications.tasks import record_beat_heartbeat
from tests.factories import ActionItemFactory

ROOT = Path(__file__).resolve().parents[2]
HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log_lines():
    """What the configured console handler writes (settings.LOGGING, JSON in tests),
    as parsed JSON objects."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.StreamHandler) and isinstance(h.formatter, JsonFormatter)
    ]
    assert len(handlers) == 1, "LOGGING configures one JSON console handler"
    stream = io.StringIO()
    previous = handlers[0].setStream(stream)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    handlers[0].setStream(previous)


def test_a_request_without_an_id_gets_a_fresh_one_in_the_response(client, db):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert HEX_ID.fullmatch(first)
    assert HEX_ID.fullmatch(second)
    assert first != second


def test_a_sane_incoming_id_is_echoed(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-1f3a.9_Z")
    assert response["X-Request-ID"] == "lb-1f3a.9_Z"


@pytest.mark.parametrize(
    "incoming",
    ["a" * 65, "has space", 'quote"d', "new\nline", "", "ünïcode"],
    ids=["too-long", "space", "quote", "newline", "empty", "unicode"],
)
def test_an_unsafe_incoming_id_is_replaced(client, db, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert HEX_ID.fullmatch(response["X-Request-ID"])


def test_log_lines_written_while_handling_a_request_carry_its_id(client, outsider, log_lines):
    client.force_login(outsider)
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-404")
    # A 403 is logged by Django after the middleware has returned: the id still comes.
    client.post(reverse("pm-outbox-retry", args=[1]), HTTP_X_REQUEST_ID="req-403")
    lines = {(line["logger"], line["request_id"]) for line in log_lines()}
    assert ("django.request", "req-404") in lines
    assert ("django.request", "req-403") in lines
    assert ("access", "req-404") in lines


def test_outside_a_request_lines_have_no_id(log_lines):
    logging.getLogger("postmortems").warning("nothing to do with a request")
    [line] = log_lines()
    assert line["request_id"] == "-"
    assert line["level"] == "WARNING"
    assert line["message"] == "nothing to do with a request"


def test_the_access_log_line_has_method_path_status_duration_and_user(
    client, owner, postmortem, log_lines
):
    client.force_login(owner)
    url = reverse("pm-incident-detail", args=[postmortem.incident.number])
    client.get(url + "?secret=query", HTTP_X_REQUEST_ID="req-1")
    [line] = [line for line in log_lines() if line["logger"] == "access"]
    assert line["request_id"] == "req-1"
    assert line["method"] == "GET"
    assert line["path"] == url
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["user_id"] == owner.pk
    assert line["message"].startswith(f"GET {url} 200 ")
    assert "secret=query" not in json.dumps(line)


def test_the_access_log_redacts_tokens_in_the_path_and_adds_no_query(
    client, db, log_lines, django_assert_num_queries
):
    # The signed feed link is a credential; an anonymous visitor loads no user.
    with django_assert_num_queries(0):
        client.get("/archive/feed/not-a-valid-token/")
    [line] = [line for line in log_lines() if line["logger"] == "access"]
    assert line["path"] == "/archive/feed/[redacted]/"
    assert "not-a-valid-token" not in line["message"]
    assert line["user_id"] is None


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_by_a_request_carries_its_id_to_the_worker(client, lead, postmortem, owner):
    """The nudge enqueues an email task after commit, which (with real transactions,
    as in production) happens while the request is handled; the message header
    carries the request's id, and a worker running that message binds it while the
    task runs."""
    item = ActionItemFactory(postmortem=postmortem, owner=owner)
    client.force_login(lead)
    published = []

    def capture(sender=None, headers=None, **kwargs):
        published.append((sender, dict(headers)))

    before_task_publish.connect(capture)
    try:
        with celery_app.connection_for_read() as connection:
            queue = connection.SimpleQueue("celery")
            queue.clear()
            client.post(
                reverse("pm-action-nudge", args=[postmortem.incident.number, item.code]),
                {"revision": 0},
                HTTP_X_REQUEST_ID="req-nudge",
            )
            message = queue.get(timeout=1)
            queue.close()
    finally:
        before_task_publish.disconnect(capture)
    assert published == [("postmortems.notifications.tasks.send_email", published[0][1])]
    assert published[0][1]["request_id"] == "req-nudge"

    # What the worker does with the message: a Request, run in this process.
    seen = []
    task = celery_app.tasks["postmortems.notifications.tasks.send_email"]
    original_run = task.run
    task.run = lambda *args, **kwargs: seen.append(current_request_id())
    try:
        Request(message, app=celery_app, task=task).execute()
    finally:
        task.run = original_run
    assert seen == ["req-nudge"]
    assert current_request_id() is None


def test_a_task_run_binds_the_id_from_its_headers_and_unbinds_it_after(db, monkeypatch):
    seen = []
    monkeypatch.setattr(
        "postmortems.notifications.tasks.beat_heartbeat_record",
        lambda now: seen.append(current_request_id()),
    )
    record_beat_heartbeat.apply(headers={"request_id": "req-task"})
    record_beat_heartbeat.apply()  # sent by beat: no request behind it
    assert seen[0] == "req-task"
    assert HEX_ID.fullmatch(seen[1] or "")
    assert current_request_id() is None


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "SECRET_KEY": "test-only-" + "x" * 50, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _log_one_line(env: dict[str, str]) -> subprocess.CompletedProcess:
    return _manage(
        env, "shell", "-c", "import logging; logging.getLogger('probe').warning('hello')"
    )


def test_log_format_is_json_in_production_and_text_in_development():
    production = _log_one_line({"DEBUG": "false"})
    assert json.loads(production.stderr.strip().splitlines()[-1])["message"] == "hello"
    development = _log_one_line({"DEBUG": "true"})
    assert re.search(r" WARNING probe \[-\] hello$", development.stderr.strip()), development
    chosen = _log_one_line({"DEBUG": "false", "LOG_FORMAT": "text"})
    assert chosen.stderr.strip().endswith("WARNING probe [-] hello"), chosen
    wrong = _manage({"DEBUG": "false", "LOG_FORMAT": "xml"}, "check")
    assert wrong.returncode != 0
    assert "LOG_FORMAT='xml' is not one of: json, text" in wrong.stderr
