"""The audit log's one writer: every security-relevant event goes through audit_record.

Call it from the service that does the thing, inside the same transaction, so that an
event is recorded exactly when its change is committed:

    audit_record(action=AuditEvent.Action.TOKEN_CREATED, actor=user, target=token,
                 request=request, name=token.name)

`target` is a model instance, an AuditTarget (for things that are not rows, such as
the address a failed sign-in tried) or None. Extra keyword arguments become the
event's details (JSON). Secrets never belong there: a key that mentions a password,
secret or token value is refused.
"""

from typing import NamedTuple

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model
from django.http import HttpRequest

from audit.models import AuditEvent
from lib.client_ip import client_ip, current_client_ip

_SECRET_WORDS = ("password", "secret", "token_value", "raw_token")


class AuditTarget(NamedTuple):
    type: str
    id: str = ""
    label: str = ""


def _target(target: Model | AuditTarget | None) -> AuditTarget:
    if target is None:
        return AuditTarget("")
    if isinstance(target, AuditTarget):
        return target
    return AuditTarget(target._meta.label_lower, str(target.pk or ""), str(target))


def audit_record(
    *,
    action: str,
    actor: AbstractBaseUser | None,
    target: Model | AuditTarget | None,
    request: HttpRequest | None = None,
    **details,
) -> AuditEvent:
    if action not in AuditEvent.Action.values:
        raise ValueError(f"Unknown audit action {action!r}")
    for key in details:
        if any(word in key.lower() for word in _SECRET_WORDS):
            raise ValueError(f"Audit details must not hold secrets ({key!r}).")
    if actor is not None and not actor.is_authenticated:
        actor = None  # AnonymousUser
    # The request's address; a service called without the request finds it in the
    # context of the request being served (accounts/middleware.py), if any.
    ip = client_ip(request) if request is not None else current_client_ip.get()
    kind, target_id, label = _target(target)
    return AuditEvent.objects.create(
        # AUTH_USER_MODEL's instance, which this part (below accounts) cannot name.
        actor=actor,  # type: ignore[misc]
        actor_label=getattr(actor, "email", "") if actor else "",
        action=action,
        target_type=kind,
        target_id=target_id[:64],
        target_label=label[:300],
        ip=ip,
        details=details,
    )
