"""A database that is down, read-only or full answers a 503 page, not a 500.

The page is a real template with `Retry-After`, names the trouble and, for a write,
says whether the change was saved; the write itself left nothing behind. SQLite is
made read-only (`PRAGMA query_only`) and full (`PRAGMA max_page_count`) for real;
PostgreSQL is made read-only with `ALTER DATABASE ... SET default_transaction_read_only`
and unreachable by pointing the connection at a closed port (the tests' own database,
never the server's others). The fault drills in bench/faults.py do the same on a
whole server stack under load.
"""

import sqlite3
from contextlib import contextmanager

import psycopg
import pytest
from django.db import IntegrityError, OperationalError, connection
from django.test import Client
from django.urls import reverse

from config.database_errors import Trouble, database_trouble
from postmortems.models import ApiToken, Incident, Postmortem, SectionRevision
from postmortems.services.api_tokens import api_token_create
from postmortems.services.postmortems import text_fingerprint
from tests.smtp_capture import free_port

NEW_TEXT = "Connection pool exhaustion after a config push. " * 200  # needs new pages


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
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA {name} = {normal}")


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

    _assert_unsaved_503(response, headline="The database is out of space", retry_after="300")
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


def _raised_by_django(driver_error: Exception, django_class: type) -> Exception:
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
