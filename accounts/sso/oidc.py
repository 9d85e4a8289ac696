"""allauth's OpenID Connect provider with two checks added, and this site's URLs.

1. The id_token's signature is always checked against the provider's published keys
   (JWKS). allauth skips that for a token it fetched itself from the token endpoint
   over TLS, which OpenID Connect Core (3.1.3.7) allows; checking costs one request
   and refuses a token that a wrong key, a misconfigured proxy or a spoofed endpoint
   produced.
2. The discovery document must name the configured issuer, as OpenID Connect
   Discovery (4.3) requires, so a document from elsewhere cannot redirect the
   sign-in or supply the keys.

The provider is registered in place of allauth's own through
SOCIALACCOUNT_PROVIDERS["openid_connect"]["provider_class"] (config/settings.py).
"""

from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode


class VerifiedOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    @property
    def openid_config(self) -> dict:
        config = super().openid_config
        expected = self.get_provider().app.settings["server_url"].rstrip("/")
        if str(config.get("issuer", "")).rstrip("/") != expected:
            raise OAuth2Error(
                f"The discovery document names the issuer {config.get('issuer')!r}, "
                f"not {expected!r}."
            )
        return config

    def _decode_id_token(self, app: SocialApp, id_token: str) -> dict:
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )

    def get_callback_url(self, request: HttpRequest, app: SocialApp) -> str:
        url = reverse("accounts-sso-callback", kwargs={"provider_id": self.provider_id})
        return build_absolute_uri(request, url, self.redirect_uri_protocol)


class VerifiedOpenIDConnectProvider(OpenIDConnectProvider):
    oauth2_adapter_class = VerifiedOpenIDConnectAdapter

    def get_login_url(self, request: HttpRequest, **kwargs) -> str:
        url = reverse("accounts-sso-login", kwargs={"provider_id": self.app.provider_id})
        return f"{url}?{urlencode(kwargs)}" if kwargs else url

    def get_callback_url(self) -> str:
        return reverse("accounts-sso-callback", kwargs={"provider_id": self.app.provider_id})
