"""Who may post to a receiver: issued tokens and PagerDuty's body signatures."""

import hashlib
import hmac
import secrets

from django.http import HttpRequest

from postmortems.alerting.models import AlertIntegration


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _presented_token(request: HttpRequest, integration: AlertIntegration) -> str:
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    # Opsgenie may also put it in the query string (docs/alerting.md says why a header is better).
    if integration.kind == AlertIntegration.Kind.OPSGENIE:
        return request.GET.get("token", "")
    return ""


def pagerduty_signature_ok(secret: str, body: bytes, header: str) -> bool:
    """`X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]`: several while a secret is
    being rotated; any match is enough."""
    if not secret:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    for part in header.split(","):
        version, _equals, signature = part.strip().partition("=")
        # Compared as bytes: compare_digest refuses str with non-ASCII characters, and
        # a header is whatever the sender typed.
        if version == "v1" and hmac.compare_digest(
            signature.lower().encode(errors="replace"), expected.encode()
        ):
            return True
    return False


def request_is_authentic(request: HttpRequest, integration: AlertIntegration, body: bytes) -> bool:
    if integration.kind == AlertIntegration.Kind.PAGERDUTY:
        return pagerduty_signature_ok(
            integration.signing_secret, body, request.headers.get("X-PagerDuty-Signature", "")
        )
    token = _presented_token(request, integration)
    return bool(token and integration.token_hash) and hmac.compare_digest(
        token_hash(token), integration.token_hash
    )
