"""Authentication backends: passwords, and the sessions single sign-on opens."""

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from accounts.models import User


class PasswordBackend(ModelBackend):
    """Django's email-and-password check. With LOCAL_PASSWORDS=false it accepts only
    superusers (the site's sign-in page refuses every password before it gets here;
    the admin's sign-in page is the break-glass way in when the identity provider is
    down or misconfigured), so a password set earlier no longer opens anyone else's
    account."""

    def user_can_authenticate(self, user: User | AnonymousUser | None) -> bool:
        if not settings.LOCAL_PASSWORDS and not (user is not None and user.is_superuser):
            return False
        return super().user_can_authenticate(user)


class SingleSignOnBackend(ModelBackend):
    """The backend a single sign-on session is recorded with (accounts/sso/adapters.py).
    It checks no credentials: the identity provider did. It only loads the session's
    user and their permissions, and lets the audit log tell the two kinds of sign-in
    apart."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **credentials: Any,
    ) -> None:
        return None


SINGLE_SIGN_ON_BACKEND = f"{SingleSignOnBackend.__module__}.{SingleSignOnBackend.__name__}"
