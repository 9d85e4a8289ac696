import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models

# Every item takes its incident's team, in one statement. PostgreSQL joins with
# UPDATE ... FROM; SQLite gets the portable correlated subquery.
BACKFILL = {
    "postgresql": """
        UPDATE postmortems_actionitem AS item SET team_id = incident.team_id
        FROM postmortems_postmortem AS review
        JOIN postmortems_incident AS incident ON incident.id = review.incident_id
        WHERE review.id = item.postmortem_id
    """,
    "default": """
        UPDATE postmortems_actionitem SET team_id = (
            SELECT incident.team_id
            FROM postmortems_postmortem AS review
            JOIN postmortems_incident AS incident ON incident.id = review.incident_id
            WHERE review.id = postmortems_actionitem.postmortem_id
        )
    """,
}


def backfill_teams(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(BACKFILL.get(connection.vendor, BACKFILL["default"]))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_digest_preferences"),
        ("postmortems", "0016_api_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="actionitem",
            name="team",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.team",
            ),
        ),
        migrations.RunPython(backfill_teams, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="actionitem",
            name="team",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.team",
            ),
        ),
        migrations.AddIndex(
            model_name="actionitem",
            index=models.Index(
                condition=models.Q(("status__in", ["open", "in_progress"])),
                fields=["team", "due_date", "owner"],
                name="pm_action_team_open_due",
            ),
        ),
        migrations.AddIndex(
            model_name="actionitem",
            index=models.Index(fields=["team", "created_at"], name="pm_action_team_created"),
        ),
        migrations.AddIndex(
            model_name="actionitem",
            index=models.Index(
                condition=models.Q(("completed_at__isnull", False)),
                fields=["team", "completed_at", "status", "due_date"],
                name="pm_action_team_completed",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                django.db.models.functions.comparison.Coalesce("resolved_at", "started_at"),
                condition=models.Q(("postmortem_not_needed", False), ("reminder_stage__lt", 3)),
                name="pm_incident_missing_all",
            ),
        ),
    ]
