"""allauth's hooks (ACCOUNT_ADAPTER, SOCIALACCOUNT_ADAPTER in config/settings.py).

allauth runs the protocol (state, PKCE, token exchange, SAML validation); these hooks
decide who may sign in and what the sign-in changes. Every way a sign-in can end
without one (a failed check, a refusal, a cancellation at the provider) comes through
`failure_response`, which records it in the audit log and shows what happened.
"""

import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base.constants import AuthError, AuthProcess
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from jwt import ExpiredSignatureError, PyJWTError
from requests import RequestException

from accounts.backends import SINGLE_SIGN_ON_BACKEND
from accounts.models import User
from accounts.sso.claims import identity_from, refusal
from accounts.sso.services import SsoRefused, sso_user_sign_in
from accounts.sso.views import STATE_MISMATCH, failure_response

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # allauth's sign-up pages are not mounted; accounts are made by
        # SocialAccountAdapter.pre_social_login below.
        return False

    def login(self, request: HttpRequest, user: User) -> None:
        # Only single sign-on signs in through allauth (passwords go through
        # accounts/urls.py's own view): the session records it, and so does the audit log.
        user.backend = SINGLE_SIGN_ON_BACKEND
        super().login(request, user)

    def add_message(self, *args, **kwargs) -> None:
        """The site says nothing on signing in, whichever way it happened."""

    def respond_user_inactive(self, request: HttpRequest, user: User) -> HttpResponse:
        return failure_response(
            request,
            provider=None,
            reason="inactive",
            message="This account is deactivated. Ask an admin if you need it again.",
            email=user.email,
            status=403,
        )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False  # never reached: pre_social_login links every login to an account

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        """Every sign-in, new person or not: refuse what may not sign in, then find or
        create the account, update its name and teams, and link the provider's
        account to it, so that allauth goes on to sign in an existing user."""
        # Only signing in is offered; allauth's "connect" and "redirect" processes
        # need pages this site does not have.
        sociallogin.state["process"] = AuthProcess.LOGIN
        identity = identity_from(sociallogin)
        refused = refusal(identity)
        linked = sociallogin.user if sociallogin.is_existing else None
        if refused is None:
            try:
                with transaction.atomic():
                    user = sso_user_sign_in(identity=identity, linked_user=linked)
                    if linked is None:
                        sociallogin.connect(request, user)
                    else:
                        sociallogin.user = user
            except SsoRefused as error:
                refused = (error.reason, error.message)
        if refused is not None:
            # Recorded after the transaction above, which a refusal rolled back.
            reason, message = refused
            raise ImmediateHttpResponse(
                failure_response(
                    request,
                    provider=sociallogin.provider,
                    reason=reason,
                    message=message,
                    email=identity.email,
                    status=403,
                )
            )

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider,
        error=None,
        exception=None,
        extra_context=None,
    ) -> None:
        reason, message = _explain(request, provider, error, exception, extra_context or {})
        if exception is not None:
            logger.warning("Single sign-on with %s failed: %r", provider.sub_id, exception)
        raise ImmediateHttpResponse(
            failure_response(request, provider=provider, reason=reason, message=message)
        )


def _explain(request, provider, error, exception, extra_context: dict) -> tuple[str, str]:
    """(reason code for the audit log, message for the person) of a failed sign-in."""
    name = provider.name
    if error == AuthError.CANCELLED:
        # OAuth's access_denied: the person cancelled, or the provider does not let
        # them use this application (not assigned to it).
        return (
            "cancelled",
            f"Signing in with {name} was cancelled, or {name} does not let your account "
            "use this site (ask its administrator to assign you to the application).",
        )
    if "saml_errors" in extra_context:
        detail = extra_context.get("saml_last_error_reason") or "invalid SAML response"
        return "saml_invalid", f"The answer from {name} was refused: {detail}."
    if exception is None:
        if request.GET.get("error"):
            code = request.GET["error"][:60]
            return "provider_error", f"{name} did not sign you in (it answered “{code}”)."
        return "state", STATE_MISMATCH
    if isinstance(exception, RequestException):
        return "provider_unreachable", f"{name} could not be reached. Try again in a moment."
    cause = exception.__cause__
    if isinstance(cause, ExpiredSignatureError):
        return (
            "token_expired",
            f"The sign-in token from {name} has expired. Please sign in again; if this "
            "keeps happening, the server's clock may be wrong.",
        )
    if isinstance(cause, PyJWTError):
        return (
            "token_invalid",
            f"The sign-in token from {name} could not be verified ({cause}). Nobody was signed in.",
        )
    return "provider_error", f"{name} did not complete the sign-in. Please try again."
