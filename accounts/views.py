import hashlib
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.forms import ProfileForm
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Team
from accounts.passwords import passwords_off_response
from accounts.rate_limits import within_limit
from accounts.selectors import people_matching
from accounts.services import user_stop_digests, user_update_profile
from accounts.sso.providers import sign_in_buttons
from accounts.tokens import user_from_unsubscribe_token
from lib.client_ip import client_ip
from lib.extensions import page_extras


class SignInView(auth_views.LoginView):
    """Django's sign-in page, with a button per identity provider. With
    LOCAL_PASSWORDS=false the password form is gone and a password POST is refused
    before any password is looked at (so it counts towards no lockout either)."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.LOCAL_PASSWORDS:
            return passwords_off_response(request)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "sso_buttons": sign_in_buttons(self.request)}


logger = logging.getLogger(__name__)
HOUR, DAY = 3600, 24 * 3600


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, with at most PASSWORD_RESET_ADDRESS_LIMIT requests an
    hour from one client address and PASSWORD_RESET_EMAIL_LIMIT emails a day to one
    address. Over a limit the answer is the usual "check your email" page and nothing
    is sent: the page says the same whether the address exists, and whether it was
    throttled, so it cannot be used to find either out."""

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        digest = hashlib.sha256(email.encode()).hexdigest()  # no addresses in cache keys
        allowed = within_limit(
            f"password-reset:client:{client_ip(self.request)}",
            limit=settings.PASSWORD_RESET_ADDRESS_LIMIT,
            window_seconds=HOUR,
        ) and within_limit(
            f"password-reset:email:{digest}",
            limit=settings.PASSWORD_RESET_EMAIL_LIMIT,
            window_seconds=DAY,
        )
        if not allowed:
            logger.warning("Password reset throttled: nothing sent.")
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


@require_http_methods(["GET", "POST"])
def profile_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user_update_profile(user=request.user, **form.cleaned_data)
        messages.success(request, "Profile saved.")
        return redirect("accounts-profile")
    return TemplateResponse(request, "accounts/profile.html", profile_context(request, form=form))


def profile_context(request: AuthenticatedHttpRequest, **overrides) -> dict:
    """Everything the profile page shows; `overrides` replace parts (bound forms)."""
    return {
        "form": ProfileForm(instance=request.user),
        "memberships": request.user.memberships.select_related("team"),
        # The API tokens and the calendar link belong to parts above accounts.
        **page_extras("profile", user=request.user),
        **overrides,
    }


@login_not_required
@csrf_exempt  # the signed token authenticates; mail clients POST here (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    user = user_from_unsubscribe_token(token)
    if user is None:
        return TemplateResponse(request, "accounts/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        user_stop_digests(user=user)
        return TemplateResponse(
            request, "accounts/unsubscribe.html", {"done": True, "person": user}
        )
    return TemplateResponse(request, "accounts/unsubscribe.html", {"person": user, "token": token})


@require_GET
def people_search_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The people pickers' type-ahead: the first few active people matching `q` (of
    the team `team`, if given) as listbox options, or as JSON for `Accept:
    application/json`. Signed-in people only (the middleware sees to it); nothing
    for an empty query, so the directory is never sent whole."""
    query = request.GET.get("q", "")
    team = None
    if slug := request.GET.get("team"):
        team = get_object_or_404(Team, slug=slug)
    people = people_matching(query=query, team=team)
    if "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse(
            {"people": [{"id": pk, "name": name, "email": email} for pk, name, email in people]}
        )
    else:
        response = TemplateResponse(
            request, "accounts/people_options.html", {"people": people, "query": query.strip()}
        )
    patch_vary_headers(response, ["Accept"])
    return response
