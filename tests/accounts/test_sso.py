"""Single sign-on with OpenID Connect, end to end against the fake provider of
tests/sso_support.py: the sign-in page's button (a POST with a CSRF token), the
provider's authorization redirect, and the callback, where allauth fetches the
discovery document, exchanges the code at the token endpoint (PKCE), checks the
id_token's signature against the JWKS and reads userinfo, all over HTTP."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from accounts.backends import SINGLE_SIGN_ON_BACKEND
from accounts.models import Membership, Team, User
from audit.models import AuditEvent
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from tests.sso_support import (
    PROVIDER_ID,
    at_provider,
    back_from_provider,
    button_form,
    sign_in,
    to_provider,
)

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action


@pytest.fixture
def teams(db) -> dict[str, Team]:
    return {
        "platform": TeamFactory(name="Platform", slug="platform"),
        "payments": TeamFactory(name="Payments", slug="payments"),
        "search": TeamFactory(name="Search", slug="search"),
    }


def _signed_in_as(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def _memberships(user: User | None) -> dict[str, tuple[str, str]]:
    return {m.team.slug: (m.role, m.source) for m in user.memberships.select_related("team")}


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def test_the_sign_in_page_has_a_button_per_provider_that_posts_with_a_csrf_token(
    sso_settings, client
):
    html = client.get(reverse("login")).content.decode()
    assert "Sign in with Corp ID" in html
    action, fields = button_form(client)
    assert action == f"/accounts/sso/{PROVIDER_ID}/login/"
    assert fields["csrfmiddlewaretoken"]
    # The password form is still there by default.
    assert 'name="password"' in html


def test_a_first_sign_in_creates_the_user_signs_them_in_and_maps_their_teams(
    sso_settings, oidc_idp, csrf_client, teams
):
    oidc_idp.claims["groups"] = ["sre-leads", "payments-eng", "unmapped-group"]
    response = sign_in(csrf_client)

    assert response.status_code == 302
    assert response["Location"] == reverse("pm-incident-list")
    user = _signed_in_as(csrf_client)
    assert user.email == "ada@example.com"
    assert user.display_name == "Ada Lovelace"
    assert not user.has_usable_password()
    assert csrf_client.session["_auth_user_backend"] == SINGLE_SIGN_ON_BACKEND
    assert _memberships(user) == {"platform": ("lead", "sso"), "payments": ("member", "sso")}
    assert csrf_client.get(reverse("pm-incident-list")).status_code == 200
    # The whole protocol ran over HTTP, PKCE included (the fake provider insists).
    assert ("POST", "/token") in oidc_idp.requests
    assert ("GET", "/jwks") in oidc_idp.requests
    assert ("GET", "/userinfo") in oidc_idp.requests


def test_the_audit_log_records_the_sign_in_the_new_user_and_the_memberships(
    sso_settings, oidc_idp, client, teams
):
    oidc_idp.claims["groups"] = ["sre"]
    sign_in(client)
    user = User.objects.get(email="ada@example.com")
    login = AuditEvent.objects.get(action=Action.LOGIN)
    assert login.actor == user
    assert login.details == {"method": "sso", "provider": PROVIDER_ID}
    created = AuditEvent.objects.get(action=Action.USER_CREATED)
    assert created.target_id == str(user.pk)
    assert created.details["method"] == "sso"
    added = AuditEvent.objects.get(action=Action.MEMBERSHIP_CREATED)
    assert added.actor is None
    assert added.details == {
        "team": "platform",
        "user": "ada@example.com",
        "source": "sso",
        "provider": PROVIDER_ID,
        "role": "member",
    }


def test_memberships_follow_the_claim_at_every_sign_in_and_hand_made_ones_stay(
    sso_settings, oidc_idp, client, teams
):
    ada = UserFactory(email="ada@example.com", display_name="Old Name")
    MembershipFactory(user=ada, team=teams["search"], role="lead")  # made by hand
    oidc_idp.claims["groups"] = ["sre", "payments-eng"]
    sign_in(client)
    assert _memberships(ada) == {
        "platform": ("member", "sso"),
        "payments": ("member", "sso"),
        "search": ("lead", "manual"),
    }
    ada.refresh_from_db()
    assert ada.display_name == "Ada Lovelace"

    # Next time: promoted in Platform, out of Payments; Search was never SSO's to touch.
    client.post(reverse("logout"))
    oidc_idp.claims["groups"] = ["sre", "sre-leads"]
    sign_in(client)
    assert _signed_in_as(client) == ada
    assert _memberships(ada) == {"platform": ("lead", "sso"), "search": ("lead", "manual")}
    changed = AuditEvent.objects.get(action=Action.MEMBERSHIP_ROLE_CHANGED)
    assert changed.details["old_role"] == "member"
    assert changed.details["role"] == "lead"
    removed = AuditEvent.objects.get(action=Action.MEMBERSHIP_DELETED)
    assert removed.details["team"] == "payments"
    assert removed.details["source"] == "sso"

    # No mapped group at all: every SSO membership goes, the hand-made one stays.
    client.post(reverse("logout"))
    del oidc_idp.claims["groups"]
    sign_in(client)
    assert _memberships(ada) == {"search": ("lead", "manual")}


def test_an_existing_password_account_is_linked_by_its_verified_email(
    sso_settings, oidc_idp, client
):
    ada = UserFactory(email="Ada@Example.com")
    sign_in(client)
    assert _signed_in_as(client) == ada
    assert User.objects.count() == 1
    # Later sign-ins find the account through the link, even after an email change
    # at the provider.
    client.post(reverse("logout"))
    oidc_idp.claims["email"] = "ada.lovelace@example.com"
    sign_in(client)
    assert _signed_in_as(client) == ada
    assert ada.socialaccount_set.get().uid == "00u-ada"


def test_sign_in_follows_an_on_site_next_and_ignores_an_external_one(
    sso_settings, oidc_idp, client
):
    assert sign_in(client, "/archive/")["Location"] == "/archive/"
    client.post(reverse("logout"))
    assert sign_in(client, "https://evil.example/")["Location"] == reverse("pm-incident-list")


def test_a_wrong_state_is_refused_with_a_clear_message(sso_settings, oidc_idp, client):
    callback = at_provider(to_provider(client))
    parts = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    forged = f"{parts.path}?{urlencode({**query, 'state': 'not-the-state'})}"
    response = client.get(forged)
    assert response.status_code == 401
    assert "does not match one started in this browser" in response.content.decode()
    assert _signed_in_as(client) is None
    assert not User.objects.exists()
    # The code was never redeemed: the state is checked first.
    assert ("POST", "/token") not in oidc_idp.requests
    failed = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert failed.details == {
        "username": "",
        "method": "sso",
        "provider": PROVIDER_ID,
        "reason": "state",
    }


def test_a_callback_in_another_browser_is_refused(sso_settings, oidc_idp, client):
    callback = at_provider(to_provider(client))
    response = back_from_provider(Client(), callback)
    assert response.status_code == 401
    assert "does not match one started in this browser" in response.content.decode()


def test_a_state_works_once(sso_settings, oidc_idp, client):
    callback = at_provider(to_provider(client))
    assert back_from_provider(client, callback).status_code == 302
    client.post(reverse("logout"))
    assert back_from_provider(client, callback).status_code == 401


@pytest.mark.parametrize(
    ("fault", "reason", "text"),
    [
        ("expired", "token_expired", "The sign-in token from Corp ID has expired"),
        (
            "wrong_key",
            "token_invalid",
            "The sign-in token from Corp ID could not be verified (Signature verification failed)",
        ),
    ],
)
def test_an_expired_or_badly_signed_id_token_is_refused(
    sso_settings, oidc_idp, client, fault, reason, text
):
    oidc_idp.id_token_fault = fault
    response = sign_in(client)
    assert response.status_code == 401
    assert text in response.content.decode()
    assert _signed_in_as(client) is None
    assert not User.objects.exists()
    assert AuditEvent.objects.get(action=Action.LOGIN_FAILED).details["reason"] == reason


def test_an_unverified_email_is_refused_and_nothing_is_created(sso_settings, oidc_idp, client):
    oidc_idp.claims["email_verified"] = False
    response = sign_in(client)
    assert response.status_code == 403
    assert "Corp ID has not verified the email address ada@example.com" in response.content.decode()
    assert _signed_in_as(client) is None
    assert not User.objects.exists()
    failed = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert failed.details["reason"] == "email_unverified"
    assert failed.details["username"] == "ada@example.com"


def test_an_unverified_email_cannot_take_over_an_existing_account(sso_settings, oidc_idp, client):
    ada = UserFactory(email="ada@example.com")
    oidc_idp.claims["email_verified"] = False
    assert sign_in(client).status_code == 403
    assert not ada.socialaccount_set.exists()


def test_a_provider_trusted_for_emails_needs_no_email_verified_claim(
    sso_settings, oidc_idp, client
):
    """Azure AD sends no email_verified claim; OIDC_<ID>_TRUST_EMAIL=true vouches for it."""
    app = sso_settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]
    app["settings"]["trust_email"] = True
    del oidc_idp.claims["email_verified"]
    assert sign_in(client).status_code == 302
    assert _signed_in_as(client).email == "ada@example.com"


def test_an_address_outside_the_allowed_domains_is_refused(sso_settings, oidc_idp, client):
    sso_settings.SSO_ALLOWED_DOMAINS = ["corp.example"]
    response = sign_in(client)
    assert response.status_code == 403
    assert "ada@example.com is not an address of this organisation" in response.content.decode()
    assert not User.objects.exists()


def test_a_deactivated_account_is_refused(sso_settings, oidc_idp, client, teams):
    UserFactory(email="ada@example.com", is_active=False)
    oidc_idp.claims["groups"] = ["sre"]
    response = sign_in(client)
    assert response.status_code == 403
    assert "This account is deactivated" in response.content.decode()
    assert _signed_in_as(client) is None
    assert not Membership.objects.exists()


def test_a_cancelled_sign_in_at_the_provider_says_so(sso_settings, oidc_idp, client):
    authorize = urlsplit(to_provider(client))
    state = parse_qs(authorize.query)["state"][0]
    callback = reverse("accounts-sso-callback", args=[PROVIDER_ID])
    response = client.get(callback, {"state": state, "error": "access_denied"})
    assert response.status_code == 401
    assert "Signing in with Corp ID was cancelled, or Corp ID does not let your account" in (
        response.content.decode()
    )
    assert AuditEvent.objects.get(action=Action.LOGIN_FAILED).details["reason"] == "cancelled"


def test_an_unreachable_provider_is_an_error_page_not_a_crash(sso_settings, oidc_idp, client):
    app = sso_settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]
    app["settings"]["server_url"] = "http://127.0.0.1:9"  # discard port: nothing listens
    action, fields = button_form(client)
    response = client.post(action, fields)
    assert response.status_code == 502
    assert "Corp ID could not be reached." in response.content.decode()


def test_a_discovery_document_naming_another_issuer_is_refused(sso_settings, oidc_idp, client):
    app = sso_settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"][0]
    app["settings"]["server_url"] = oidc_idp.issuer.replace("127.0.0.1", "localhost")
    action, fields = button_form(client)
    response = client.post(action, fields)
    assert response.status_code == 502
    assert "Corp ID is not set up correctly." in response.content.decode()


def test_an_unknown_provider_is_404(sso_settings, client):
    assert client.post(reverse("accounts-sso-login", args=["nope"])).status_code == 404
    assert client.get(reverse("accounts-sso-callback", args=["nope"])).status_code == 404


def test_opening_the_start_url_shows_a_button_instead_of_leaving(sso_settings, client):
    response = client.get(reverse("accounts-sso-login", args=[PROVIDER_ID]))
    assert response.status_code == 200
    assert "Continue to Corp ID" in response.content.decode()


def test_starting_a_sign_in_needs_the_csrf_token(sso_settings, csrf_client):
    response = csrf_client.post(reverse("accounts-sso-login", args=[PROVIDER_ID]))
    assert response.status_code == 403


# LOCAL_PASSWORDS=false


@pytest.fixture
def passwords_off(sso_settings):
    sso_settings.LOCAL_PASSWORDS = False
    return sso_settings


def test_without_local_passwords_the_form_is_gone_and_only_the_button_remains(
    passwords_off, client
):
    html = client.get(reverse("login")).content.decode()
    assert "Sign in with Corp ID" in html
    assert 'name="password"' not in html
    assert "Forgot your password?" not in html


def test_without_local_passwords_a_password_post_is_refused(passwords_off, client, owner):
    response = client.post(reverse("login"), {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "Passwords are turned off" in response.content.decode()
    assert _signed_in_as(client) is None
    assert not AuditEvent.objects.filter(action=Action.LOGIN).exists()


@pytest.mark.parametrize(
    "name", ["password_reset", "password_reset_done", "password_reset_complete"]
)
def test_without_local_passwords_password_reset_is_gone(passwords_off, client, name):
    response = client.get(reverse(name))
    assert response.status_code == 403
    assert "Passwords are turned off" in response.content.decode()


def test_without_local_passwords_reset_links_and_password_change_are_gone(
    passwords_off, client, owner
):
    response = client.post(reverse("password_reset"), {"email": owner.email})
    assert response.status_code == 403
    link = reverse("password_reset_confirm", args=["MQ", "set-password"])
    assert client.get(link).status_code == 403
    client.force_login(owner, backend=SINGLE_SIGN_ON_BACKEND)
    assert client.get(reverse("password_change")).status_code == 403
    profile = client.get(reverse("accounts-profile")).content.decode()
    assert "Change your password" not in profile


def test_without_local_passwords_sso_still_signs_in(passwords_off, oidc_idp, client):
    assert sign_in(client).status_code == 302
    assert _signed_in_as(client).email == "ada@example.com"


def test_without_local_passwords_only_superusers_sign_in_with_a_password_in_the_admin(
    passwords_off, client, admin_user
):
    """Break-glass: when the identity provider is down, a superuser still gets in."""
    staff = UserFactory(is_staff=True)
    admin_login = reverse("admin:login")
    refused = client.post(admin_login, {"username": staff.email, "password": PASSWORD})
    assert refused.status_code == 200  # the form again, with an error
    assert _signed_in_as(client) is None
    allowed = client.post(admin_login, {"username": admin_user.email, "password": PASSWORD})
    assert allowed.status_code == 302
    assert _signed_in_as(client) == admin_user


def test_turning_passwords_off_ends_password_sessions_of_other_users(sso_settings, client, owner):
    client.post(reverse("login"), {"username": owner.email, "password": PASSWORD})
    assert _signed_in_as(client) == owner
    sso_settings.LOCAL_PASSWORDS = False
    response = client.get(reverse("pm-incident-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_what_the_provider_says_is_shown_as_text(sso_settings, oidc_idp, client):
    """The provider's name claim becomes the display name, and an error code it sends
    is shown on the failure page: both as text, never as markup."""
    payload = '<script>alert("sso")</script>'
    oidc_idp.claims["name"] = payload
    sign_in(client)
    page = client.get(reverse("pm-incident-list")).content.decode()
    assert payload not in page
    assert "&lt;script&gt;alert(&quot;sso&quot;)&lt;/script&gt;" in page

    client.post(reverse("logout"))
    callback = reverse("accounts-sso-callback", args=[PROVIDER_ID])
    response = client.get(callback, {"state": "x", "error": payload})
    assert response.status_code == 401
    assert payload not in response.content.decode()
