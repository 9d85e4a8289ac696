"""Connecting a team's tracker, its secret, and the people mapping (writes)."""

from django.db import transaction

from accounts.models import Team, User
from audit.models import AuditEvent
from audit.services import audit_record
from postmortems.trackers.models import TrackerConnection, TrackerPerson, new_webhook_secret


@transaction.atomic
def tracker_connection_save(
    *, connection: TrackerConnection, team: Team, by: User
) -> TrackerConnection:
    made = connection.pk is None
    connection.team = team
    if made:
        connection.created_by = by
    connection.full_clean(exclude=["token", "webhook_secret"])
    connection.save()
    # Who connected which project, never the token or the secret.
    audit_record(
        action=AuditEvent.Action.TRACKER_CONNECTED if made else AuditEvent.Action.TRACKER_CHANGED,
        actor=by,
        target=connection,
        team=team.slug,
        kind=connection.kind,
        project=connection.project,
        base_url=connection.base_url,
    )
    return connection


@transaction.atomic
def tracker_connection_new_secret(*, connection: TrackerConnection, by: User) -> str:
    secret = new_webhook_secret()
    TrackerConnection.objects.filter(pk=connection.pk).update(webhook_secret=secret)
    audit_record(action=AuditEvent.Action.TRACKER_SECRET_REPLACED, actor=by, target=connection)
    return secret


@transaction.atomic
def tracker_connection_delete(*, connection: TrackerConnection, by: User) -> None:
    """Links go with it; the items and their history stay."""
    audit_record(
        action=AuditEvent.Action.TRACKER_DISCONNECTED,
        actor=by,
        target=connection,
        kind=connection.kind,
        project=connection.project,
    )
    TrackerConnection.objects.filter(pk=connection.pk).delete()


@transaction.atomic
def tracker_people_save(*, connection: TrackerConnection, accounts: dict[int, str]) -> int:
    TrackerPerson.objects.filter(connection=connection, user_id__in=list(accounts)).delete()
    rows = [
        TrackerPerson(connection=connection, user_id=user_id, account=account)
        for user_id, account in accounts.items()
        if account
    ]
    TrackerPerson.objects.bulk_create(rows)
    return len(rows)
