"""Single sign-on in a real Chromium: the sign-in page's button, the fake provider on
another origin (so the Content-Security-Policy's form-action must allow it, as
config/sso.py arranges), and back, signed in with the teams the groups map to."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import TeamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_signing_in_with_the_provider_button_in_a_browser(page, sso_settings, oidc_idp):
    platform = TeamFactory(name="Platform", slug="platform")
    oidc_idp.claims["groups"] = ["sre"]
    page.goto("/archive/")  # asks for a sign-in, and comes back here after it
    page.get_by_role("button", name="Sign in with Corp ID").click()
    expect(page.get_by_role("heading", name="Archive")).to_be_visible()
    assert page.url.endswith("/archive/")
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    ada = User.objects.get(email="ada@example.com")
    assert list(ada.teams.all()) == [platform]
    # The browser went to the provider's own origin and back.
    assert ("GET", "/authorize") in oidc_idp.requests


def test_without_local_passwords_the_browser_sees_only_the_button(page, sso_settings, oidc_idp):
    sso_settings.LOCAL_PASSWORDS = False
    page.goto("/accounts/login/")
    expect(page.get_by_role("button", name="Sign in with Corp ID")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_count(0)
