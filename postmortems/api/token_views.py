"""Personal API tokens on the profile page: create one (shown once), revoke one."""

from uuid import UUID

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.vary import vary_on_headers

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.views import profile_context
from lib.http_methods import require_POST_or_back
from postmortems.api.permissions import get_api_token_for_user
from postmortems.api.selectors import api_tokens_of
from postmortems.api.token_forms import ApiTokenForm
from postmortems.api.tokens import api_token_create, api_token_revoke

PROFILE = "accounts/profile.html"


def tokens_for_profile(*, user: User) -> dict:
    """PAGE_EXTRAS["profile"]: the person's tokens and the form for a new one."""
    return {"api_tokens": api_tokens_of(user), "token_form": ApiTokenForm()}


def _tokens_response(request: AuthenticatedHttpRequest, status: int = 200, **context):
    """The tokens card (htmx, always 200 so that htmx swaps it in) or the whole profile
    page (a plain form post)."""
    context = {**tokens_for_profile(user=request.user), **context}
    if request.htmx:
        return TemplateResponse(request, f"{PROFILE}#api-tokens", context)
    return TemplateResponse(request, PROFILE, profile_context(request, **context), status=status)


@require_POST_or_back("accounts-profile")
@never_cache  # the answer may hold the new token: no cache may keep it
@vary_on_headers("HX-Request")
def api_token_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Create a token and show it once. Also without JavaScript the page is rendered
    here rather than redirected to: a redirect would need the token stored somewhere."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _tokens_response(request, status=400, token_form=form)
    token, secret = api_token_create(user=request.user, **form.cleaned_data)
    return _tokens_response(request, new_token=token, new_secret=secret)


@require_POST_or_back("accounts-profile")
@vary_on_headers("HX-Request")
def api_token_revoke_view(request: AuthenticatedHttpRequest, code: UUID) -> HttpResponse:
    token = get_api_token_for_user(request, code)
    api_token_revoke(token=token)
    if request.htmx:
        return _tokens_response(request)
    messages.success(request, f"Token “{token.name}” revoked. It no longer works.")
    return redirect("accounts-profile")
