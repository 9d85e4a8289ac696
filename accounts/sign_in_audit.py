"""Sign-in events for the audit log.

Signing in and out happens in django.contrib.auth's views, single sign-on in
django-allauth's and lockouts in django-axes, not in a service of ours, so their
signals are the place to record them. The password of a failed sign-in is never
recorded: only the address that was tried. Failed single sign-ons are recorded by
accounts/sso/ (services.sso_sign_in_refused), which knows why they failed.
"""

from allauth.account.signals import user_logged_in as allauth_user_logged_in
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.backends import SINGLE_SIGN_ON_BACKEND
from accounts.models import User
from accounts.throttling import login_username
from audit.models import AuditEvent
from audit.services import AuditTarget, audit_record


def _user_target(username: str) -> AuditTarget:
    user = User.objects.filter(email=username).only("pk").first() if username else None
    return AuditTarget("accounts.user", str(user.pk) if user else "", username)


@receiver(user_logged_in, dispatch_uid="audit-login")
def record_login(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    if getattr(user, "backend", None) == SINGLE_SIGN_ON_BACKEND:
        return  # record_sso_login below names the provider
    audit_record(action=AuditEvent.Action.LOGIN, actor=user, target=user, request=request)


@receiver(allauth_user_logged_in, dispatch_uid="audit-sso-login")
def record_sso_login(sender, request: HttpRequest, user: User, sociallogin=None, **kwargs) -> None:
    if sociallogin is None:
        return
    audit_record(
        action=AuditEvent.Action.LOGIN,
        actor=user,
        target=user,
        request=request,
        method="sso",
        provider=sociallogin.account.provider,
    )


@receiver(user_logged_out, dispatch_uid="audit-logout")
def record_logout(sender, request: HttpRequest | None, user: User | None, **kwargs) -> None:
    if user is not None:
        audit_record(action=AuditEvent.Action.LOGOUT, actor=user, target=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def record_login_failed(
    sender, credentials: dict, request: HttpRequest | None = None, **kwargs
) -> None:
    # `credentials` holds the password masked by Django; only the username is kept.
    username = login_username(request, credentials) or ""
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        actor=None,
        target=_user_target(username),
        request=request,
        username=username,
    )


@receiver(user_locked_out, dispatch_uid="audit-lockout")
def record_lockout(sender, request: HttpRequest, username: str | None, **kwargs) -> None:
    # Axes signals a lockout on every failure from the limit on (each attempt while
    # locked out counts and extends it); the log records the moment it began.
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is not None and failures != settings.AXES_FAILURE_LIMIT:
        return
    audit_record(
        action=AuditEvent.Action.LOCKOUT,
        actor=None,
        target=_user_target(username or ""),
        request=request,
        username=username or "",
        failures=failures,
        minutes=int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    )
