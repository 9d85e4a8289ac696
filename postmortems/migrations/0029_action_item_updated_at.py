import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

import postmortems.models.actions


def backfill_updated_at(apps, schema_editor) -> None:
    """Existing items: the latest of their creation, their last recorded change (a
    nudge changes nothing) and their completion; one UPDATE, every row kept. Coalesce
    each, as SQLite's MAX() of a NULL is NULL where PostgreSQL's GREATEST skips it."""
    ActionItem = apps.get_model("postmortems", "ActionItem")
    ActionItemChange = apps.get_model("postmortems", "ActionItemChange")
    last_change = (
        ActionItemChange.objects.filter(action_item=OuterRef("pk"))
        .exclude(field="nudge")
        .values("action_item")
        .annotate(at=Max("changed_at"))
        .values("at")
    )
    ActionItem.objects.update(
        updated_at=Greatest(
            F("created_at"),
            Coalesce(Subquery(last_change), F("created_at")),
            Coalesce(F("completed_at"), F("created_at")),
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("postmortems", "0028_api_idempotency_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="actionitem",
            name="updated_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
        migrations.RunPython(backfill_updated_at, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="actionitem",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=postmortems.models.actions.owner_deleted,
                related_name="action_items",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="actionitem",
            index=models.Index(fields=["updated_at", "id"], name="pm_action_updated"),
        ),
    ]
