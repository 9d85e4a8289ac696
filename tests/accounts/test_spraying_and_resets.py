"""Password spraying (one address, many usernames) and password reset floods."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _sign_in(client, email: str, password: str, address: str = "198.51.100.7"):
    return client.post(
        reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def test_one_address_trying_many_usernames_is_locked_out(client, settings):
    victim = UserFactory(email="victim@example.com")
    # Two tries per username: never the five a username+address pair needs.
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT // 2):
        for _ in range(2):
            assert _sign_in(client, f"person{n}@example.com", "Spring2026!").status_code == 200
    response = _sign_in(client, victim.email, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another address is not affected.
    assert _sign_in(client, victim.email, PASSWORD, address="203.0.113.9").status_code == 302


def test_a_few_failures_from_a_shared_address_lock_no_one_else_out(client):
    victim = UserFactory(email="victim@example.com")
    for n in range(4):
        _sign_in(client, f"colleague{n}@example.com", "typo")
    assert _sign_in(client, victim.email, PASSWORD).status_code == 302


def _reset(client, email: str, address: str = "198.51.100.7"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_password_reset_emails_to_one_address_are_limited(client, settings):
    UserFactory(email="ada@example.com")
    for n in range(25):
        response = _reset(client, "ada@example.com", address=f"198.51.100.{n}")
        # Always the same answer: nothing tells a throttled request from a sent one.
        assert response.status_code == 302
        assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == settings.PASSWORD_RESET_EMAIL_LIMIT


def test_password_reset_requests_from_one_address_are_limited(client, settings):
    for n in range(25):
        UserFactory(email=f"person{n}@example.com")
        assert _reset(client, f"person{n}@example.com").status_code == 302
    assert len(mail.outbox) == settings.PASSWORD_RESET_ADDRESS_LIMIT
