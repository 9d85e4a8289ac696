"""Single sign-on settings from the environment (config/sso.py): what they build, and a
loud stop, naming the variable, on anything malformed."""

import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured

from config import sso
from tests.config.test_deploy_settings import _env_example, _manage

OKTA = {
    "OIDC_PROVIDERS": "okta",
    "OIDC_OKTA_ISSUER": "https://example.okta.com/oauth2/default",
    "OIDC_OKTA_CLIENT_ID": "0oa-client",
    "OIDC_OKTA_CLIENT_SECRET": "okta-secret",
}


def test_an_oidc_provider_is_built_from_its_variables(monkeypatch):
    monkeypatch.setenv("OIDC_AZURE_AD_NAME", "Microsoft")
    monkeypatch.setenv("OIDC_AZURE_AD_ISSUER", "https://login.microsoftonline.com/t-1/v2.0/")
    monkeypatch.setenv("OIDC_AZURE_AD_CLIENT_ID", "client-1")
    monkeypatch.setenv("OIDC_AZURE_AD_CLIENT_SECRET", "shh")
    monkeypatch.setenv("OIDC_AZURE_AD_TRUST_EMAIL", "true")
    [app] = sso.oidc_apps(["azure-ad"])
    assert app == {
        "provider_id": "azure-ad",
        "name": "Microsoft",
        "client_id": "client-1",
        "secret": "shh",
        "settings": {
            "server_url": "https://login.microsoftonline.com/t-1/v2.0",
            "scope": ["openid", "profile", "email"],
            "trust_email": True,
        },
    }
    assert sso.form_action_origins([app]) == ["https://login.microsoftonline.com"]


def test_a_missing_provider_variable_is_named(monkeypatch):
    monkeypatch.setenv("OIDC_OKTA_ISSUER", "https://example.okta.com")
    monkeypatch.setenv("OIDC_OKTA_CLIENT_ID", "client-1")
    monkeypatch.delenv("OIDC_OKTA_CLIENT_SECRET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="OIDC_OKTA_CLIENT_SECRET"):
        sso.oidc_apps(["okta"])


def test_an_issuer_must_be_https(monkeypatch):
    monkeypatch.setenv("OIDC_OKTA_ISSUER", "http://example.okta.com")
    with pytest.raises(ImproperlyConfigured, match=r"OIDC_OKTA_ISSUER=.* must be an https"):
        sso.oidc_apps(["okta"])


@pytest.mark.parametrize("ids", [["Okta"], ["okta", "okta"], ["1x"], ["a/b"]])
def test_provider_ids_are_checked(ids):
    with pytest.raises(ImproperlyConfigured, match="OIDC_PROVIDERS"):
        sso.oidc_apps(ids)


def test_a_saml_provider_takes_its_idp_details_or_a_metadata_url(monkeypatch):
    monkeypatch.setenv("SAML_ADFS_ENTITY_ID", "http://adfs.example.com/adfs/services/trust")
    monkeypatch.setenv("SAML_ADFS_SSO_URL", "https://adfs.example.com/adfs/ls/")
    monkeypatch.setenv("SAML_ADFS_X509CERT", "MIIC...")
    monkeypatch.setenv("SAML_OKTA_METADATA_URL", "https://example.okta.com/app/x/sso/saml/metadata")
    adfs, okta = sso.saml_apps(["adfs", "okta"])
    assert adfs["client_id"] == "adfs"
    assert adfs["settings"]["idp"] == {
        "entity_id": "http://adfs.example.com/adfs/services/trust",
        "sso_url": "https://adfs.example.com/adfs/ls",
        "x509cert": "MIIC...",
    }
    assert adfs["settings"]["advanced"]["want_assertion_signed"] is True
    assert okta["settings"]["idp"]["metadata_url"].endswith("/sso/saml/metadata")
    assert sso.form_action_origins([adfs, okta]) == [
        "https://adfs.example.com",
        "https://example.okta.com",
    ]


def test_a_saml_provider_without_details_is_named(monkeypatch):
    monkeypatch.delenv("SAML_ADFS_ENTITY_ID", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SAML_ADFS_ENTITY_ID"):
        sso.saml_apps(["adfs"])


def test_the_team_map_reads_members_and_leads():
    assert sso.team_map(" sre = platform , SRE Leads=platform:lead,,payments-eng=payments") == {
        "sre": ("platform", "member"),
        "SRE Leads": ("platform", "lead"),
        "payments-eng": ("payments", "member"),
    }
    assert sso.team_map("") == {}
    # A group may itself hold "=" (the last one separates the team) or "/" (Keycloak).
    assert sso.team_map("role=sre=platform, /ops/sre=platform:lead") == {
        "role=sre": ("platform", "member"),
        "/ops/sre": ("platform", "lead"),
    }


@pytest.mark.parametrize("value", ["sre", "sre=", "=platform", "sre=platform:owner"])
def test_a_malformed_team_map_entry_is_named(value):
    with pytest.raises(ImproperlyConfigured, match="SSO_TEAM_MAP"):
        sso.team_map(value)


def test_production_with_single_sign_on_and_no_passwords_passes_the_deployment_checklist():
    env = _env_example() | OKTA | {"SECRET_KEY": secrets.token_urlsafe(50)}
    env |= {"LOCAL_PASSWORDS": "false", "SSO_TEAM_MAP": "sre=platform"}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_passwords_off_without_an_identity_provider_stops_the_process():
    env = _env_example() | {"SECRET_KEY": secrets.token_urlsafe(50), "LOCAL_PASSWORDS": "false"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "LOCAL_PASSWORDS=false needs an identity provider" in result.stderr
