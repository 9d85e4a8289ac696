"""The audit log moves out of the postmortems app into its own. Its table stays where it
is (postmortems_auditevent, with every row): this migration only tells Django's state
that the model now belongs here; postmortems 0030 removes it from that app's state."""

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # The table is created by postmortems 0015 and changed by 0018.
        ("postmortems", "0029_action_item_updated_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('actor_label', models.CharField(blank=True, max_length=254, verbose_name='actor')),
                ('action', models.CharField(choices=[('login', 'Signed in'), ('login_failed', 'Sign-in failed'), ('logout', 'Signed out'), ('lockout', 'Locked out after failed sign-ins'), ('unlock', 'Sign-in lockout cleared'), ('user_created', 'User created'), ('user_access_changed', 'User access changed'), ('user_deleted', 'User deleted'), ('membership_created', 'Team membership added'), ('membership_role_changed', 'Team role changed'), ('membership_deleted', 'Team membership removed'), ('team_deleted', 'Team deleted'), ('token_created', 'API token created'), ('token_revoked', 'API token revoked'), ('postmortem_published', 'Postmortem published'), ('postmortem_unpublished', 'Postmortem unpublished'), ('postmortem_deleted', 'Postmortem deleted'), ('incident_deleted', 'Incident deleted'), ('incident_restored', 'Incident restored'), ('incident_purged', 'Deleted incident purged'), ('timeline_event_deleted', 'Timeline event deleted'), ('action_item_deleted', 'Action item deleted')], max_length=40)),
                ('target_type', models.CharField(blank=True, max_length=100)),
                ('target_id', models.CharField(blank=True, max_length=64)),
                ('target_label', models.CharField(blank=True, max_length=300, verbose_name='target')),
                ('ip', models.GenericIPAddressField(blank=True, null=True, verbose_name='IP address')),
                ('details', models.JSONField(blank=True, default=dict, encoder=django.core.serializers.json.DjangoJSONEncoder)),
                ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'postmortems_auditevent',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['-at'], name='postmortems_audit_at_idx')],
            },
        ),
                ],
            database_operations=[],
        ),
    ]
