"""What an issue's state in the tracker does to its action item: the conflict rule.

The rule (also in the README, "Issue trackers", and shown on each item):
1. Closing or reopening the issue always applies: closed marks the item done,
   reopened reopens it. Only a change the tracker made counts: the issue's state is
   compared with the last state we knew (`TrackerIssue.remote_closed`), so a stale
   read never undoes what someone did here since.
2. Assignee and due date: only a value the tracker changed (again, against the last
   one we knew) is considered. If the same field was also changed here after the
   issue's last update in the tracker (its `updated_at`), the later change wins:
   ours stays and the tracker's value is noted in the item's history. Otherwise the
   tracker's value applies; if it overwrote a change made here since the last sync,
   the history says "changed on both sides" and keeps the overwritten value.
3. Older news is ignored: a delivery or read whose `updated_at` is before the last
   one applied changes nothing.

Every change goes through the item's own service (action_item_update, the editor's
save, so completion and verification dates follow) with `source` set to the
tracker's name, so the history says "GitHub".
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from postmortems.models.action_changes import ActionItemChange
from postmortems.models.actions import ActionItem
from postmortems.services.actions import action_item_update
from postmortems.services.edits import EditConflict
from postmortems.services.locks import postmortem_lock
from postmortems.trackers.adapters.base import RemoteIssue
from postmortems.trackers.models import TrackerIssue, TrackerPerson

Field = ActionItemChange.Field
# A user's save that lands between our read and our write: read again and re-apply.
CONFLICT_RETRIES = 5


@dataclass
class Applied:
    changed: list[str] = field(default_factory=list)  # fields changed on the item
    notes: list[str] = field(default_factory=list)  # conflicts and unmapped people


def person_for_account(link: TrackerIssue, account: str) -> User | None:
    mapping = (
        TrackerPerson.objects.select_related("user")
        .filter(connection_id=link.connection_id, account__iexact=account)
        .first()
    )
    return mapping.user if mapping and mapping.user.is_active else None


def _last_local_change(item: ActionItem, field_name: str) -> datetime.datetime | None:
    return (
        ActionItemChange.objects.filter(action_item=item, field=field_name, source="")
        .order_by("-changed_at")
        .values_list("changed_at", flat=True)
        .first()
    )


def issue_apply_remote(*, link: TrackerIssue, remote: RemoteIssue) -> Applied:
    """Apply what the tracker says of `link`'s issue to its item (the rule above),
    and remember it as the last known state. Safe against a concurrent save of the
    item (re-read and re-applied) and a concurrent delivery of the same issue (the
    link row is locked)."""
    for _attempt in range(CONFLICT_RETRIES):
        try:
            return _apply_once(link_id=link.pk, remote=remote)
        except EditConflict:
            continue
    return _apply_once(link_id=link.pk, remote=remote)


@transaction.atomic
def _apply_once(*, link_id: int, remote: RemoteIssue) -> Applied:
    now = timezone.now()
    base = TrackerIssue.objects.select_related("connection", "action_item")
    postmortem_lock(postmortem_id=base.get(pk=link_id).action_item.postmortem_id)
    link = base.select_for_update(of=("self",)).get(pk=link_id)
    item = ActionItem.objects.select_related("owner", "postmortem__incident").get(
        pk=link.action_item_id
    )
    applied = Applied()
    if (
        link.remote_updated_at
        and remote.updated_at
        and remote.updated_at < link.remote_updated_at
        and link.key
    ):
        return applied  # rule 3
    source = link.connection.source_name
    first_read = link.sync != TrackerIssue.Sync.LINKED
    expected = item.revision
    if not item.is_idea:
        if first_read and remote.closed and not item.is_finished:
            item.status = ActionItem.Status.DONE  # linked to an issue already closed
            applied.changed.append("status")
        elif not first_read and remote.closed != link.remote_closed:  # rule 1
            if remote.closed and not item.is_finished:
                item.status = ActionItem.Status.DONE
                applied.changed.append("status")
            elif not remote.closed and item.is_finished:
                item.status = ActionItem.Status.OPEN
                applied.changed.append("status")
        if not first_read:
            _assignee(link, item, remote, source, applied)
            _due_date(link, item, remote, source, applied)
    if applied.changed:
        action_item_update(item=item, by=None, expected_revision=expected, source=source)
    for note in applied.notes:
        ActionItemChange.objects.create(
            action_item=item, changed_at=now, field=Field.TRACKER, reason=note, source=source
        )
    link.key, link.url = remote.key, remote.url
    link.remote_id = remote.remote_id or link.remote_id
    link.remote_closed, link.remote_assignee = remote.closed, remote.assignee
    link.remote_due_date = remote.due_date
    link.remote_updated_at = remote.updated_at or link.remote_updated_at
    link.sync, link.synced_at, link.last_error = TrackerIssue.Sync.LINKED, now, ""
    if applied.notes:
        link.conflict_note, link.conflict_at = applied.notes[-1], now
    link.save()
    return applied


def _later_here(item: ActionItem, field_name: str, remote: RemoteIssue) -> bool:
    """Rule 2: was the field changed here after the tracker's last update?"""
    changed_here = _last_local_change(item, field_name)
    return bool(changed_here and remote.updated_at and changed_here > remote.updated_at)


def _changed_here_since_sync(item: ActionItem, field_name: str, link: TrackerIssue) -> bool:
    changed_here = _last_local_change(item, field_name)
    return bool(changed_here and link.synced_at and changed_here > link.synced_at)


def _assignee(
    link: TrackerIssue, item: ActionItem, remote: RemoteIssue, source: str, applied: Applied
) -> None:
    if not remote.assignee or remote.assignee.lower() == link.remote_assignee.lower():
        return  # unchanged in the tracker (an unassigned issue keeps the item's owner)
    person = person_for_account(link, remote.assignee)
    if person is None:
        applied.notes.append(
            f"{source} assigned the issue to {remote.assignee_name or remote.assignee}, who "
            "is not mapped to anyone here (team settings, issue tracker): the owner stays."
        )
        return
    if person.pk == item.owner_id:
        return
    ours = str(item.owner) if item.owner else "nobody"
    if _later_here(item, Field.OWNER, remote):
        applied.notes.append(
            f"Owner changed on both sides: kept {ours} (changed here later); "
            f"{source} has {remote.assignee}."
        )
        return
    if _changed_here_since_sync(item, Field.OWNER, link):
        applied.notes.append(
            f"Owner changed on both sides: {source}'s later change ({person}) replaced "
            f"{ours}, set here before it."
        )
    item.owner = person
    applied.changed.append("owner")


def _due_date(
    link: TrackerIssue, item: ActionItem, remote: RemoteIssue, source: str, applied: Applied
) -> None:
    if remote.due_date is None or remote.due_date == link.remote_due_date:
        return
    if remote.due_date == item.due_date:
        return
    ours = item.due_date.isoformat() if item.due_date else "none"
    if _later_here(item, Field.DUE_DATE, remote):
        applied.notes.append(
            f"Due date changed on both sides: kept {ours} (changed here later); "
            f"{source} has {remote.due_date.isoformat()}."
        )
        return
    if _changed_here_since_sync(item, Field.DUE_DATE, link):
        applied.notes.append(
            f"Due date changed on both sides: {source}'s later change "
            f"({remote.due_date.isoformat()}) replaced {ours}, set here before it."
        )
    item.due_date = remote.due_date
    applied.changed.append("due_date")
