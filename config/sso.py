"""Single sign-on configuration from the environment, as django-allauth takes it.

OIDC_PROVIDERS and SAML_PROVIDERS name the identity providers (ids such as `okta`);
each provider's details come from variables named after its id, upper-cased with `-`
as `_`: OIDC_OKTA_ISSUER, OIDC_OKTA_CLIENT_ID, ... (docs/sso.md).
The apps live in settings only: nothing about a provider is stored in the database.
"""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_list, env_str

_PROVIDER_ID = re.compile(r"^[a-z][a-z0-9-]{0,29}$")
ROLES = {"member", "lead"}


def _prefix(kind: str, provider_id: str) -> str:
    return f"{kind}_{provider_id.upper().replace('-', '_')}_"


def _https_or_local(name: str, url: str) -> str:
    parts = urlsplit(url)
    local = parts.hostname in {"localhost", "127.0.0.1", "::1"}
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise ImproperlyConfigured(f"{name}={url!r} must be an https:// URL.")
    return url.rstrip("/")


def _checked_ids(name: str, ids: list[str]) -> list[str]:
    for provider_id in ids:
        if not _PROVIDER_ID.match(provider_id):
            raise ImproperlyConfigured(
                f"{name}: {provider_id!r} is not a provider id (lower-case letters, digits "
                "and -, starting with a letter)."
            )
    if len(set(ids)) != len(ids):
        raise ImproperlyConfigured(f"{name} names a provider twice.")
    return ids


def oidc_apps(provider_ids: list[str]) -> list[dict]:
    """One allauth app per OpenID Connect provider."""
    apps = []
    for provider_id in _checked_ids("OIDC_PROVIDERS", provider_ids):
        prefix = _prefix("OIDC", provider_id)
        issuer = _https_or_local(f"{prefix}ISSUER", env_str(f"{prefix}ISSUER"))
        apps.append(
            {
                "provider_id": provider_id,
                "name": env_str(f"{prefix}NAME", provider_id.title()),
                "client_id": env_str(f"{prefix}CLIENT_ID"),
                "secret": env_str(f"{prefix}CLIENT_SECRET"),
                "settings": {
                    # Discovery: <issuer>/.well-known/openid-configuration.
                    "server_url": issuer,
                    "scope": env_list(f"{prefix}SCOPES", ["openid", "profile", "email"]),
                    "trust_email": env_bool(f"{prefix}TRUST_EMAIL", False),
                },
            }
        )
    return apps


def saml_apps(provider_ids: list[str]) -> list[dict]:
    """One allauth app per SAML 2.0 identity provider: its metadata URL, or its entity
    id, sign-in URL and signing certificate."""
    apps = []
    for provider_id in _checked_ids("SAML_PROVIDERS", provider_ids):
        prefix = _prefix("SAML", provider_id)
        metadata_url = env_str(f"{prefix}METADATA_URL", "")
        entity_id = env_str(f"{prefix}ENTITY_ID", "")
        if metadata_url:
            idp = {
                "metadata_url": _https_or_local(f"{prefix}METADATA_URL", metadata_url),
                "entity_id": entity_id or None,
            }
        else:
            idp = {
                "entity_id": env_str(f"{prefix}ENTITY_ID"),
                "sso_url": _https_or_local(f"{prefix}SSO_URL", env_str(f"{prefix}SSO_URL")),
                "x509cert": env_str(f"{prefix}X509CERT"),
            }
        apps.append(
            {
                # allauth keys SAML apps by client_id (the "organization slug" in its
                # URLs) and stores accounts under provider_id.
                "provider_id": provider_id,
                "client_id": provider_id,
                "name": env_str(f"{prefix}NAME", provider_id.title()),
                "settings": {
                    "idp": idp,
                    "trust_email": env_bool(f"{prefix}TRUST_EMAIL", False),
                    "attribute_mapping": {
                        # Without a subject-id attribute, the NameID identifies the person.
                        "uid": ["urn:oasis:names:tc:SAML:attribute:subject-id"],
                        "email": [
                            "email",
                            "mail",
                            "urn:oid:0.9.2342.19200300.100.1.3",
                            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                        ],
                        "email_verified": [
                            "email_verified",
                            "http://schemas.auth0.com/email_verified",
                        ],
                        "first_name": [
                            "first_name",
                            "givenName",
                            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
                        ],
                        "last_name": [
                            "last_name",
                            "sn",
                            "urn:oid:2.5.4.4",
                            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
                        ],
                        "name": [
                            "name",
                            "displayName",
                            "urn:oid:2.16.840.1.113730.3.1.241",
                            "http://schemas.microsoft.com/identity/claims/displayname",
                        ],
                    },
                    "advanced": {
                        # The IdP must sign what it asserts; sign-ins the IdP starts on
                        # its own (no request of ours to answer) are refused.
                        "want_assertion_signed": True,
                        "reject_idp_initiated_sso": True,
                    },
                },
            }
        )
    return apps


def team_map(value: str) -> dict[str, tuple[str, str]]:
    """SSO_TEAM_MAP: `claim value=team-slug[:lead]` entries separated by commas, e.g.
    `sre=platform, sre-leads=platform:lead, payments-eng=payments`."""
    mapping: dict[str, tuple[str, str]] = {}
    for entry in (item.strip() for item in value.split(",")):
        if not entry:
            continue
        claim, sep, target = entry.rpartition("=")
        slug, _, role = target.partition(":")
        role = role.strip() or "member"
        if not sep or not claim.strip() or not slug.strip() or role not in ROLES:
            raise ImproperlyConfigured(
                f"SSO_TEAM_MAP: {entry!r} is not `claim value=team-slug` or "
                "`claim value=team-slug:lead`."
            )
        mapping[claim.strip()] = (slug.strip(), role)
    return mapping


def form_action_origins(apps: list[dict]) -> list[str]:
    """Where the sign-in buttons' POSTs are redirected: browsers check each redirect of
    a form submission against the Content-Security-Policy's form-action, so the
    identity providers' origins must be allowed there. The authorization endpoint of
    every provider named in docs/sso.md lives on its issuer's origin."""
    origins = []
    for app in apps:
        config = app["settings"]
        url = config.get("server_url") or config["idp"].get("sso_url") or ""
        url = url or config["idp"].get("metadata_url") or ""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if parts.netloc and origin not in origins:
            origins.append(origin)
    return origins
