from allauth.socialaccount.providers.saml import views as saml_views
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views
from accounts.passwords import local_passwords_only
from accounts.sso import views as sso_views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        local_passwords_only(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "password/done/",
        local_passwords_only(auth_views.PasswordChangeDoneView.as_view()),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        local_passwords_only(views.ThrottledPasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        local_passwords_only(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        local_passwords_only(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        local_passwords_only(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    # Single sign-on. OpenID Connect: the redirect URI to register with a provider is
    # https://<host>/accounts/sso/<provider id>/callback/. SAML: allauth's views (their
    # names are allauth's, which it reverses) under /accounts/sso/saml/<provider id>/.
    path("sso/<str:provider_id>/login/", sso_views.sso_login_view, name="accounts-sso-login"),
    path(
        "sso/<str:provider_id>/callback/",
        sso_views.sso_callback_view,
        name="accounts-sso-callback",
    ),
    path(
        "sso/saml/<str:organization_slug>/",
        include(
            [
                # The IdP posts its answer here (no session cookie on a cross-site POST);
                # allauth keeps it and hands over to finish/ in the browser's session.
                path("acs/", saml_views.acs, name="saml_acs"),
                path("acs/finish/", sso_views.saml_finish_view, name="saml_finish_acs"),
                path("sls/", saml_views.sls, name="saml_sls"),
                path("metadata/", saml_views.metadata, name="saml_metadata"),
                path("login/", saml_views.login, name="saml_login"),
            ]
        ),
    ),
    path("profile/", views.profile_view, name="accounts-profile"),
    path("people/", views.people_search_view, name="accounts-people"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="accounts-unsubscribe"),
]
