from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from accounts.forms import ProfileForm
from accounts.http import AuthenticatedHttpRequest


@require_http_methods(["GET", "POST"])
def profile_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profile saved.")
        return redirect("accounts-profile")
    memberships = request.user.memberships.select_related("team")
    return TemplateResponse(
        request, "accounts/profile.html", {"form": form, "memberships": memberships}
    )
