from django.contrib import admin
from django.urls import include, path

from config.probes import healthz, readyz
from postmortems.api.app import urls as api_urls

# Database trouble (down, read-only, full) answers 503 with Retry-After; the rest 500.
handler500 = "config.errors.server_error"

admin.site.site_header = "Postmortems administration"
admin.site.site_title = "Postmortems admin"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", api_urls()),
    path("", include("postmortems.urls")),
]
