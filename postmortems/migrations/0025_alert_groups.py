"""Alerts are grouped as the tool groups them (AlertGroup: one incident per group).

Every existing AlertLink is kept: each becomes the only alert of a group of its own,
keyed by the alert's key, with the link's incident and times. For PagerDuty and
Opsgenie that key is the new group key already; an Alertmanager or Grafana alert that
still fires keeps its incident until it resolves (services/alerts.py finds open groups
by their alerts' keys). The review clock's indexes follow `review_clock()`.
"""

import django.db.models.deletion
import django.db.models.functions.comparison
import django.utils.timezone
import postmortems.alerting.models
import postmortems.models.fields
from django.conf import settings
from django.db import migrations, models


BATCH = 500


def links_to_groups(apps, schema_editor):
    AlertGroup = apps.get_model("postmortems", "AlertGroup")
    AlertLink = apps.get_model("postmortems", "AlertLink")
    links = AlertLink.objects.filter(group__isnull=True).order_by("pk")
    while batch := list(links[:BATCH]):
        groups = AlertGroup.objects.bulk_create(
            [
                AlertGroup(
                    integration_id=link.integration_id,
                    group_key=link.external_key,
                    incident_id=link.incident_id,
                    fired_at=link.fired_at,
                    resolved_at=link.resolved_at,
                    created_at=link.created_at,
                    updated_at=link.updated_at,
                )
                for link in batch
            ]
        )
        if any(group.pk is None for group in groups):  # a backend that returns no ids
            keys = [(link.integration_id, link.external_key) for link in batch]
            found = {
                (g.integration_id, g.group_key): g
                for g in AlertGroup.objects.filter(group_key__in=[k for _i, k in keys])
            }
            groups = [found[key] for key in keys]
        for link, group in zip(batch, groups, strict=True):
            link.group_id = group.pk
        AlertLink.objects.bulk_update(batch, ["group"])


def groups_to_links(apps, schema_editor):
    AlertLink = apps.get_model("postmortems", "AlertLink")
    for link in AlertLink.objects.select_related("group").iterator():
        link.incident_id = link.group.incident_id
        link.save(update_fields=["incident"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_membership_source"),
        ("postmortems", "0024_bounded_dates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AlertGroup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("group_key", models.CharField(max_length=255)),
                ("fired_at", postmortems.models.fields.BoundedDateTimeField()),
                (
                    "resolved_at",
                    postmortems.models.fields.BoundedDateTimeField(blank=True, null=True),
                ),
                ("last_received_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.RemoveConstraint(
            model_name="alertlink",
            name="postmortems_alertlink_unique_key",
        ),
        migrations.RemoveIndex(
            model_name="incident",
            name="pm_incident_review_clock",
        ),
        migrations.RemoveIndex(
            model_name="incident",
            name="pm_incident_missing_review",
        ),
        migrations.RemoveIndex(
            model_name="incident",
            name="pm_incident_missing_all",
        ),
        migrations.AddField(
            model_name="alertintegration",
            name="owner_from_assignee",
            field=models.BooleanField(
                default=True,
                help_text="The person the tool assigned (by e-mail address) owns the new incident, if they have an active account here.",
                verbose_name="owner from the assignee",
            ),
        ),
        migrations.AddField(
            model_name="alertintegration",
            name="service_labels",
            field=models.JSONField(
                blank=True,
                default=postmortems.alerting.models.default_service_labels,
                help_text='Labels naming the affected service, in order, e.g. ["service", "job"]: the first one an alert has names its service, matched to the service catalog by name or slug. Names not in the catalog are left out. PagerDuty and Opsgenie name their service themselves.',
                verbose_name="service labels",
            ),
        ),
        migrations.AddField(
            model_name="alertlink",
            name="started_at",
            field=postmortems.models.fields.BoundedDateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                models.F("severity"),
                django.db.models.functions.comparison.Greatest(
                    django.db.models.functions.comparison.Coalesce("resolved_at", "started_at"),
                    models.F("created_at"),
                ),
                condition=models.Q(("postmortem_not_needed", False), ("reminder_stage__lt", 2)),
                name="pm_incident_review_clock",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                models.F("team"),
                django.db.models.functions.comparison.Greatest(
                    django.db.models.functions.comparison.Coalesce("resolved_at", "started_at"),
                    models.F("created_at"),
                ),
                condition=models.Q(("postmortem_not_needed", False), ("reminder_stage__lt", 3)),
                name="pm_incident_missing_review",
            ),
        ),
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(
                django.db.models.functions.comparison.Greatest(
                    django.db.models.functions.comparison.Coalesce("resolved_at", "started_at"),
                    models.F("created_at"),
                ),
                condition=models.Q(("postmortem_not_needed", False), ("reminder_stage__lt", 3)),
                name="pm_incident_missing_all",
            ),
        ),
        migrations.AddField(
            model_name="alertgroup",
            name="incident",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="alert_groups",
                to="postmortems.incident",
            ),
        ),
        migrations.AddField(
            model_name="alertgroup",
            name="integration",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="postmortems.alertintegration",
            ),
        ),
        migrations.AddField(
            model_name="alertlink",
            name="group",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="links",
                to="postmortems.alertgroup",
            ),
        ),
        migrations.RunPython(links_to_groups, groups_to_links),
        migrations.RemoveField(
            model_name="alertlink",
            name="incident",
        ),
        migrations.AlterField(
            model_name="alertlink",
            name="group",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="links",
                to="postmortems.alertgroup",
            ),
        ),
        migrations.AddIndex(
            model_name="alertlink",
            index=models.Index(fields=["integration", "external_key"], name="pm_alertlink_key"),
        ),
        migrations.AddConstraint(
            model_name="alertlink",
            constraint=models.UniqueConstraint(
                fields=("group", "external_key"), name="postmortems_alertlink_unique_key"
            ),
        ),
        migrations.AddConstraint(
            model_name="alertgroup",
            constraint=models.UniqueConstraint(
                fields=("integration", "group_key"), name="postmortems_alertgroup_unique_key"
            ),
        ),
    ]
