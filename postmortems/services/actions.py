from django.db import transaction
from django.utils import timezone

from accounts.models import User
from postmortems.models import ActionItem, Postmortem
from postmortems.search_index import index_postmortem
from postmortems.services.edits import save_if_unchanged

ITEM_FIELDS = [
    "title",
    "description",
    "owner",
    "due_date",
    "priority",
    "type",
    "status",
    "wont_do_reason",
    "tracker_url",
    "completed_at",
]


def _stamp_completion(item: ActionItem) -> None:
    """completed_at follows the status: set when finished, cleared when reopened."""
    if item.is_finished and item.completed_at is None:
        item.completed_at = timezone.now()
    elif not item.is_finished:
        item.completed_at = None
    if item.status != ActionItem.Status.WONT_DO:
        item.wont_do_reason = ""


def action_item_create(*, postmortem: Postmortem, by: User, **fields) -> ActionItem:
    item = ActionItem(postmortem=postmortem, created_by=by, created_at=timezone.now(), **fields)
    _stamp_completion(item)
    item.full_clean()
    with transaction.atomic():
        item.save()
        index_postmortem(postmortem.pk)
    return item


def action_item_update(*, item: ActionItem, expected_revision: int) -> ActionItem:
    _stamp_completion(item)
    item.full_clean()
    with transaction.atomic():
        save_if_unchanged(item, expected_revision=expected_revision, fields=ITEM_FIELDS)
        index_postmortem(item.postmortem_id)
    return item


def action_item_delete(*, item: ActionItem) -> None:
    with transaction.atomic():
        item.delete()
        index_postmortem(item.postmortem_id)
