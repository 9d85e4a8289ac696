"""The OpenID Connect sign-in start and callback (allauth's views, with the verifying
adapter of oidc.py), the end of a SAML sign-in (allauth's, with its refusals made
readable; its other SAML views are mounted as they are in accounts/urls.py), and the
page every failed single sign-on ends on."""

import logging

from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.saml import views as saml_views
from allauth.socialaccount.providers.saml.utils import get_app_or_404
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods
from requests import RequestException

from accounts.sso.oidc import VerifiedOpenIDConnectAdapter
from accounts.sso.services import sso_sign_in_refused

logger = logging.getLogger(__name__)

STATE_MISMATCH = (
    "This sign-in does not match one started in this browser: it may have expired "
    "(after 10 minutes), been used already, or been started elsewhere. Please start again."
)


def failure_response(
    request: HttpRequest,
    *,
    provider,
    reason: str,
    message: str,
    email: str = "",
    status: int = 401,
) -> HttpResponse:
    """Record a sign-in that did not happen and say why (`provider` is allauth's, or
    None when it is not known)."""
    provider_id = provider.sub_id if provider is not None else ""
    sso_sign_in_refused(request=request, provider_id=provider_id, reason=reason, email=email)
    context = {"provider_name": provider.name if provider is not None else "", "message": message}
    return TemplateResponse(request, "accounts/sso_error.html", context, status=status).render()


def _app_or_404(request: HttpRequest, adapter: VerifiedOpenIDConnectAdapter):
    try:
        return adapter.get_provider()
    except SocialApp.DoesNotExist:
        raise Http404("No such identity provider.") from None


@login_not_required
@require_http_methods(["GET", "POST"])
def sso_login_view(request: HttpRequest, provider_id: str) -> HttpResponse:
    """POST (the sign-in page's button): off to the provider. GET: a page with the
    same button, since starting a sign-in changes the session."""
    adapter = VerifiedOpenIDConnectAdapter(request, provider_id)
    provider = _app_or_404(request, adapter)
    try:
        return OAuth2LoginView.adapter_view(adapter)(request)
    except (RequestException, OAuth2Error) as error:
        return _discovery_failed(request, provider, error)


@login_not_required
@require_GET
def sso_callback_view(request: HttpRequest, provider_id: str) -> HttpResponse:
    """Where the provider sends the browser back (the redirect URI to register)."""
    adapter = VerifiedOpenIDConnectAdapter(request, provider_id)
    provider = _app_or_404(request, adapter)
    try:
        return OAuth2CallbackView.adapter_view(adapter)(request)
    except (RequestException, OAuth2Error) as error:
        return _discovery_failed(request, provider, error)


def _discovery_failed(request: HttpRequest, provider, error: Exception) -> HttpResponse:
    """allauth reads the discovery document (the provider's endpoints) outside its own
    error handling; a provider that is down or misconfigured ends here."""
    logger.warning("Single sign-on with %s: discovery failed: %r", provider.sub_id, error)
    if isinstance(error, RequestException):
        reason, message = "provider_unreachable", f"{provider.name} could not be reached."
    else:
        reason, message = "provider_misconfigured", f"{provider.name} is not set up correctly."
    message += " Try again in a moment, or tell an admin if this keeps happening."
    return failure_response(request, provider=provider, reason=reason, message=message, status=502)


@login_not_required
def saml_finish_view(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """allauth's end of a SAML sign-in. An answer to a request this browser did not
    make (another browser's, or one the IdP started on its own) is refused there with
    a bare PermissionDenied; here it gets the same page and audit entry as any other
    failed sign-in."""
    try:
        return saml_views.finish_acs(request, organization_slug=organization_slug)
    except PermissionDenied:
        provider = get_app_or_404(request, organization_slug).get_provider(request)
        return failure_response(request, provider=provider, reason="state", message=STATE_MISMATCH)
