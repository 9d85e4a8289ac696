"""The audit log now lives in the audit app (audit 0001). The table and its rows stay;
only Django's state forgets the model here. The content type follows the model, so the
permissions given on it (to staff groups) still apply."""

from django.db import migrations


def move_content_type(apps, schema_editor, *, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=new, model="auditevent").exists():
        return  # created already (by a migrate run that stopped half way)
    ContentType.objects.filter(app_label=old, model="auditevent").update(app_label=new)


def forwards(apps, schema_editor) -> None:
    move_content_type(apps, schema_editor, old="postmortems", new="audit")


def backwards(apps, schema_editor) -> None:
    move_content_type(apps, schema_editor, old="audit", new="postmortems")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("audit", "0001_initial"),
        ("postmortems", "0029_action_item_updated_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEvent")],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
