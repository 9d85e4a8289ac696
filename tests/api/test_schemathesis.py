"""Property-based tests of the live API against its own OpenAPI schema (schemathesis).

For every operation, schemathesis generates valid and invalid requests from
/api/v1/openapi.json and sends them, with a read and write token, to the Django WSGI
application in this process (so they see the test database). Every check runs: no 5xx,
every status code, content type, header and body as the schema documents them, invalid
input refused, authentication not ignored.

Path parameters point at a real incident, event and action item (one that exists and
this token may edit), so the requests reach the handlers instead of stopping at a 404.

Three tests: every operation alone; chains of operations along the schema's OpenAPI
links (stateful: create an incident, read it, start its postmortem, add events and
items, change them); and, on PostgreSQL, several clients racing for the same objects
(one wins, the others get 409, never a 5xx).

schemathesis is a dev dependency: without it this module fails to import, and the run
fails. It is never skipped.
"""

import threading
from typing import Any
from uuid import UUID

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from postmortems.api.models import hash_secret
from postmortems.models import ActionItem, ApiToken, Incident, Postmortem
from postmortems.services.postmortems import text_fingerprint
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    ServiceFactory,
    TimelineEventFactory,
)

# A fixed secret, so that schemathesis itself sends it (and leaves it out, or sends it
# wrong, when it tests that authentication is not ignored). world() stores its hash.
SECRET = "pmt_schemathesis-test-token-not-a-secret"
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": 25},
        "auth": {"openapi": {"ApiTokenAuth": {"bearer": SECRET}}},
        "checks": {
            # Valid per the schema is not always acceptable: a schema cannot say that a
            # team slug must exist, that detection comes after the start, or which
            # readiness checks a postmortem passes. Those answer 422, as documented.
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
            },
        },
        # The stateful test follows the schema's own links only. Inferred links take
        # any operation with a `number` to be the created incident itself, e.g. its
        # postmortem, which exists only once started (a link says so).
        "phases": {
            "stateful": {"inference": {"algorithms": []}, "generation": {"mode": "positive"}}
        },
    }
)


# Loaded when the module is collected: the schema describes code, not data, so reading
# it needs no database.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)


@pytest.fixture
def keep_connection():
    """The WSGI application is called directly, not through Django's test client, so do
    what the client does: keep request_started/finished from closing the database
    connection, which holds the test's transaction (on PostgreSQL it would be gone)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(postmortem, owner, keep_connection):
    ServiceFactory(slug="checkout")
    return {
        "number": postmortem.incident.number,
        "event": TimelineEventFactory(postmortem=postmortem).code,
        "item": ActionItemFactory(postmortem=postmortem).code,
        "token": ApiToken.objects.create(
            user=owner,
            name="schemathesis",
            scope=ApiToken.Scope.READ_WRITE,
            prefix=SECRET[:12],
            secret_hash=hash_secret(SECRET),
        ),
    }


@schema.parametrize()
@settings(
    max_examples=25,
    # The same examples on every run: CI says the same thing twice. (Run with
    # --hypothesis-seed=random, or drop this line locally, to explore further.)
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_schema(case, world):
    # Valid path parameters are pointed at real objects; invalid ones (negative cases)
    # stay as generated, to be refused.
    parameters = case.path_parameters or {}
    if _valid_number(parameters.get("number")):
        parameters["number"] = world["number"]
    if _valid_code(parameters.get("code")):
        parameters["code"] = str(world["item"] if "/actions/" in case.path else world["event"])
    case.call_and_validate()


def _valid_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 999_999_999


def _valid_code(value) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return value is not None


# A base class made at run time, from the schema: mypy cannot follow it.
class ApiWorkflow(schema.as_state_machine()):  # type: ignore[misc]
    """Stateful: chains of requests along the schema's links (postmortems/api/links.py),
    each taking what the one before answered: create an incident, read it, change it,
    start its postmortem, add timeline events and action items, change and complete
    those. Every step is checked as above, and the stateful checks run too (a created
    object is there to read; what was answered as deleted is gone)."""

    def before_call(self, case) -> None:
        # Steer the bodies of the creates towards success, so that chains go on: a
        # real team, no owner (an owner must exist and see the incident), dates in
        # the stored range (1900-2199, which a schema cannot say). The values that
        # are left stay as generated.
        body = case.body if isinstance(case.body, dict) else None
        if body is None or case.method != "POST":
            return
        if case.path == "/api/v1/incidents":
            body["team"] = "platform"
            for name in ("owner", "started_at", "detected_at", "mitigated_at", "resolved_at"):
                body.pop(name, None)
        elif case.path.endswith("/postmortem/actions"):
            for name in ("owner", "due_date", "tracker_url"):
                body.pop(name, None)
        elif case.path.endswith("/postmortem/timeline"):
            body["occurred_at"] = "2026-11-02T09:00:00Z"
            body.pop("source_url", None)


def test_chains_of_requests_along_the_links_keep_to_the_schema(world, team):
    ApiWorkflow.run(
        settings=settings(
            max_examples=25,
            stateful_step_count=8,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )


# Several clients at once, on PostgreSQL: the checks above, for requests that race.
_RESPONSE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.django_db(transaction=True)
def test_clients_racing_for_the_same_objects_get_conflicts_never_server_errors(
    postgres, world, team, owner
):
    """Each client sends the same writes at the same moment, each on its own thread and
    database connection: one wins each race, the others are answered 409 (or get the
    first answer again, for a create with one Idempotency-Key), every answer is as the
    schema documents it, and nothing is created twice."""
    number = world["number"]
    fresh = IncidentFactory(team=team, owner=owner)  # no postmortem yet
    revision = Incident.objects.get(number=number).revision
    summary = Postmortem.objects.get(incident__number=number).summary
    path = "/incidents/{number}"
    # race -> (method, path template, path parameters, body)
    races: dict[str, tuple[str, str, dict[str, Any], dict[str, Any] | None]] = {
        "edit the incident": ("PATCH", path, {"number": number}, {"revision": revision}),
        "save a section": (
            "PUT",
            f"{path}/postmortem/sections/{{section}}",
            {"number": number, "section": "summary"},
            {"text": "Client {n} wrote this.", "base": text_fingerprint(summary)},
        ),
        "complete an item": (
            "POST",
            f"{path}/postmortem/actions/{{code}}/complete",
            {"number": number, "code": str(world["item"])},
            {"revision": 0},
        ),
        "start a postmortem": ("POST", f"{path}/postmortem", {"number": fresh.number}, None),
        "add an item once": (
            "POST",
            f"{path}/postmortem/actions",
            {"number": number},
            {"title": "Once"},
        ),
    }
    clients = 4
    answers: dict[str, list[int]] = {race: [] for race in races}
    failures: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(n: int) -> None:
        try:
            for race, (method, template, parameters, sent) in races.items():
                # Each client's own text: the same text saved twice is no conflict.
                body = sent
                if body and "text" in body:
                    body = {**body, "text": body["text"].format(n=n)}
                optional: dict[str, Any] = {} if body is None else {"body": body}
                case = schema["/api/v1" + template][method].Case(
                    path_parameters=parameters,
                    headers={
                        "Authorization": f"Bearer {SECRET}",
                        **({"Idempotency-Key": "race"} if race == "add an item once" else {}),
                    },
                    **optional,
                )
                barrier.wait(timeout=30)
                response = case.call()
                with lock:
                    answers[race].append(response.status_code)
                case.validate_response(response, checks=_RESPONSE_CHECKS)
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    assert sorted(answers["edit the incident"]) == [200] + [409] * (clients - 1)
    assert sorted(answers["save a section"]) == [200] + [409] * (clients - 1)
    assert sorted(answers["complete an item"]) == [200] + [409] * (clients - 1)
    assert answers["start a postmortem"] == [201] * clients
    assert Postmortem.objects.filter(incident=fresh).count() == 1
    assert set(answers["add an item once"]) <= {201, 409}
    assert ActionItem.objects.filter(title="Once").count() == 1
