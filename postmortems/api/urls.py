"""Personal API tokens. The JSON API itself is mounted by config/urls.py."""

from django.urls import path

from postmortems.api import token_views as api_tokens

urlpatterns = [
    # Shown on the profile page (accounts/views.py), so they live under its URL.
    path("accounts/profile/tokens/", api_tokens.api_token_create_view, name="pm-api-token-create"),
    path(
        "accounts/profile/tokens/<uuid:code>/revoke/",
        api_tokens.api_token_revoke_view,
        name="pm-api-token-revoke",
    ),
]
