"""OutboundEmail becomes OutboundMessage: its rows are emails and team chat posts. Only
the name changes: the table keeps its name (no DDL runs), and the content type is
renamed with the model, so permissions given on it still apply."""

from django.db import migrations


def rename_content_type(apps, schema_editor, *, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label="postmortems", model=new).exists():
        return  # created already (by a migrate run that stopped half way)
    ContentType.objects.filter(app_label="postmortems", model=old).update(model=new)


def forwards(apps, schema_editor) -> None:
    rename_content_type(apps, schema_editor, old="outboundemail", new="outboundmessage")


def backwards(apps, schema_editor) -> None:
    rename_content_type(apps, schema_editor, old="outboundmessage", new="outboundemail")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_time_zone_choices_callable"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("postmortems", "0030_audit_log_moves_to_its_own_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameModel(old_name="OutboundEmail", new_name="OutboundMessage"),
                migrations.AlterModelTable(
                    name="outboundmessage", table="postmortems_outboundemail"
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
