"""A database that is down, read-only or full answers a 503 page, not a 500.

The page is a real template with `Retry-After`, names the trouble and, for a write,
says whether the change was saved; the write itself left nothing behind. SQLite is
made read-only (`PRAGMA query_only`) and full (`PRAGMA max_page_count`) for real;
PostgreSQL is made read-only with `ALTER DATABASE ... SET default_transaction_read_only`
and unreachable by pointing the connection at a closed port (the tests' own database,
never the server's others). The fault drills in bench/faults.py do the same on a
whole server stack under load.

Contention (a deadlock, a serialization failure, a lock not had) is not an outage:
the write runs again, and one that still meets other writes answers 409, "send it
again" (tests/core/test_concurrent_writers.py has real concurrent writers).
"""

import sqlite3
from contextlib import contextmanager
from typing import TypeVar

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test import Client
from django.urls import reverse

from lib import database_errors
from lib.database_errors import WRITE_ATTEMPTS, Trouble, database_trouble, retry_on_contention
from postmortems.api.tokens import api_token_create
from postmortems.models import ApiToken, Incident, Postmortem, SectionRevision
from postmortems.services.postmortems import text_fingerprint
from tests.smtp_capture import free_port

NEW_TEXT = "Connection pool exhaustion after a config push. " * 200  # needs new pages

E = TypeVar("E", bound=Exception)


def _session(user) -> Client:
    client = Client(raise_request_exception=False)  # answer like production does
    client.force_login(user)
    return client


def _save_summary(client: Client, postmortem: Postmortem):
    return client.post(
        reverse("pm-section-save", args=[postmortem.incident.number, "summary"]),
        {"text": NEW_TEXT, "base": text_fingerprint(postmortem.summary), "editor": "e1"},
        HTTP_HX_REQUEST="true",
    )


def _assert_unsaved_503(response, *, headline: str, retry_after: str) -> None:
    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == retry_after
    assert f"<h1>{headline}</h1>" in body
    assert "Your change was not saved." in body
    assert "Traceback" not in body
    assert "<title>Unavailable · Postmortems</title>" in body


def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own read-only and full modes; PostgreSQL has its own tests.")


@contextmanager
def _sqlite_pragma(name: str, value: int, normal: int):
    """The pragma set on the test's connection for the block, and set back through
    the driver itself: whatever the block left of Django's transaction bookkeeping,
    no later test on this connection finds the database read-only or full."""
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        connection.connection.execute(f"PRAGMA {name} = {normal}")


@pytest.mark.django_db
def test_a_save_on_a_read_only_sqlite_database_says_it_was_not_saved(postmortem, owner):
    _sqlite_only()
    client = _session(owner)
    before = postmortem.summary

    with _sqlite_pragma("query_only", 1, normal=0):
        response = _save_summary(client, postmortem)
        reading = client.get(reverse("pm-postmortem-detail", args=[postmortem.incident.number]))

    _assert_unsaved_503(response, headline="The database is read-only", retry_after="300")
    assert reading.status_code == 200  # reading goes on
    postmortem.refresh_from_db()
    assert postmortem.summary == before
    assert not SectionRevision.objects.exists()


@pytest.mark.django_db(transaction=True)  # SQLite ends the whole transaction when full
def test_a_save_on_a_full_sqlite_database_says_it_was_not_saved(postmortem, owner):
    _sqlite_only()
    client = _session(owner)
    before = postmortem.summary
    with connection.cursor() as cursor:
        # Earlier tests' deletes leave free pages a write could reuse: none may be left.
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA page_count")
        (pages,) = cursor.fetchone()
        cursor.execute("PRAGMA max_page_count")
        (normal,) = cursor.fetchone()

    with _sqlite_pragma("max_page_count", pages, normal=normal):  # no room to grow
        response = _save_summary(client, postmortem)
        reading = client.get(reverse("pm-postmortem-detail", args=[postmortem.incident.number]))

    _assert_unsaved_503(response, headline="The database is out of space", retry_after="300")
    assert reading.status_code == 200  # the failed write left the connection fit to read
    postmortem.refresh_from_db()
    assert postmortem.summary == before
    assert not SectionRevision.objects.exists()


@pytest.fixture
def read_only_postgres(postgres, transactional_db):
    """Makes the test database read-only for new connections, as a replica or an
    operator's `default_transaction_read_only` would, and writable again afterwards."""
    name = connection.ops.quote_name(connection.settings_dict["NAME"])

    def read_only() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {name} SET default_transaction_read_only = on")
        connection.close()  # the next connection starts read-only

    yield read_only
    with connection.cursor() as cursor:
        cursor.execute("SET default_transaction_read_only = off")
        cursor.execute(f"ALTER DATABASE {name} RESET default_transaction_read_only")
    connection.close()


def test_a_save_on_a_read_only_postgres_database_says_it_was_not_saved(
    read_only_postgres, postmortem, owner
):
    client = _session(owner)
    before = postmortem.summary
    token = api_token_create(user=owner, name="test", scope=ApiToken.Scope.READ_WRITE)[1]

    read_only_postgres()
    response = _save_summary(client, postmortem)
    reading = client.get(reverse("pm-postmortem-detail", args=[postmortem.incident.number]))
    api = client.patch(
        f"/api/v1/incidents/{postmortem.incident.reference}",
        {"title": "Renamed"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW transaction_read_only")
        assert cursor.fetchone() == ("on",)

    _assert_unsaved_503(response, headline="The database is read-only", retry_after="300")
    assert reading.status_code == 200
    assert api.status_code == 503
    assert api.json()["detail"] == "The database is read-only; the change was not saved."
    postmortem.refresh_from_db()
    assert postmortem.summary == before
    assert Incident.objects.get(pk=postmortem.incident_id).title != "Renamed"
    assert not SectionRevision.objects.exists()


def test_a_postgres_server_that_refuses_connections_answers_503_for_every_page(
    postgres, transactional_db, postmortem, owner
):
    client = _session(owner)
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()  # nothing listens there
    try:
        reading = client.get(reverse("pm-postmortem-detail", args=[postmortem.incident.number]))
        writing = _save_summary(client, postmortem)
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port

    for response in (reading, writing):
        body = response.content.decode()
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert "<h1>The database is not answering</h1>" in body
        assert "Traceback" not in body
    assert "Your change may not have been saved." in writing.content.decode()
    assert "Your change" not in reading.content.decode()
    postmortem.refresh_from_db()
    assert postmortem.summary != NEW_TEXT


def test_the_api_answers_503_json_when_the_database_refuses_connections(postgres, transactional_db):
    client = Client(raise_request_exception=False)
    port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = free_port()
    try:
        response = client.get("/api/v1/incidents", HTTP_AUTHORIZATION="Bearer pm_x")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = port

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["detail"] == "The database is not answering; try again shortly."


def _raised_by_django(driver_error: Exception, django_class: type[E]) -> E:
    """The exception as Django raises it: its own class, the driver's as the cause."""
    try:
        raise django_class(*driver_error.args) from driver_error
    except django_class as error:
        return error


def test_driver_errors_are_told_apart_by_their_codes(tmp_path):
    with pytest.raises(sqlite3.OperationalError) as cannot_open:
        sqlite3.connect(f"file:{tmp_path}/missing/db.sqlite3?mode=ro", uri=True)
    with pytest.raises(psycopg.OperationalError) as refused:
        psycopg.connect(host="127.0.0.1", port=free_port(), connect_timeout=2)

    assert database_trouble(_raised_by_django(cannot_open.value, OperationalError)) == (
        Trouble.UNAVAILABLE
    )
    assert database_trouble(_raised_by_django(refused.value, OperationalError)) == (
        Trouble.UNAVAILABLE
    )
    assert database_trouble(IntegrityError("duplicate key")) is None  # a bug: 500
    assert database_trouble(ValueError("not a database error")) is None
    assert database_trouble(None) is None


@pytest.mark.django_db
def test_other_errors_still_answer_the_500_page(client, owner, postmortem, monkeypatch):
    from postmortems.views import editor

    def broken(**kwargs):
        raise IntegrityError("a bug, not an outage")

    monkeypatch.setattr(editor, "postmortem_update_section", broken)
    client = _session(owner)

    response = _save_summary(client, postmortem)

    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "Retry-After" not in response


# Contention: two writes met (a deadlock, a serialization failure, a lock not had).
# Not an outage: the write runs again, and if it still meets others it answers 409.

CONTENTION_ERRORS = [
    psycopg.errors.DeadlockDetected("deadlock detected"),
    psycopg.errors.SerializationFailure("could not serialize access"),
    psycopg.errors.LockNotAvailable("could not obtain lock on row"),
]


def _deadlock() -> OperationalError:
    return _raised_by_django(psycopg.errors.DeadlockDetected("deadlock detected"), OperationalError)


@pytest.mark.parametrize("driver_error", CONTENTION_ERRORS, ids=lambda e: type(e).__name__)
def test_deadlocks_serialization_failures_and_lock_timeouts_are_contention_not_an_outage(
    driver_error,
):
    error = _raised_by_django(driver_error, OperationalError)
    assert database_trouble(error) is Trouble.CONTENTION


def test_sqlite_busy_past_its_timeout_is_contention_not_an_outage(tmp_path):
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError) as busy:
            other.execute("INSERT INTO t VALUES (1)")
    finally:
        other.close()
        holder.close()

    assert database_trouble(_raised_by_django(busy.value, OperationalError)) is Trouble.CONTENTION


@pytest.fixture
def no_pauses(monkeypatch) -> list[float]:
    pauses: list[float] = []
    monkeypatch.setattr(database_errors.time, "sleep", pauses.append)
    return pauses


def _failing(times: int, error: Exception):
    calls = []

    @retry_on_contention
    def write(value: str) -> str:
        calls.append(value)
        if len(calls) <= times:
            raise error
        return value

    return write, calls


def test_a_write_that_meets_a_deadlock_runs_again_and_succeeds(no_pauses):
    write, calls = _failing(2, _deadlock())

    assert write("saved") == "saved"
    assert calls == ["saved"] * 3
    assert len(no_pauses) == 2  # a random pause before each new run


def test_a_write_that_keeps_meeting_deadlocks_gives_up_after_the_last_attempt(no_pauses):
    write, calls = _failing(99, _deadlock())

    with pytest.raises(OperationalError) as gave_up:
        write("lost")
    assert len(calls) == WRITE_ATTEMPTS
    assert database_trouble(gave_up.value) is Trouble.CONTENTION  # answered 409


def test_other_database_errors_are_not_run_again(no_pauses):
    write, calls = _failing(1, IntegrityError("duplicate key"))

    with pytest.raises(IntegrityError):
        write("bug")
    assert len(calls) == 1


@pytest.mark.django_db
def test_inside_an_outer_transaction_a_deadlock_goes_up_to_its_owner(no_pauses):
    write, calls = _failing(1, _deadlock())

    with pytest.raises(OperationalError), transaction.atomic():
        write("nested")
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_a_timeline_event_whose_write_met_a_deadlock_is_saved_once(
    owner, postmortem, monkeypatch, no_pauses
):
    """The real write path: the first run's transaction ends in a deadlock after the
    event was inserted; it is rolled back and run again, and the client sees a 201."""
    from postmortems.services import timeline

    index = timeline.index_postmortem
    runs = []

    def deadlocks_once(pk: int) -> None:
        runs.append(pk)
        if len(runs) == 1:
            raise _deadlock()
        index(pk)

    monkeypatch.setattr(timeline, "index_postmortem", deadlocks_once)
    token = api_token_create(user=owner, name="test", scope=ApiToken.Scope.READ_WRITE)[1]
    response = Client(raise_request_exception=False).post(
        f"/api/v1/incidents/{postmortem.incident.number}/postmortem/timeline",
        {"occurred_at": "2026-11-02T10:00:00Z", "text": "Failover started"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 201
    assert len(runs) == 2
    assert list(postmortem.timeline_events.values_list("text", flat=True)) == ["Failover started"]


@pytest.fixture
def always_deadlocked(monkeypatch, no_pauses):
    """Every write of a section, a timeline event and an alert delivery meets a deadlock
    on every run: what the person (or script) is told once the retries are spent."""
    from postmortems.alerting import incident_groups as alerts
    from postmortems.api import timeline
    from postmortems.views import editor

    def deadlocked(**kwargs):
        raise _deadlock()

    monkeypatch.setattr(editor, "postmortem_update_section", retry_on_contention(deadlocked))
    monkeypatch.setattr(timeline, "timeline_event_create", retry_on_contention(deadlocked))
    monkeypatch.setattr(alerts, "apply_with_retry", deadlocked)


@pytest.mark.django_db(transaction=True)
def test_a_page_save_that_keeps_meeting_other_writes_answers_409_saying_save_again(
    always_deadlocked, owner, postmortem
):
    client = _session(owner)
    url = reverse("pm-section-save", args=[postmortem.incident.number, "summary"])
    data = {"text": NEW_TEXT, "base": text_fingerprint(postmortem.summary), "editor": "e1"}

    page = client.post(url, data)
    htmx = client.post(url, data, HTTP_HX_REQUEST="true")
    autosave = client.post(url, {**data, "action": "autosave"}, HTTP_ACCEPT="application/json")

    saying = "your change was not saved. Save it again: nothing needs merging."
    assert page.status_code == 409
    assert "<h1>Not saved: someone else was saving at the same moment</h1>" in page.content.decode()
    assert saying in page.content.decode()
    assert "database" not in page.content.decode()
    # htmx swaps a 409 (templates/base.html): a notice at the top of the page it is on.
    assert htmx.status_code == 409
    assert htmx["HX-Retarget"] == "body"
    assert htmx["HX-Reswap"] == "afterbegin"
    assert htmx.content.decode().startswith('<p class="message message--error" role="alert">')
    # The autosave script retries a JSON 409 (static/js/autosave.js).
    assert autosave.status_code == 409
    assert saying in autosave.json()["error"]
    postmortem.refresh_from_db()
    assert postmortem.summary != NEW_TEXT


@pytest.mark.django_db(transaction=True)
def test_an_api_write_that_keeps_meeting_other_writes_answers_409_json_saying_send_again(
    always_deadlocked, owner, postmortem
):
    token = api_token_create(user=owner, name="test", scope=ApiToken.Scope.READ_WRITE)[1]
    response = Client(raise_request_exception=False).post(
        f"/api/v1/incidents/{postmortem.incident.number}/postmortem/timeline",
        {"occurred_at": "2026-11-02T10:00:00Z", "text": "Failover started"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Someone else was changing the same postmortem at the same moment; "
        "nothing was saved. Send the same request again.",
        "errors": {},
    }
    assert not postmortem.timeline_events.exists()


@pytest.mark.django_db(transaction=True)
def test_an_alert_delivery_that_keeps_meeting_other_writes_asks_the_sender_to_send_again(
    always_deadlocked, team
):
    """Alerting systems resend after a 5xx only: a 409 would drop the alert."""
    from tests.alerting.support import make_hook

    hook = make_hook(team)
    response = hook.post(Client(raise_request_exception=False), "alertmanager_firing")

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json() == {"error": "Busy with another write to this incident; send it again."}
    assert not Incident.objects.exists()
