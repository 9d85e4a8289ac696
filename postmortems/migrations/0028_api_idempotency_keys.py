import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("postmortems", "0027_timeline_event_import_key"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiIdempotencyKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),  # fmt: skip
                ("key", models.CharField(max_length=255)),
                ("endpoint", models.CharField(max_length=300)),
                ("fingerprint", models.CharField(max_length=64)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("response_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("response_body", models.TextField(blank=True)),
                (
                    "token",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="postmortems.apitoken",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["created_at"], name="pm_idempotency_created")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("token", "key"), name="postmortems_apiidempotencykey_unique_key"
                    )
                ],
            },
        ),
    ]
