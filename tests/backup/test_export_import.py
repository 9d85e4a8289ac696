import datetime as dt
import io
import json

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max
from django.urls import reverse

from accounts.models import Team, User
from postmortems.alerting.integrations import alert_integration_create
from postmortems.api.tokens import api_token_create
from postmortems.backup.dump import exported_models
from postmortems.models import (
    ActionItemChange,
    AlertIntegration,
    Incident,
    Postmortem,
    SearchEntry,
    SectionRevision,
    Subscription,
)
from postmortems.services.incidents import incident_delete
from postmortems.services.search_index import rebuild_index
from tests.factories import (
    PASSWORD,
    ActionItemFactory,
    ReviewCommentFactory,
    ServiceFactory,
    TagFactory,
    TeamFactory,
    TimelineEventFactory,
    complete_postmortem,
    review,
)

NOW = dt.datetime(2026, 11, 20, 12, 0, 0, 123456, tzinfo=dt.UTC)


@pytest.fixture
def dataset(team, other_team, owner, teammate, lead, outsider, author, admin_user, postmortem):
    """Some of everything: the conftest personas, catalog, a published, a restricted and
    a deleted review, and the rows that hang off reviews, people and teams."""
    editors = Group.objects.create(name="Editors")
    editors.permissions.add(Permission.objects.get(codename="change_incident"))
    admin_user.groups.add(editors)
    lead.user_permissions.add(Permission.objects.get(codename="view_auditevent"))

    service, tag = ServiceFactory(name="Payments"), TagFactory(name="database")
    published = complete_postmortem(
        review(team=team, services=[service], tags=[tag], title="Zanzibar outage", owner=owner),
        summary="The Zanzibar cluster ran out of connections.",
    )
    published.authors.add(author)
    review(team=team, restricted=True, title="Leaked credentials")
    deleted = review(team=other_team, title="Gone for now").incident
    incident_delete(incident=deleted, by=admin_user)

    TimelineEventFactory(postmortem=postmortem, occurred_at=NOW)
    item = ActionItemFactory(postmortem=postmortem, owner=teammate)
    ActionItemChange.objects.create(
        action_item=item, changed_by=lead, field="due_date", old_value="a", new_value="b"
    )
    ReviewCommentFactory(postmortem=postmortem, author=lead)
    SectionRevision.objects.create(
        postmortem=postmortem, section="summary", number=1, text="First words.", author=author
    )
    Subscription.objects.create(user=teammate, service=service)
    Subscription.objects.create(user=teammate, tag=tag)
    api_token_create(user=owner, name="Sync", scope="read")
    alert_integration_create(team=team, by=lead, kind="alertmanager", name="Prometheus")
    alert_integration_create(
        team=team, by=lead, kind="pagerduty", name="PagerDuty", signing_secret="s3cret"
    )
    rebuild_index()
    return published


def export() -> dict:
    out = io.StringIO()
    call_command("export_data", stdout=out)
    return json.loads(out.getvalue())


def wipe() -> None:
    """Empty the exported tables, and start their PostgreSQL sequences again at 1 as in
    a fresh database, so an import that left them alone would reuse imported ids."""
    models = exported_models()
    for model in reversed(models):
        model._base_manager.all().delete()
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def rows_of(document: dict, label: str) -> list[dict]:
    return [row for row in document["data"] if row["model"] == label]


@time_machine.travel(NOW, tick=False)
def test_export_is_versioned_and_holds_every_row_including_deleted_incidents(dataset):
    document = export()

    assert document["format"] == "postmortems-export"
    assert document["version"] == 1
    assert document["exported_at"] == "2026-11-20T12:00:00.123456+00:00"
    incidents = rows_of(document, "postmortems.incident")
    assert len(incidents) == Incident.all_objects.count() == 4
    assert [i["fields"]["title"] for i in incidents if i["fields"]["deleted_at"]] == [
        "Gone for now"
    ]
    assert rows_of(document, "accounts.user")[0]["fields"]["password"].startswith("md5$")
    pagerduty = next(
        row
        for row in rows_of(document, "postmortems.alertintegration")
        if row["fields"]["name"] == "PagerDuty"
    )
    assert pagerduty["fields"]["signing_secret"] == "s3cret"
    assert rows_of(document, "postmortems.searchentry") == []
    assert SearchEntry.objects.exists()  # the index exists, but is not exported
    assert "search_text" not in rows_of(document, "postmortems.postmortem")[0]["fields"]
    # Microseconds are kept (Django's JSON encoder would cut them to milliseconds).
    assert {
        row["fields"]["occurred_at"] for row in rows_of(document, "postmortems.timelineevent")
    } >= {"2026-11-20T12:00:00.123456+00:00"}


def test_export_then_import_into_an_empty_database_restores_everything(dataset, client, tmp_path):
    first = export()
    path = tmp_path / "backup.json"
    call_command("export_data", "--output", str(path), stderr=io.StringIO())
    assert json.loads(path.read_text())["data"] == first["data"]

    wipe()
    assert not User.objects.exists()
    assert not Incident.all_objects.exists()
    out = io.StringIO()
    call_command("import_data", str(path), stdout=out)

    assert f"Imported {len(first['data'])} rows" in out.getvalue()
    assert export()["data"] == first["data"]
    owner = User.objects.get(email=dataset.incident.owner.email)
    assert owner.check_password(PASSWORD)
    assert Incident.all_objects.get(title="Gone for now").deleted_at is not None
    assert Incident.objects.get(title="Zanzibar outage").number == dataset.incident.number
    admin = User.objects.get(is_superuser=True)
    assert admin.has_perm("postmortems.change_incident")  # through the restored group
    assert AlertIntegration.objects.get(name="PagerDuty").signing_secret == "s3cret"

    # The archive finds the published review at once: the index was rebuilt.
    client.force_login(owner)
    page = client.get(reverse("pm-archive"), {"q": "Zanzibar"})
    assert "Zanzibar outage" in page.content.decode()
    assert SearchEntry.objects.filter(postmortem=dataset).exists()
    assert not SearchEntry.objects.filter(incident__title="Gone for now").exists()

    # New rows get new ids after the imported ones (PostgreSQL sequences were reset).
    top = Team.objects.aggregate(top=Max("pk"))["top"]
    assert TeamFactory().pk > top
    assert Postmortem.objects.count() == 4  # the deleted incident's review too


def test_import_refuses_a_database_with_users(dataset, tmp_path):
    path = tmp_path / "backup.json"
    call_command("export_data", "--output", str(path), stderr=io.StringIO())
    incidents = Incident.all_objects.count()

    with pytest.raises(CommandError, match="not empty") as raised:
        call_command("import_data", str(path))

    assert raised.value.returncode == 1
    assert Incident.all_objects.count() == incidents


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "Not a JSON file"),
        ('{"format": "something-else", "version": 1, "data": []}', "Not a postmortems-export"),
        (
            '{"format": "postmortems-export", "version": 2, "data": []}',
            "Unsupported export version",
        ),
        ('{"format": "postmortems-export", "version": 1}', "no data list"),
        (
            '{"format": "postmortems-export", "version": 1, "data": '
            '[{"model": "postmortems.nothing", "pk": 1, "fields": {}}]}',
            "does not match",
        ),
    ],
)
def test_import_rejects_a_bad_file_with_status_2(db, tmp_path, content, message):
    path = tmp_path / "backup.json"
    path.write_text(content)

    with pytest.raises(CommandError, match=message) as raised:
        call_command("import_data", str(path))

    assert raised.value.returncode == 2
    assert not User.objects.exists()


def test_import_of_a_missing_file_exits_with_status_2(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read") as raised:
        call_command("import_data", str(tmp_path / "nope.json"))
    assert raised.value.returncode == 2
