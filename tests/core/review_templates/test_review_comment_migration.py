"""The upgrade that opens comments to custom sections keeps every comment as it was."""

import datetime as dt

import pytest

from tests.migrations import migrate_to, migrate_to_latest

STARTED = dt.datetime(2026, 11, 2, 10, 42, tzinfo=dt.UTC)
BEFORE = [("postmortems", "0042_review_templates")]
AFTER = [("postmortems", "0043_review_comment_any_section")]


@pytest.mark.django_db(transaction=True)
def test_existing_comments_keep_their_sections_and_custom_keys_are_then_stored():
    apps = migrate_to(BEFORE)
    try:
        team = apps.get_model("accounts", "Team").objects.create(name="Platform", slug="platform")
        incident = apps.get_model("postmortems", "Incident").objects.create(
            number=1, title="Disk full", team=team, started_at=STARTED
        )
        postmortem = apps.get_model("postmortems", "Postmortem").objects.create(
            incident=incident, status="in_review"
        )
        Comment = apps.get_model("postmortems", "ReviewComment")
        for n, section in enumerate(("summary", "timeline", "action_items")):
            Comment.objects.create(
                postmortem=postmortem,
                section=section,
                text=f"Remark {n}",
                created_at=STARTED,
                resolved_at=STARTED if n == 1 else None,
            )
        before = list(Comment.objects.order_by("pk").values())

        apps = migrate_to(AFTER)
        Comment = apps.get_model("postmortems", "ReviewComment")
        assert list(Comment.objects.order_by("pk").values()) == before
        custom = Comment(postmortem_id=postmortem.pk, section="c_what_we_changed", text="Hm")
        custom.full_clean(exclude=["author", "resolved_by"])  # no fixed choices any more
        custom.save()
        assert Comment.objects.get(pk=custom.pk).section == "c_what_we_changed"
    finally:
        migrate_to_latest()
