"""Idempotency-Key on the API's creates: a create sent twice creates once.

Semantics of the IETF draft "The Idempotency-Key HTTP Header Field" and of Stripe's
documented behaviour (https://docs.stripe.com/api/idempotent_requests).
"""

import datetime as dt
import json
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client

from postmortems.api.tasks import prune_idempotency_keys
from postmortems.api.tokens import api_token_create
from postmortems.models import (
    ActionItem,
    ApiIdempotencyKey,
    ApiToken,
    Incident,
    Postmortem,
    ReviewComment,
    TimelineEvent,
)
from tests.api.conftest import token_for
from tests.factories import IncidentFactory

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _post(client: Client, token: str, path: str, body, key: str | None):
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(path, json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def token(owner) -> str:
    return token_for(owner)


def _creates(incident, team) -> list[tuple[str, dict, type[Incident | TimelineEvent | ActionItem]]]:
    base = f"/api/v1/incidents/{incident.number}/postmortem"
    return [
        ("/api/v1/incidents", {"title": "Checkout down", "team": team.slug}, Incident),
        (f"{base}/timeline", {"occurred_at": "2026-11-02T08:00Z", "text": "Paged"}, TimelineEvent),
        (f"{base}/actions", {"title": "Add an alert"}, ActionItem),
    ]  # fmt: skip


def test_every_create_sent_twice_with_one_key_creates_once_and_answers_the_same(
    client, token, postmortem, team
):
    for path, body, model in _creates(postmortem.incident, team):
        before = model.objects.count()
        first = _post(client, token, path, body, key=f"key-{model.__name__}")
        again = _post(client, token, path, {**body}, key=f"key-{model.__name__}")

        assert first.status_code == again.status_code == 201, (path, again.json())
        assert again.json() == first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert "Idempotent-Replayed" not in first
        assert model.objects.count() == before + 1


def test_a_review_comment_sent_twice_with_one_key_is_posted_once(client, token, postmortem):
    Postmortem.objects.filter(pk=postmortem.pk).update(status=Postmortem.Status.IN_REVIEW)
    path = f"/api/v1/incidents/{postmortem.incident.number}/postmortem/comments"
    body = {"section": "impact", "text": "How many users?"}
    first = _post(client, token, path, body, key="comment-1")
    again = _post(client, token, path, body, key="comment-1")
    assert first.status_code == again.status_code == 201, again.json()
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert ReviewComment.objects.count() == 1


def test_starting_a_postmortem_with_a_key_is_replayed(client, token, incident):
    path = f"/api/v1/incidents/{incident.number}/postmortem"
    first = _post(client, token, path, {}, key='"8e03978e-40d5-43e8-bc93-6894a57f9324"')
    again = _post(client, token, path, {}, key='"8e03978e-40d5-43e8-bc93-6894a57f9324"')

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Postmortem.objects.count() == 1


def test_without_a_key_each_create_creates(client, token, postmortem):
    path = f"/api/v1/incidents/{postmortem.incident.number}/postmortem/actions"
    for _ in range(2):
        assert _post(client, token, path, {"title": "Twice"}, key=None).status_code == 201
    assert ActionItem.objects.count() == 2
    assert not ApiIdempotencyKey.objects.exists()


def test_the_same_json_spaced_or_ordered_otherwise_is_the_same_body(client, token, team):
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k1"}
    first = client.post(
        "/api/v1/incidents", '{"title": "A", "team": "platform"}',
        content_type="application/json", headers=headers,
    )  # fmt: skip
    again = client.post(
        "/api/v1/incidents", '{ "team":"platform",\n "title":"A" }',
        content_type="application/json", headers=headers,
    )  # fmt: skip
    assert (first.status_code, again.status_code) == (201, 201)
    assert Incident.objects.count() == 1


def test_the_same_key_with_another_body_is_refused_and_creates_nothing(client, token, postmortem):
    path = f"/api/v1/incidents/{postmortem.incident.number}/postmortem/actions"
    assert _post(client, token, path, {"title": "First"}, key="k").status_code == 201

    other = _post(client, token, path, {"title": "Second"}, key="k")

    assert other.status_code == 422
    assert "already used with another request" in other.json()["detail"]
    assert list(ActionItem.objects.values_list("title", flat=True)) == ["First"]


def test_the_same_key_on_another_endpoint_is_refused(client, token, postmortem):
    base = f"/api/v1/incidents/{postmortem.incident.number}/postmortem"
    assert _post(client, token, f"{base}/actions", {"title": "T"}, key="k").status_code == 201
    body = {"occurred_at": "2026-11-02T08:00:00Z", "text": "T"}
    assert _post(client, token, f"{base}/timeline", body, key="k").status_code == 422
    assert not TimelineEvent.objects.exists()


def test_keys_are_each_tokens_own(client, owner, postmortem):
    path = f"/api/v1/incidents/{postmortem.incident.number}/postmortem/actions"
    for secret in (token_for(owner), token_for(owner)):
        response = _post(client, secret, path, {"title": "Mine"}, key="shared")
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response
    assert ActionItem.objects.count() == 2


def test_a_request_still_in_flight_answers_409_and_creates_nothing(client, token, postmortem):
    path = f"/api/v1/incidents/{postmortem.incident.number}/postmortem/actions"
    body = {"title": "Slow"}
    with time_machine.travel(NOW, tick=False):
        ApiIdempotencyKey.objects.create(
            token=ApiToken.objects.get(),
            key="k",
            endpoint=f"POST {path}",
            fingerprint=_fingerprint(body),
        )
        response = _post(client, token, path, body, key="k")

    assert response.status_code == 409
    assert "still being processed" in response.json()["detail"]
    assert not ActionItem.objects.exists()


def test_a_claim_abandoned_by_a_dead_request_is_taken_over(client, token, postmortem):
    path = f"/api/v1/incidents/{postmortem.incident.number}/postmortem/actions"
    body = {"title": "After a crash"}
    with time_machine.travel(NOW, tick=False):
        ApiIdempotencyKey.objects.create(
            token=ApiToken.objects.get(), key="k", endpoint=f"POST {path}",
            fingerprint=_fingerprint(body),
        )  # fmt: skip
    with time_machine.travel(NOW + dt.timedelta(minutes=6), tick=False):
        response = _post(client, token, path, body, key="k")
    assert response.status_code == 201
    assert ActionItem.objects.count() == 1


def test_an_error_keeps_nothing_and_frees_the_key(client, token, postmortem):
    path = f"/api/v1/incidents/{postmortem.incident.number}/postmortem/actions"

    refused = _post(client, token, path, {"title": ""}, key="k")
    fixed = _post(client, token, path, {"title": "Fixed"}, key="k")

    assert refused.status_code == 422
    assert fixed.status_code == 201
    assert "Idempotent-Replayed" not in fixed
    assert ActionItem.objects.count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "two words"])
def test_a_malformed_key_is_refused_as_json(client, token, team, key):
    response = _post(client, token, "/api/v1/incidents", {"title": "A", "team": team.slug}, key)

    assert response.status_code == 422
    assert response.json()["errors"] == {"Idempotency-Key": [response.json()["detail"]]}
    assert not Incident.objects.exists()


def test_a_key_with_a_read_only_token_is_refused_before_anything(client, owner, team):
    secret = token_for(owner, ApiToken.Scope.READ)
    response = _post(client, secret, "/api/v1/incidents", {"title": "A", "team": team.slug}, "k")
    assert response.status_code == 403
    assert not ApiIdempotencyKey.objects.exists()


def test_a_key_is_kept_for_24_hours_then_pruned_and_free_again(client, token, postmortem):
    path = f"/api/v1/incidents/{postmortem.incident.number}/postmortem/actions"
    with time_machine.travel(NOW, tick=False):
        assert _post(client, token, path, {"title": "Day one"}, key="k").status_code == 201
    with time_machine.travel(NOW + dt.timedelta(hours=23), tick=False):
        assert prune_idempotency_keys.apply().get() == 0
        assert _post(client, token, path, {"title": "Day one"}, key="k")["Idempotent-Replayed"]
    with time_machine.travel(NOW + dt.timedelta(hours=25), tick=False):
        assert prune_idempotency_keys.apply().get() == 1
        again = _post(client, token, path, {"title": "Day one"}, key="k")
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert ActionItem.objects.count() == 2


def test_the_prune_runs_hourly_in_the_beat_schedule(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["prune-idempotency-keys"]
    assert schedule["task"] == "postmortems.api.tasks.prune_idempotency_keys"
    assert schedule["schedule"] == 3600


def test_the_schema_documents_the_header_on_every_create(client):
    schema = client.get("/api/v1/openapi.json").json()
    creates = {
        (path, method)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "201" in operation["responses"]
    }
    assert creates == {
        ("/api/v1/incidents", "post"),
        ("/api/v1/incidents/{number}/postmortem", "post"),
        ("/api/v1/incidents/{number}/postmortem/timeline", "post"),
        ("/api/v1/incidents/{number}/postmortem/actions", "post"),
        ("/api/v1/incidents/{number}/postmortem/comments", "post"),
    }
    for path, method in creates:
        operation = schema["paths"][path][method]
        headers = [p for p in operation["parameters"] if p["in"] == "header"]
        assert [h["name"] for h in headers] == ["Idempotency-Key"], path
        assert {"409", "422"} <= set(operation["responses"]), path
        assert "Idempotent-Replayed" in operation["responses"]["201"]["headers"], path
        assert operation["responses"]["201"]["links"], path


def _fingerprint(body: dict) -> str:
    from postmortems.api.idempotency_store import body_fingerprint

    return body_fingerprint(json.dumps(body).encode())


@pytest.mark.django_db(transaction=True)
def test_the_same_create_sent_at_once_by_several_clients_creates_once(postgres, team, owner):
    """Real concurrent requests on PostgreSQL, each thread on its own connection: one
    creates, each other one answers the same 201 (replayed) or 409; never a 5xx."""
    incident = IncidentFactory(team=team, owner=owner)
    Postmortem.objects.create(incident=incident)
    secret = api_token_create(user=owner, name="sync", scope=ApiToken.Scope.READ_WRITE)[1]
    path = f"/api/v1/incidents/{incident.number}/postmortem/actions"
    clients = 6
    barrier = threading.Barrier(clients)
    answers: list = []
    lock = threading.Lock()

    def send() -> None:
        try:
            barrier.wait(timeout=30)
            response = _post(
                Client(raise_request_exception=False), secret, path, {"title": "Once"}, "k"
            )
            with lock:
                answers.append(response)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(response.status_code for response in answers)
    assert len(statuses) == clients
    assert set(statuses) <= {201, 409}, statuses
    assert ActionItem.objects.count() == 1
    created = [r for r in answers if r.status_code == 201 and "Idempotent-Replayed" not in r]
    assert len(created) == 1
    for response in answers:
        if response.status_code == 201:
            assert response.json() == created[0].json()
        else:
            assert response.json()["detail"].startswith("A request with this Idempotency-Key")


@pytest.mark.parametrize("key", [None, "form"])
def test_a_form_body_is_refused_as_json_not_a_server_error(client, token, team, key):
    """Found by schemathesis: the bad-input middleware parsed the form, and the API
    then had no body left to read (500)."""
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    response = client.post("/api/v1/incidents", {"title": "A", "team": team.slug}, headers=headers)
    assert response.status_code == 422
    assert response.json()["detail"].endswith("(send JSON).")
    assert not Incident.objects.exists()
