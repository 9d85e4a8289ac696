from django.contrib import admin
from django.urls import include, path

from config.probes import healthz, readyz

admin.site.site_header = "Postmortems administration"
admin.site.site_title = "Postmortems admin"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("postmortems.urls")),
]
