"""A small OpenID Connect identity provider served over HTTP in the test process.

It speaks just enough of the protocol for allauth to run the real flow against it:
discovery, JWKS with a test RSA key, an authorization endpoint that signs in whoever
`claims` describes (no login page) and redirects back with a code, a token endpoint
that checks the client's secret, the redirect URI and the PKCE verifier before
issuing a signed id_token, and userinfo. `id_token_fault` makes it issue an expired
token or one signed with a key it does not publish.
"""

import base64
import functools
import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.urls import reverse

from config import sso

CLIENT_ID = "postmortems-test"
CLIENT_SECRET = "client-secret-for-tests"
PROVIDER_ID = "corp"
PROVIDER_NAME = "Corp ID"
KEY_ID = "test-key-1"


@functools.cache
def _rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One key per name for the whole run: generating RSA keys is slow."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeOidcProvider:
    claims: dict = field(default_factory=dict)
    # None, "expired" or "wrong_key"
    id_token_fault: str | None = None
    issuer: str = ""
    key: rsa.RSAPrivateKey = field(default_factory=lambda: _rsa_key("provider"))
    stranger_key: rsa.RSAPrivateKey = field(default_factory=lambda: _rsa_key("stranger"))
    codes: dict = field(default_factory=dict)
    access_tokens: dict = field(default_factory=dict)
    # (method, path) of every request, to check what the app asked for
    requests: list = field(default_factory=list)

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    def authorize(self, query: dict[str, str]) -> tuple[int, dict]:
        """Signs in `claims` at once and sends the browser back with a code."""
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, {"error": "invalid_request"}
        if "openid" not in query.get("scope", "").split() or not query.get("redirect_uri"):
            return 400, {"error": "invalid_request"}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {"error": "invalid_request", "error_description": "PKCE required"}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "claims": dict(self.claims),
            "redirect_uri": query["redirect_uri"],
            "challenge": query["code_challenge"],
        }
        params = urlencode({"code": code, "state": query.get("state", "")})
        return 302, {"Location": f"{query['redirect_uri']}?{params}"}

    def token(self, form: dict[str, str]) -> tuple[int, dict]:
        grant = self.codes.pop(form.get("code", ""), None)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "").encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if challenge.decode() != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier"}
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = grant["claims"]
        now = int(time.time())
        expires = now - 60 if self.id_token_fault == "expired" else now + 300
        payload = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now - 5,
            "exp": expires,
            "jti": secrets.token_hex(8),
            **grant["claims"],
        }
        key = self.stranger_key if self.id_token_fault == "wrong_key" else self.key
        id_token = jwt.encode(payload, key, algorithm="RS256", headers={"kid": KEY_ID})
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": id_token,
        }
        return 200, body

    def userinfo(self, authorization: str) -> tuple[int, dict]:
        claims = self.access_tokens.get(authorization.removeprefix("Bearer "))
        if claims is None:
            return 401, {"error": "invalid_token"}
        return 200, claims


def _handler(idp: FakeOidcProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass  # quiet

        def _answer(self, status: int, body: dict) -> None:
            self.send_response(status)
            if status == 302:
                self.send_header("Location", body["Location"])
                self.end_headers()
                return
            data = json.dumps(body).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            idp.requests.append(("GET", parts.path))
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if parts.path == "/.well-known/openid-configuration":
                self._answer(200, idp.discovery())
            elif parts.path == "/jwks":
                self._answer(200, idp.jwks())
            elif parts.path == "/authorize":
                self._answer(*idp.authorize(query))
            elif parts.path == "/userinfo":
                self._answer(*idp.userinfo(self.headers.get("Authorization", "")))
            else:
                self._answer(404, {"error": "not_found"})

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            idp.requests.append(("POST", parts.path))
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if parts.path == "/token":
                self._answer(*idp.token(form))
            else:
                self._answer(404, {"error": "not_found"})

    return Handler


@pytest.fixture
def oidc_idp() -> Iterator[FakeOidcProvider]:
    idp = FakeOidcProvider(
        claims={
            "sub": "00u-ada",
            "email": "ada@example.com",
            "email_verified": True,
            "name": "Ada Lovelace",
            "groups": [],
        }
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(idp))
    idp.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def oidc_app(issuer: str, **settings_overrides) -> dict:
    return {
        "provider_id": PROVIDER_ID,
        "name": PROVIDER_NAME,
        "client_id": CLIENT_ID,
        "secret": CLIENT_SECRET,
        "settings": {
            "server_url": issuer,
            "scope": ["openid", "profile", "email"],
            "trust_email": False,
            **settings_overrides,
        },
    }


@pytest.fixture
def sso_settings(settings, oidc_idp):
    """The app configured with the fake provider, as config/sso.py would from
    OIDC_PROVIDERS=corp and OIDC_CORP_* variables, and a team map."""
    app = oidc_app(oidc_idp.issuer)
    providers = {**settings.SOCIALACCOUNT_PROVIDERS}
    providers["openid_connect"] = {**providers["openid_connect"], "APPS": [app]}
    settings.SOCIALACCOUNT_PROVIDERS = providers
    settings.SSO_TEAM_CLAIM = "groups"
    settings.SSO_TEAM_MAP = sso.team_map(
        "sre=platform, sre-leads=platform:lead, payments-eng=payments"
    )
    policy = {**settings.CONTENT_SECURITY_POLICY}
    policy["form-action"] = ["'self'", *sso.form_action_origins([app])]
    settings.CONTENT_SECURITY_POLICY = policy
    return settings


# The browser's part of the flow, with Django's test client and `requests`.


def button_form(client: Client, next_url: str = "") -> tuple[str, dict[str, str]]:
    """The "Sign in with Corp ID" form on the sign-in page: its action and fields."""
    page = client.get(reverse("login"), {"next": next_url} if next_url else {})
    html = page.content.decode()
    form = re.search(r'<form method="post" action="([^"]+)">(.*?)</form>', html, re.S)
    assert form, html
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form[2]))
    return unescape(form[1]), {k: unescape(v) for k, v in fields.items()}


def to_provider(client: Client, next_url: str = "") -> str:
    """Press the button; returns the provider's authorization URL it redirects to."""
    action, fields = button_form(client, next_url)
    assert action == reverse("accounts-sso-login", args=[PROVIDER_ID])
    response = client.post(action, fields)
    assert response.status_code == 302, response.content
    return response["Location"]


def at_provider(authorize_url: str) -> str:
    """The browser at the provider, which sends it back: the callback URL."""
    answer = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def back_from_provider(client: Client, callback_url: str):
    parts = urlsplit(callback_url)
    assert parts.path == reverse("accounts-sso-callback", args=[PROVIDER_ID])
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client: Client, next_url: str = ""):
    return back_from_provider(client, at_provider(to_provider(client, next_url)))
