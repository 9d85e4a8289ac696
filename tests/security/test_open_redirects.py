"""Every `next=` the app reads sends people to this site only.

The views that take one: sign-in (also when already signed in), single sign-on (kept
in the sign-in's state while the browser is at the identity provider), sign-out, and
the action item forms that work without JavaScript (done, extend, reassign, nudge, and the
change page's Back link)."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from tests.factories import PASSWORD, ActionItemFactory
from tests.sso_support import at_provider, back_from_provider

EVIL = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "http:evil.example",
    "https:/evil.example",
    " //evil.example",
    "/\t/evil.example",  # browsers drop the tab: //evil.example
    "http://testserver@evil.example/",
]


def _on_site(location: str) -> bool:
    parts = urlsplit(location)
    return (
        url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"})
        and not parts.scheme
        and not parts.netloc
        and location.startswith("/")
        and not location.startswith(("//", "/\\"))
        and "evil" not in location
    )


def test_the_check_tells_on_site_from_off_site():
    assert _on_site("/incidents/")
    assert not any(_on_site(url) for url in EVIL)


@pytest.mark.parametrize("evil", EVIL)
def test_sign_in_ignores_an_external_next(client, owner, evil):
    response = client.post(
        reverse("login"), {"username": owner.email, "password": PASSWORD, "next": evil}
    )
    assert response.status_code == 302
    assert _on_site(response["Location"]), response["Location"]
    assert response["Location"] == reverse("pm-incident-list")


@pytest.mark.parametrize("evil", EVIL)
def test_sign_in_when_signed_in_ignores_an_external_next(client, owner, evil):
    client.force_login(owner)
    response = client.get(reverse("login"), {"next": evil})
    assert response.status_code == 302
    assert _on_site(response["Location"]), response["Location"]


def test_sign_in_follows_an_on_site_next(client, owner):
    response = client.post(
        reverse("login"), {"username": owner.email, "password": PASSWORD, "next": "/archive/"}
    )
    assert response["Location"] == "/archive/"


@pytest.mark.parametrize("evil", EVIL)
def test_single_sign_on_ignores_an_external_next(db, sso_settings, oidc_idp, client, evil):
    # Posted as a forged form would, not through the sign-in page (which drops it).
    start = client.post(reverse("accounts-sso-login", args=["corp"]), {"next": evil})
    response = back_from_provider(client, at_provider(start["Location"]))
    assert response.status_code == 302
    assert _on_site(response["Location"]), response["Location"]
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("evil", EVIL)
def test_sign_out_ignores_an_external_next(client, owner, evil):
    client.force_login(owner)
    response = client.post(f"{reverse('logout')}?next={evil}", {"next": evil})
    assert response.status_code == 302
    assert _on_site(response["Location"]), response["Location"]


@pytest.fixture
def item(postmortem, owner):
    return ActionItemFactory(postmortem=postmortem, owner=owner)


def _forms(item):
    """(url name, form data) of each action item form that redirects to `next`."""
    return [
        ("pm-action-done", {"revision": item.revision}),
        ("pm-action-extend", {"revision": item.revision, "due_date": "2030-01-01", "reason": "x"}),
        ("pm-action-reassign", {"revision": item.revision, "owner": item.owner_id}),
        ("pm-action-nudge", {}),
    ]


@pytest.mark.parametrize("evil", EVIL)
@pytest.mark.parametrize("form", range(4), ids=["done", "extend", "reassign", "nudge"])
def test_action_item_forms_ignore_an_external_next(client, owner, item, form, evil):
    client.force_login(owner)
    name, data = _forms(item)[form]
    url = reverse(name, args=[item.postmortem.incident.number, item.code])
    response = client.post(url, {**data, "next": evil})
    assert response.status_code == 302
    location = response["Location"]
    assert _on_site(location), location
    detail = reverse("pm-postmortem-detail", args=[item.postmortem.incident.number])
    assert location.startswith(detail)


def test_action_item_forms_follow_an_on_site_next(client, owner, item):
    client.force_login(owner)
    url = reverse("pm-action-nudge", args=[item.postmortem.incident.number, item.code])
    response = client.post(url, {"next": "/my-work/"})
    assert response["Location"].startswith("/my-work/")


@pytest.mark.parametrize("evil", EVIL)
def test_the_change_page_back_link_stays_on_site(client, owner, item, evil):
    client.force_login(owner)
    url = reverse("pm-action-change", args=[item.postmortem.incident.number, item.code])
    response = client.get(url, {"next": evil})
    assert response.status_code == 200
    assert _on_site(response.context["next_url"])
    assert "evil.example" not in response.content.decode()
