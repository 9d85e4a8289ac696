from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from postmortems.api.app import urls as api_urls


@require_GET
@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Says nothing else."""
    return HttpResponse("ok", content_type="text/plain")


admin.site.site_header = "Postmortems administration"
admin.site.site_title = "Postmortems admin"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", api_urls()),
    path("", include("postmortems.urls")),
]
