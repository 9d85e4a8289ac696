"""Personal API tokens on the profile page: shown once, stored hashed, revocable."""

import datetime as dt

import time_machine
from django.urls import reverse

from postmortems.api.models import hash_secret
from postmortems.api.tokens import api_token_create
from postmortems.models import ApiToken
from tests.api.conftest import ApiClient


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(client, owner):
    client.force_login(owner)
    response = client.post(reverse("pm-api-token-create"), {"name": "PagerDuty", "scope": "read"})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret.startswith("pmt_")
    assert len(secret) > 40
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=owner)
    assert (token.name, token.scope, token.prefix) == ("PagerDuty", "read", secret[:12])
    assert token.secret_hash == hash_secret(secret) != secret
    page = client.get(reverse("accounts-profile")).content.decode()
    assert "PagerDuty" in page
    assert token.prefix in page
    assert secret not in page
    assert ApiClient(secret).get(reverse("pm-api:incidents")).status_code == 200


def test_creating_a_token_with_htmx_answers_the_tokens_card(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("pm-api-token-create"),
        {"name": "Sync", "scope": "read-write"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="api-tokens">')
    assert response.context["new_secret"] in html
    assert ApiToken.objects.get(user=owner).can_write


def test_a_token_needs_a_name_and_a_known_scope(client, owner):
    client.force_login(owner)
    response = client.post(reverse("pm-api-token-create"), {"name": "", "scope": "admin"})
    assert response.status_code == 400
    assert set(response.context["token_form"].errors) == {"name", "scope"}
    assert not ApiToken.objects.exists()


def test_a_revoked_token_stops_working_at_once(client, owner):
    token, secret = api_token_create(user=owner, name="CI", scope="read")
    client.force_login(owner)
    response = client.post(reverse("pm-api-token-revoke", args=[token.code]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(secret).get(reverse("pm-api:incidents")).status_code == 401
    assert "Revoked" in client.get(reverse("accounts-profile")).content.decode()


def test_revoking_with_htmx_answers_the_tokens_card(client, owner):
    token = api_token_create(user=owner, name="CI", scope="read")[0]
    client.force_login(owner)
    response = client.post(
        reverse("pm-api-token-revoke", args=[token.code]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "Revoked" in response.content.decode()


def test_nobody_revokes_someone_elses_token(client, owner, admin_user):
    token, secret = api_token_create(user=owner, name="CI", scope="read")
    client.force_login(admin_user)
    assert client.post(reverse("pm-api-token-revoke", args=[token.code])).status_code == 404
    assert ApiClient(secret).get(reverse("pm-api:incidents")).status_code == 200


def test_last_use_is_written_at_most_once_a_minute(owner):
    token, secret = api_token_create(user=owner, name="CI", scope="read")
    api = ApiClient(secret)
    path = reverse("pm-api:archive")
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        api.get(path)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        api.get(path)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        api.get(path)
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=61)
