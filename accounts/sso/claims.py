"""What an identity provider said about the person signing in, in one shape for
OpenID Connect (the id_token's and the userinfo endpoint's claims) and SAML (the
assertion's attributes)."""

from dataclasses import dataclass

from allauth.socialaccount.models import SocialLogin
from django.conf import settings

from accounts.models import Membership

_TRUE = {"true", "1", "yes", "t", "y"}


@dataclass(frozen=True)
class SsoIdentity:
    provider_id: str
    provider_name: str
    uid: str
    email: str
    email_verified: bool
    display_name: str
    # The team claim's values; None when the provider left them out on purpose (too
    # many groups for a token) and memberships must stay as they are.
    groups: list[str] | None


def _first(value: object) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).strip() if value is not None else ""


def _truthy(value: object) -> bool:
    value = _first(value) if isinstance(value, list | tuple) else value
    return value is True or (isinstance(value, str) and value.strip().lower() in _TRUE)


def _values(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value).strip()] if str(value).strip() else []


def _oidc_claims(extra_data: dict) -> dict:
    """The id_token's claims, overlaid with the userinfo endpoint's (fresher, and where
    some providers put profile and group claims)."""
    claims = dict(extra_data.get("id_token") or {})
    claims.update(extra_data.get("userinfo") or {})
    return claims


def _saml_claims(extra_data: dict, mapping: dict) -> dict:
    """SAML attributes under the names OIDC uses, by the app's attribute mapping;
    the team attribute keeps its own name and all its values."""
    claims: dict = {}
    for key, names in mapping.items():
        for name in [names] if isinstance(names, str) else names:
            if extra_data.get(name):
                claims[key] = _first(extra_data[name])
                break
    team_claim = settings.SSO_TEAM_CLAIM
    if team_claim in extra_data:
        claims[team_claim] = list(extra_data[team_claim])
    return claims


def _groups(claims: dict) -> list[str] | None:
    team_claim = settings.SSO_TEAM_CLAIM
    # Azure AD's "groups overage": a token for someone in too many groups carries a
    # pointer to the Graph API instead of the groups. Acting on the empty list would
    # remove every membership, so nothing changes (docs/sso.md: assign the groups to the
    # application, which keeps the claim short).
    if team_claim not in claims and team_claim in (claims.get("_claim_names") or {}):
        return None
    return _values(claims.get(team_claim))


def _any(claims: dict, *keys: str) -> str:
    return next((value for value in (_first(claims.get(k)) for k in keys) if value), "")


def _display_name(claims: dict, email: str) -> str:
    given = _any(claims, "given_name", "first_name")
    family = _any(claims, "family_name", "last_name")
    name = _any(claims, "name") or " ".join(part for part in (given, family) if part)
    return (name or email.partition("@")[0])[:150]


def identity_from(sociallogin: SocialLogin) -> SsoIdentity:
    account = sociallogin.account
    app = sociallogin.provider.app
    extra_data = account.extra_data or {}
    if account.get_provider().id == "saml":
        claims = _saml_claims(extra_data, app.settings.get("attribute_mapping", {}))
    else:
        claims = _oidc_claims(extra_data)
    email = _first(claims.get("email")).lower()
    return SsoIdentity(
        provider_id=app.provider_id or app.provider,
        provider_name=app.name,
        uid=str(account.uid),
        email=email,
        email_verified=bool(app.settings.get("trust_email"))
        or _truthy(claims.get("email_verified")),
        display_name=_display_name(claims, email),
        groups=_groups(claims),
    )


def wanted_memberships(groups: list[str]) -> dict[str, str]:
    """Team slug -> role the groups ask for (SSO_TEAM_MAP); lead wins over member."""
    wanted: dict[str, str] = {}
    for group in groups:
        if group in settings.SSO_TEAM_MAP:
            slug, role = settings.SSO_TEAM_MAP[group]
            if wanted.get(slug) != Membership.Role.LEAD:
                wanted[slug] = role
    return wanted


def refusal(identity: SsoIdentity) -> tuple[str, str] | None:
    """(reason code, message) when this identity may not sign in, else None."""
    provider = identity.provider_name
    if not identity.email:
        return "email_missing", f"{provider} did not share an email address for your account."
    if not identity.email_verified:
        return (
            "email_unverified",
            f"{provider} has not verified the email address {identity.email}. Ask your "
            "identity provider's administrator to verify it, then sign in again.",
        )
    domain = identity.email.rpartition("@")[2]
    allowed = settings.SSO_ALLOWED_DOMAINS
    if allowed and domain not in allowed:
        return (
            "email_domain",
            f"{identity.email} is not an address of this organisation: single sign-on is "
            f"open to {', '.join('@' + d for d in allowed)} only.",
        )
    return None
