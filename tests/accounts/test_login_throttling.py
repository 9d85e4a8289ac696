"""Sign-in throttling: repeated failures for one address and username lock that pair out."""

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

EMAIL = "ada@example.com"
LOCKOUT_TEXT = (
    "Too many failed sign-ins. Try again in 15 minutes or ask an admin to unlock your account."
)
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ada(db):
    return UserFactory(email=EMAIL)


def _sign_in(client, password: str, email: str = EMAIL, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def _fail(client, times: int, **extra) -> None:
    for attempt in range(1, times + 1):
        response = _sign_in(client, "wrong-password", **extra)
        # Refused with the form until the fifth failure, which locks out.
        assert response.status_code == (200 if attempt < 5 else 429)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_failures_lock_the_account_out_even_with_the_right_password(client, ada):
    _fail(client, 4)
    response = _sign_in(client, "wrong-password")
    assert response.status_code == 429
    response = _sign_in(client, PASSWORD)
    assert response.status_code == 429
    assert not _signed_in(client)


def test_the_lockout_page_says_what_happened_and_what_to_do(client, ada):
    _fail(client, 4)
    response = _sign_in(client, "wrong-password")
    assert LOCKOUT_TEXT in response.content.decode()
    assert "Please enter a correct email address" not in response.content.decode()


def test_the_lockout_ends_fifteen_minutes_after_the_last_attempt(client, ada):
    with time_machine.travel(START, tick=False) as traveller:
        _fail(client, 5)
        traveller.shift(dt.timedelta(minutes=14))
        assert _sign_in(client, PASSWORD).status_code == 429
        # That attempt counted too: sixteen minutes after the lockout began, it holds.
        traveller.shift(dt.timedelta(minutes=2))
        assert _sign_in(client, PASSWORD).status_code == 429
        traveller.shift(dt.timedelta(minutes=15, seconds=1))
        response = _sign_in(client, PASSWORD)
        assert response.status_code == 302
        assert _signed_in(client)


def test_limit_and_duration_come_from_the_settings(client, ada, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
    _fail(client, 1)
    response = _sign_in(client, "wrong-password")
    assert response.status_code == 429
    assert "Try again in 30 minutes" in response.content.decode()


def test_a_successful_sign_in_resets_the_count(client, ada):
    _fail(client, 4)
    assert _sign_in(client, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()
    client.logout()
    _fail(client, 4)  # four more failures are again allowed
    assert _sign_in(client, PASSWORD).status_code == 302


def test_the_count_is_per_username_whatever_its_case(client, ada):
    _fail(client, 4)
    response = _sign_in(client, "wrong-password", email="ADA@Example.com")
    assert response.status_code == 429


def test_another_person_at_the_same_address_can_still_sign_in(client, ada):
    bob = UserFactory(email="bob@example.com")
    _fail(client, 5)
    response = _sign_in(client, PASSWORD, email=bob.email)
    assert response.status_code == 302


def test_an_admin_unlocks_the_account_from_the_command_line(client, ada):
    _fail(client, 5)
    call_command("axes_reset_username", EMAIL)
    assert _sign_in(client, PASSWORD).status_code == 302


def test_an_admin_unlocks_the_account_in_the_admin(client, ada, admin_user):
    _fail(client, 5)
    attempt = AccessAttempt.objects.get(username=EMAIL)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    client.logout()
    assert _sign_in(client, PASSWORD).status_code == 302


def test_behind_the_proxy_failures_count_against_the_forwarded_address(client, ada, settings):
    settings.BEHIND_TLS_PROXY = True
    # The proxy appends the address it saw; what the client put before it is ignored.
    _fail(client, 5, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7")
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    locked = _sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7")
    assert locked.status_code == 429
    elsewhere = _sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert elsewhere.status_code == 302


def test_without_the_proxy_a_forged_forwarded_header_does_not_escape_the_lockout(
    client, ada, settings
):
    settings.BEHIND_TLS_PROXY = False
    _fail(client, 5, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"
    response = _sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert response.status_code == 429


def test_code_that_authenticates_without_a_request_is_not_throttled(client, ada):
    _fail(client, 5)
    # The shell and the test client's login() pass no request: nothing to count against.
    assert authenticate(None, username=EMAIL, password=PASSWORD) == ada
    assert authenticate(None, username=EMAIL, password="wrong") is None
    # Through the sign-in page the lockout still holds.
    assert _sign_in(client, PASSWORD).status_code == 429
