"""Hostile and odd input, sent by anyone: never a server error, always the 4xx the
client's kind expects (JSON from the API and the receivers, the error page on pages).

Several of these failed only on PostgreSQL, which stores no NUL: run on both."""

import json
import uuid

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.urls import reverse

from tests.alerting.support import alertmanager, make_hook, payload
from tests.api.conftest import ApiClient, token_for

pytestmark = pytest.mark.django_db

KINDS = ["alertmanager", "grafana", "pagerduty", "opsgenie"]
DEEP = b"[" * 50_000 + b"]" * 50_000

HOSTILE_BODIES = {
    "raw NUL": b'{"alerts": "\x00"}',
    "escaped NUL": json.dumps({"alerts": [{"fingerprint": "a\u0000b"}]}).encode(),
    "UTF-16": json.dumps(payload("alertmanager_firing")).encode("utf-16"),
    "UTF-32": json.dumps({"event": {}}).encode("utf-32"),
    "Latin-1": '{"title": "café"}'.encode("latin-1"),
    "lone surrogate": b'{"title": "\\ud800"}',
    "deep lists": DEEP,
    "deep objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "NaN": b'{"alerts": NaN}',
    "Infinity": b'{"createdAt": Infinity}',
    "1e400": b'{"createdAt": 1e400}',
    "empty": b"",
    "not JSON": b"\xff\xfe\x00garbage",
    "a list": b"[]",
    "BOM": b"\xef\xbb\xbf{}",
    # Past Python's 4,300-digit limit on int(): a ValueError out of json.loads.
    "5,000-digit integer": b'{"alerts": ' + b"9" * 5_000 + b"}",
    "opsgenie 5,000-digit priority": b'{"action": "Create", "alert": {"alertId": "x", '
    b'"priority": ' + b"1" * 5_000 + b"}}",
    "opsgenie 1e308": json.dumps(
        {"action": "Create", "alert": {"alertId": "x", "message": "m", "createdAt": 1e308}}
    ).encode(),
    "opsgenie -1e308": json.dumps(
        {"action": "Close", "alert": {"alertId": "x", "updatedAt": 1.7e308}}
    ).encode(),
}


def _assert_json_4xx(response, key: str) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert key in response.json()


@pytest.mark.parametrize("kind", KINDS)
def test_no_hostile_body_makes_a_receiver_answer_a_server_error(client, team, kind):
    hook = make_hook(team, kind)
    for name, body in HOSTILE_BODIES.items():
        response = client.post(
            hook.url, data=body, content_type="application/json", headers=hook.headers(body)
        )
        assert response.status_code != 500, name
        _assert_json_4xx(response, "error")


def test_no_hostile_body_to_an_unknown_receiver_is_a_server_error(client, db):
    url = reverse("pm-alert-receiver", args=[uuid.uuid4()])
    for name, body in HOSTILE_BODIES.items():
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 404, name
        _assert_json_4xx(response, "error")


@pytest.mark.parametrize(
    "headers",
    [
        {"X-PagerDuty-Signature": "v1=é"},
        {"X-PagerDuty-Signature": "v1=\u00ff" * 200},
        {"Authorization": "Bearer é"},
        {"Authorization": "Bearer " + "x" * 10_000},
        {"User-Agent": "\u00e9" * 600, "X-Webhook-Id": "\x00"},
    ],
)
@pytest.mark.parametrize("kind", KINDS)
def test_no_hostile_header_makes_a_receiver_answer_a_server_error(client, team, kind, headers):
    hook = make_hook(team, kind)
    response = client.post(hook.url, data=b"{}", content_type="application/json", headers=headers)
    assert response.status_code == 401
    _assert_json_4xx(response, "error")


@pytest.mark.parametrize("text", ["a\x00b", "\ud800"])
def test_text_no_database_stores_in_a_valid_payload_is_refused_with_400(client, team, text):
    hook = make_hook(team)
    response = hook.post(client, alertmanager(labels={"alertname": text}))
    assert response.status_code == 400
    assert "Text may not contain" in response.json()["error"]


def test_an_opsgenie_time_past_any_calendar_is_refused_with_400(client, team):
    hook = make_hook(team, "opsgenie")
    body = payload("opsgenie_create")
    body["alert"]["createdAt"] = 1e308
    response = hook.post(client, body)
    assert response.status_code == 400
    assert "Use a date between the years 1900 and 2199." in response.json()["error"]


def _search_pages() -> list[str]:
    """Every list page with a search box or filters, the admin's changelists included."""
    pages = [
        reverse("pm-incident-list"),
        reverse("pm-archive"),
        reverse("pm-archive-services"),
        reverse("pm-archive-tags"),
        reverse("pm-dashboard-items"),
        reverse("pm-outbox"),
        reverse("pm-alert-deliveries"),
    ]
    for model, model_admin in admin.site._registry.items():
        if model_admin.search_fields or model_admin.list_filter:
            meta = model._meta
            pages.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    return pages


HOSTILE_PARAMS = ["a\x00b", "%00", "'; --", "%", "\\", "\u202e", "x" * 5000]


# One test per page, so the test processes share them out (the pages of the admin
# are many, and every one is asked 28 times).
@pytest.mark.parametrize("path", _search_pages())
def test_no_hostile_parameter_makes_a_list_page_answer_a_server_error(client, admin_user, path):
    client.force_login(admin_user)
    for value in HOSTILE_PARAMS:
        for name in ["q", "service", "tag", "o"]:
            response = client.get(path, {name: value})
            assert response.status_code < 500, (path, name, value, response.status_code)
            if "\x00" in value:
                assert response.status_code == 400, (path, name)
                assert b"NUL" in response.content


def test_a_nul_in_a_form_post_is_a_400_page(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("pm-archive-follow"), {"service": "\x00", "tag": "a"})
    assert response.status_code == 400
    assert b"We could not read that request" in response.content


def test_api_refuses_hostile_bodies_as_json_4xx(owner):
    api = ApiClient(token_for(owner))
    url = reverse("pm-api:incidents")
    bodies = [b"x" * 3_000_000, DEEP, json.dumps({"title": "\x00"}).encode("utf-16")]
    bodies += [b'{"title": "a\\u0000b"}', b'{"title": NaN}', *HOSTILE_BODIES.values()]
    for body in bodies:
        response = api.client.post(
            url, data=body, content_type="application/json", headers=api.headers
        )
        assert response.status_code in {400, 413, 422}, (body[:40], response.status_code)
        assert "detail" in response.json()
    huge = api.client.post(
        url, data=b"x" * 3_000_000, content_type="application/json", headers=api.headers
    )
    assert huge.status_code == 413
    nul = api.client.get(url, {"q": "\x00"}, headers=api.headers)
    assert nul.status_code == 422
    assert nul.json()["errors"] == {}


def test_an_oversized_form_post_is_a_413_page(client, admin_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(admin_user)
    response = client.post(reverse("pm-archive-follow"), {"service": "x" * 2000})
    assert response.status_code == 413
    assert b"more than we accept" in response.content


def test_a_sign_in_with_a_very_long_username_is_a_failed_sign_in(client, db):
    response = client.post(reverse("login"), {"username": "a" * 300 + "@x.io", "password": "x"})
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "a" * 255


def test_api_token_of_any_shape_is_a_401(client, db):
    url = reverse("pm-api:incidents")
    for secret in ["é", "\u00ff" * 300, "a b", "x" * 5000]:
        response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 401
        assert "detail" in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/sso/%00/login/",
        "/accounts/sso/a%00b/callback/?code=x&state=y",
        "/accounts/sso/saml/%00/metadata/",
        "/accounts/sso/saml/%00/acs/",
        "/archive/feed/%00/",
        "/calendar/%00/action-items.ics",
        "/accounts/unsubscribe/%00/",
        "/accounts/password/reset/%00/%00/",
    ],
)
def test_a_nul_in_a_path_is_a_400_for_anyone(client, db, path):
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 400, (path, response.status_code)
