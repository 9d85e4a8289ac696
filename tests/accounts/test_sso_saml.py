"""Single sign-on with SAML 2.0, end to end through allauth's SAML views and
python3-saml: the button's POST redirects to the identity provider with an
AuthnRequest; the test plays the provider, answering with a Response whose assertion
it signs with its own certificate (xmlsec), posted to the assertion consumer service
as a browser would."""

import base64
import datetime as dt
import functools
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.test import Client
from django.urls import reverse
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from accounts.models import User
from audit.models import AuditEvent
from config import sso
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db
# The provider answers at this instant and python3-saml checks the assertion's window
# against it; the clock ticks on from there (a few seconds per test).
NOW = dt.datetime(2026, 6, 17, 10, 0, tzinfo=dt.UTC)

IDP_ENTITY_ID = "https://idp.example.com/saml"
IDP_SSO_URL = "https://idp.example.com/saml/sso"
HOST = "postmortems.example.com"
AUDIENCE = f"http://{HOST}/accounts/sso/saml/acme/metadata/"
GROUPS = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"


@pytest.fixture(autouse=True)
def _at_a_fixed_instant():
    with time_machine.travel(NOW, tick=True):
        yield


@functools.cache
def _idp_credentials(name: str) -> tuple[str, str]:
    """(private key PEM, certificate PEM) of a self-signed signing certificate, valid
    over this century: valid whatever clock reads it (this process's, or xmlsec's
    own, which no test moves)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2099, 12, 31, tzinfo=dt.UTC))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    return key_pem, cert.public_bytes(serialization.Encoding.PEM).decode()


def _cert_body(pem: str) -> str:
    """The certificate as SAML_<ID>_X509CERT takes it: the base64 between the lines."""
    return "".join(line for line in pem.splitlines() if "-----" not in line)


@pytest.fixture
def client() -> Client:
    """Browsers always send Host, which python3-saml reads (the test client does not),
    and it must be a real domain name ("testserver" is not one)."""
    return _browser()


def _browser() -> Client:
    return Client(HTTP_HOST=HOST)


@pytest.fixture
def saml_settings(settings, monkeypatch):
    """SAML_PROVIDERS=acme with SAML_ACME_* variables, read by config/sso.py."""
    _key, cert = _idp_credentials("idp")
    for name, value in {
        "NAME": "Acme SSO",
        "ENTITY_ID": IDP_ENTITY_ID,
        "SSO_URL": IDP_SSO_URL,
        "X509CERT": _cert_body(cert),
        "TRUST_EMAIL": "true",
    }.items():
        monkeypatch.setenv(f"SAML_ACME_{name}", value)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    apps = sso.saml_apps(["acme"])
    providers = {**settings.SOCIALACCOUNT_PROVIDERS, "saml": {"APPS": apps}}
    settings.SOCIALACCOUNT_PROVIDERS = providers
    settings.SSO_TEAM_CLAIM = GROUPS
    settings.SSO_TEAM_MAP = sso.team_map("sre-group-id=platform:lead")
    return settings


def _response_xml(*, request_id: str, acs_url: str, audience: str, attributes: dict) -> str:
    now = dt.datetime.now(dt.UTC)  # NOW and the seconds the test has taken so far

    def stamp(moment: dt.datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    values = "".join(
        f'<saml:Attribute Name="{name}">'
        + "".join(f"<saml:AttributeValue>{value}</saml:AttributeValue>" for value in values)
        + "</saml:Attribute>"
        for name, values in attributes.items()
    )
    return f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_{uuid.uuid4().hex}" Version="2.0"
 IssueInstant="{stamp(now)}" Destination="{acs_url}" InResponseTo="{request_id}">
<saml:Issuer>{IDP_ENTITY_ID}</saml:Issuer>
<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
<saml:Assertion ID="_{uuid.uuid4().hex}" Version="2.0" IssueInstant="{stamp(now)}">
<saml:Issuer>{IDP_ENTITY_ID}</saml:Issuer>
<saml:Subject>
<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">acme-ada-1</saml:NameID>
<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
<saml:SubjectConfirmationData NotOnOrAfter="{stamp(now + dt.timedelta(minutes=5))}"
 Recipient="{acs_url}" InResponseTo="{request_id}"/>
</saml:SubjectConfirmation>
</saml:Subject>
<saml:Conditions NotBefore="{stamp(now - dt.timedelta(minutes=1))}"
 NotOnOrAfter="{stamp(now + dt.timedelta(minutes=5))}">
<saml:AudienceRestriction><saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction>
</saml:Conditions>
<saml:AuthnStatement AuthnInstant="{stamp(now)}" SessionIndex="_session-1">
<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext>
</saml:AuthnStatement>
<saml:AttributeStatement>{values}</saml:AttributeStatement>
</saml:Assertion>
</samlp:Response>"""


def _signed(xml: str, signer: str = "idp") -> str:
    """The Response with its assertion signed (the signature goes after its Issuer)."""
    key, cert = _idp_credentials(signer)
    response, _, rest = xml.partition("<saml:Assertion ")
    assertion, _, tail = rest.partition("</saml:Assertion>")
    assertion = f"<saml:Assertion {assertion}</saml:Assertion>".replace(
        "<saml:Assertion ",
        '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ',
        1,
    )
    signed = OneLogin_Saml2_Utils.add_sign(assertion, key, cert).decode()
    signed = re.sub(r"^<\?xml[^>]*>\s*", "", signed)
    return response + signed + tail


def _start(client: Client) -> dict[str, str]:
    """Press "Sign in with Acme SSO": the AuthnRequest the IdP receives, decoded."""
    response = client.post(reverse("saml_login", args=["acme"]))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == IDP_SSO_URL
    query = parse_qs(location.query)
    request = OneLogin_Saml2_Utils.decode_base64_and_inflate(query["SAMLRequest"][0]).decode()
    return {
        "id": re.search(r'ID="([^"]+)"', request).group(1),
        "acs": re.search(r'AssertionConsumerServiceURL="([^"]+)"', request).group(1),
        "relay_state": query.get("RelayState", [""])[0],
    }


def _post_back(client: Client, authn: dict[str, str], response_xml: str):
    """The browser posts the IdP's answer to the ACS, which hands over to finish/."""
    acs = urlsplit(authn["acs"]).path
    assert acs == reverse("saml_acs", args=["acme"])
    encoded = base64.b64encode(response_xml.encode()).decode()
    handed = client.post(acs, {"SAMLResponse": encoded, "RelayState": authn["relay_state"]})
    assert handed.status_code == 302
    return client.get(handed["Location"])


def _attributes(**overrides) -> dict[str, list[str]]:
    return {
        "email": ["ada@example.com"],
        "displayName": ["Ada Lovelace"],
        GROUPS: ["sre-group-id", "unmapped"],
        **overrides,
    }


def test_the_sign_in_page_offers_the_saml_provider(saml_settings, client):
    html = client.get(reverse("login")).content.decode()
    assert "Sign in with Acme SSO" in html
    assert 'action="/accounts/sso/saml/acme/login/"' in html


def test_a_signed_assertion_signs_in_and_maps_the_team(saml_settings, client):
    platform = TeamFactory(name="Platform", slug="platform")
    authn = _start(client)
    xml = _response_xml(
        request_id=authn["id"],
        acs_url=authn["acs"],
        audience=AUDIENCE,
        attributes=_attributes(),
    )
    response = _post_back(client, authn, _signed(xml))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("pm-incident-list")
    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert (user.email, user.display_name) == ("ada@example.com", "Ada Lovelace")
    membership = user.memberships.get()
    assert (membership.team, membership.role, membership.source) == (platform, "lead", "sso")
    login = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN)
    assert login.details == {"method": "sso", "provider": "acme"}


def test_an_assertion_signed_by_another_key_is_refused(saml_settings, client):
    authn = _start(client)
    xml = _response_xml(
        request_id=authn["id"],
        acs_url=authn["acs"],
        audience=AUDIENCE,
        attributes=_attributes(),
    )
    response = _post_back(client, authn, _signed(xml, signer="stranger"))
    assert response.status_code == 401
    assert "The answer from Acme SSO was refused" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.exists()
    failed = AuditEvent.objects.get(action=AuditEvent.Action.LOGIN_FAILED)
    assert failed.details["reason"] == "saml_invalid"


def test_an_unsigned_assertion_is_refused(saml_settings, client):
    authn = _start(client)
    xml = _response_xml(
        request_id=authn["id"],
        acs_url=authn["acs"],
        audience=AUDIENCE,
        attributes=_attributes(),
    )
    response = _post_back(client, authn, xml)
    assert response.status_code == 401
    assert not User.objects.exists()


def test_an_answer_to_a_request_this_browser_did_not_make_is_refused(saml_settings, client):
    authn = _start(client)
    xml = _response_xml(
        request_id=authn["id"],
        acs_url=authn["acs"],
        audience=AUDIENCE,
        attributes=_attributes(),
    )
    response = _post_back(_browser(), authn, _signed(xml))
    assert response.status_code == 401
    assert "does not match one started in this browser" in response.content.decode()
    assert not User.objects.exists()


def test_an_unverified_saml_email_is_refused_unless_the_provider_is_trusted(
    saml_settings, client, monkeypatch
):
    monkeypatch.setenv("SAML_ACME_TRUST_EMAIL", "false")
    apps = sso.saml_apps(["acme"])
    saml_settings.SOCIALACCOUNT_PROVIDERS = {
        **saml_settings.SOCIALACCOUNT_PROVIDERS,
        "saml": {"APPS": apps},
    }
    authn = _start(client)
    xml = _response_xml(
        request_id=authn["id"],
        acs_url=authn["acs"],
        audience=AUDIENCE,
        attributes=_attributes(),
    )
    response = _post_back(client, authn, _signed(xml))
    assert response.status_code == 403
    assert "Acme SSO has not verified the email address ada@example.com" in (
        response.content.decode()
    )


def test_the_service_provider_metadata_is_published(saml_settings, client):
    response = client.get(reverse("saml_metadata", args=["acme"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'entityID="{AUDIENCE}"' in body
    assert f"http://{HOST}/accounts/sso/saml/acme/acs/" in body
