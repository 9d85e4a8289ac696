from dataclasses import dataclass

from allauth.socialaccount.adapter import get_adapter
from django.http import HttpRequest


@dataclass(frozen=True)
class SignInButton:
    name: str
    url: str


def sign_in_buttons(request: HttpRequest) -> list[SignInButton]:
    """One "Sign in with ..." button per configured identity provider, in the order
    of OIDC_PROVIDERS, then SAML_PROVIDERS."""
    apps = get_adapter().list_apps(request)
    return [
        SignInButton(name=app.name, url=app.get_provider(request).get_login_url(request))
        for app in apps
        if app.provider in {"openid_connect", "saml"}
    ]
