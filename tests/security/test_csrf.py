"""No state changes without a CSRF token, even for a signed-in administrator.

Every named page of the app (the URLS table of tests/core/test_permissions.py,
which its completeness test keeps equal to the URL conf) is POSTed to without a token:
views that change state and views that only answer GET alike must say 403 and leave
every row as it was. The machine endpoints take no cookies at all: the alert receivers
authenticate by token or signature, the JSON API by bearer token only, so a session
cookie alone gets 401 there."""

import json

import pytest
from django.apps import apps
from django.core import serializers
from django.test import Client
from django.urls import reverse

from postmortems.models import AlertDelivery, Incident
from tests.api.test_api_permissions import OPERATIONS
from tests.api.test_api_permissions import _path as api_path
from tests.core import test_permissions as permissions
from tests.core.test_permissions import URLS, _url

objects = permissions.objects  # the same objects the permission table is checked on

# Rows that change on every request whatever it says: sessions and sign-in attempts.
VOLATILE = {"sessions.session", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}
# Django's own account views that take a POST (sign-in and sign-out included).
ACCOUNT_POSTS = ["login", "logout", "password_change", "password_reset"]


def _snapshot() -> dict[str, str]:
    return {
        model._meta.label_lower: serializers.serialize(
            "json", model._default_manager.order_by("pk")
        )
        for model in apps.get_models()
        if model._meta.label_lower not in VOLATILE
    }


@pytest.fixture
def csrf_client(admin_user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    return client


def _changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [label for label in before if before[label] != after[label]]


@pytest.mark.parametrize("restricted", [False, True], ids=["open", "restricted"])
@pytest.mark.parametrize(("name", "method", "access", "extra"), URLS, ids=[u[0] for u in URLS])
def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(
    csrf_client, objects, restricted, name, method, access, extra
):
    postmortem = objects["postmortem"]
    postmortem.incident.restricted = restricted
    postmortem.incident.save()
    url = _url(name, extra, objects)
    # Plausible form data, so a view that skipped the check would really write.
    data = {
        "title": "Forged",
        "text": "Forged words.",
        "status": "published",
        "revision": "0",
        "reason": "Forged.",
        "due_date": "2030-01-01",
        "owner": str(objects["item"].owner_id),
    }
    before = _snapshot()
    response = csrf_client.post(url, data)
    assert response.status_code == 403, (name, response.status_code)
    assert b"CSRF" in response.content
    assert _changed(before, _snapshot()) == []


@pytest.mark.parametrize("name", ACCOUNT_POSTS)
def test_account_forms_refuse_a_post_without_a_token(csrf_client, admin_user, name):
    before = _snapshot()
    data = {"username": admin_user.email, "email": admin_user.email, "old_password": "x"}
    response = csrf_client.post(reverse(name), data)
    assert response.status_code == 403
    assert _changed(before, _snapshot()) == []
    # Still signed in: a forged sign-out did not sign anyone out.
    assert csrf_client.get(reverse("pm-incident-list")).status_code == 200


def test_starting_a_single_sign_on_refuses_a_post_without_a_token(sso_settings, csrf_client):
    """The sign-in buttons POST with a token: a forged one cannot start a sign-in (and
    so sign someone out and in as another account)."""
    before = _snapshot()
    response = csrf_client.post(reverse("accounts-sso-login", args=["corp"]), {"next": "/"})
    assert response.status_code == 403
    assert _changed(before, _snapshot()) == []
    assert csrf_client.get(reverse("pm-incident-list")).status_code == 200


def test_the_same_post_with_a_token_is_accepted(csrf_client, objects):
    """The refusal above is about the token, not the request: with one, it goes through."""
    url = reverse("pm-postmortem-status", args=[objects["postmortem"].incident.number])
    csrf_client.get(reverse("pm-incident-list"))
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(url, {"status": "in_review", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    objects["postmortem"].refresh_from_db()
    assert objects["postmortem"].status == "in_review"


@pytest.mark.parametrize(("key"), list(OPERATIONS), ids=["-".join(k) for k in OPERATIONS])
def test_the_api_refuses_a_session_cookie_without_a_token(csrf_client, objects, key):
    name, method = key
    _access, extra, body = OPERATIONS[key]
    path = api_path(name, extra, objects)
    # A body may first put a row in the state its write needs (a review in review for a
    # comment): that happens before the snapshot, so only the request's writes count.
    payload = None
    if method != "get":
        assert body is not None  # every write sends one
        payload = json.dumps(body(objects), default=str)
    before = _snapshot()
    if method == "get":
        response = csrf_client.get(path)
    else:
        response = getattr(csrf_client, method)(path, payload, content_type="application/json")
    assert response.status_code == 401, (key, response.status_code)
    assert _changed(before, _snapshot()) == []


def test_alert_receivers_refuse_a_session_cookie_without_their_token(csrf_client, objects):
    integration = objects["integration"]
    body = {"status": "firing", "alerts": [{"status": "firing", "labels": {"alertname": "X"}}]}
    response = csrf_client.post(
        reverse("pm-alert-receiver", args=[integration.code]),
        json.dumps(body),
        content_type="application/json",
    )
    assert response.status_code == 401
    # The fixture's two: its incident and the earlier one it may repeat.
    assert Incident.objects.count() == 2
    delivery = AlertDelivery.objects.get()
    assert delivery.http_status == 401
