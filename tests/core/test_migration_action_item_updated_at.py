"""0029_action_item_updated_at gives existing items the time of their last change."""

import datetime as dt

import pytest

from tests.factories import ActionItemFactory, UserFactory
from tests.migrations import migrate_to, migrate_to_latest

BEFORE = [("postmortems", "0028_api_idempotency_keys")]
AFTER = [("postmortems", "0029_action_item_updated_at")]
T0 = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_existing_items_get_their_last_change_or_completion_and_none_is_lost(postmortem):
    someone = UserFactory()
    untouched = ActionItemFactory(postmortem=postmortem, created_at=T0)
    changed = ActionItemFactory(postmortem=postmortem, created_at=T0)
    nudged = ActionItemFactory(postmortem=postmortem, created_at=T0)
    finished = ActionItemFactory(
        postmortem=postmortem, created_at=T0, status="done", completed_at=T0 + dt.timedelta(days=3)
    )
    apps = migrate_to(BEFORE)
    try:
        Change = apps.get_model("postmortems", "ActionItemChange")
        for item, field, days in [
            (changed, "title", 1),
            (changed, "status", 2),
            (nudged, "nudge", 5),
        ]:
            Change.objects.create(
                action_item_id=item.pk, changed_by_id=someone.pk, field=field,
                changed_at=T0 + dt.timedelta(days=days),
            )  # fmt: skip
    finally:
        apps = migrate_to(AFTER)
    try:
        Item = apps.get_model("postmortems", "ActionItem")
        updated = dict(Item.objects.values_list("pk", "updated_at"))
        assert updated == {
            untouched.pk: T0,
            changed.pk: T0 + dt.timedelta(days=2),
            nudged.pk: T0,  # a nudge changes nothing on the item
            finished.pk: T0 + dt.timedelta(days=3),
        }
    finally:
        # Back to the newest migrations: the next tests in this process need every
        # table and column the later migrations add.
        migrate_to_latest()
