"""Sign in with email, reset a forgotten password, set a time zone; admin for teams."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, Team, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_people_sign_in_with_their_email_address(client):
    user = UserFactory(email="ada@example.com")
    response = client.post(reverse("login"), {"username": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("pm-incident-list")
    assert int(client.session["_auth_user_id"]) == user.pk


def test_a_wrong_password_is_refused_with_a_message(client):
    UserFactory(email="ada@example.com")
    response = client.post(reverse("login"), {"username": "ada@example.com", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct email address and password" in response.content.decode()


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client):
    UserFactory(email="ada@example.com")
    credentials = {"username": "ada@example.com", "password": PASSWORD}
    response = client.post(reverse("login") + "?next=/incidents/new/", credentials)
    assert response["Location"] == "/incidents/new/"
    client.logout()
    response = client.post(reverse("login") + "?next=https://evil.example/", credentials)
    assert response["Location"] == reverse("pm-incident-list")


def test_emails_are_unique_whatever_their_case():
    User.objects.create_user("Ada@Example.com", "pw", display_name="Ada")
    assert User.objects.get().email == "ada@example.com"
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        User.objects.create(email="ADA@example.com", display_name="Ada again")


def test_a_forgotten_password_is_reset_through_an_emailed_link(client):
    user = UserFactory(email="ada@example.com")
    client.post(reverse("password_reset"), {"email": "ada@example.com"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "Reset your Postmortems password"
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", str(message.body)).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-new-long-passphrase")


def test_a_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_people_change_their_time_zone_and_display_name(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts-profile"),
        {"display_name": "Ada L.", "time_zone": "Asia/Kolkata", "digest_hour": "7"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.time_zone, user.digest_hour) == ("Ada L.", "Asia/Kolkata", 7)
    assert user.receive_digests is False  # an unticked checkbox turns digests off


def test_an_unknown_time_zone_is_refused(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts-profile"),
        {"display_name": "Ada", "time_zone": "Mars/Base", "digest_hour": "25"},
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"time_zone", "digest_hour"}


def test_sign_out_is_a_post(client):
    client.force_login(UserFactory())
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302


def test_admins_manage_users_and_teams_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    for url in ["admin:accounts_user_changelist", "admin:accounts_user_add",
                "admin:accounts_team_changelist", "admin:accounts_team_add"]:  # fmt: skip
        assert client.get(reverse(url)).status_code == 200
    team = Team.objects.create(name="SRE", slug="sre")
    response = client.get(reverse("admin:accounts_team_change", args=[team.pk]))
    assert response.status_code == 200
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "new@example.com",
            "display_name": "New Person",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.filter(email="new@example.com").exists()


def test_one_membership_per_person_and_team(team, owner):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Membership.objects.create(user=owner, team=team)


@pytest.mark.parametrize("model", ["service", "tag", "incident", "postmortem", "actionitem"])
def test_admins_browse_the_incident_catalogue_in_the_admin(client, admin_user, postmortem, model):
    client.force_login(admin_user)
    assert client.get(reverse(f"admin:postmortems_{model}_changelist")).status_code == 200
    # Reviews are started from their incident, items added in the editor or on their
    # review's admin page: an "Add" page without the incident or review could not save.
    addable = model not in {"postmortem", "actionitem"}
    expected = 200 if addable else 403
    assert client.get(reverse(f"admin:postmortems_{model}_add")).status_code == expected
