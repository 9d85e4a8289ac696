"""Dates every time zone can show: refused outside the range on every way in, and a row
stored before the bound existed breaks no page, for viewers east or west of UTC."""

import datetime as dt
import importlib
import io
import json
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from lib.moments import EARLIEST, LATEST, LATEST_DAY, OUT_OF_RANGE
from lib.months import parse_month
from postmortems.chat_import.reader import parse_transcript
from postmortems.models import ActionItem, Incident, TimelineEvent
from postmortems.notifications.calendar_feed import calendar_token
from tests.alerting.support import make_hook, payload
from tests.factories import (
    ActionItemFactory,
    IncidentFactory,
    PostmortemFactory,
    TimelineEventFactory,
)

pytestmark = pytest.mark.django_db
UTC = dt.UTC
HTMX = {"HTTP_HX_REQUEST": "true"}
# The ends of what Python can hold: each is in year 0 or 10000 on one side of UTC.
LAST_HOUR = dt.datetime(9999, 12, 31, 23, 0, tzinfo=UTC)
FIRST_HOUR = dt.datetime(1, 1, 1, 0, 0, tzinfo=UTC)
VIEWERS = ["Asia/Tokyo", "America/Los_Angeles"]  # east and west of UTC


def _sign_in(client, user, zone):
    user.time_zone = zone
    user.save(update_fields=["time_zone"])
    client.force_login(user)
    return client


def _url(name, postmortem, *extra):
    return reverse(name, args=[postmortem.incident.number, *extra])


# ---- Ways in ------------------------------------------------------------------------------


def test_the_incident_form_refuses_a_start_that_overflows_once_converted(client, owner, team):
    # 9999-12-31 23:59 in Pago Pago (UTC-11) is in year 10000 in UTC.
    _sign_in(client, owner, "Pacific/Pago_Pago")
    response = client.post(
        reverse("pm-incident-create"),
        {
            "title": "Checkout errors",
            "severity": "SEV2",
            "status": "investigating",
            "team": team.pk,
            "owner": owner.pk,
            "started_at": "9999-12-31T23:59",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["started_at"] == [OUT_OF_RANGE]
    assert not Incident.objects.exists()


@pytest.mark.parametrize("when", ["9999-12-31T23:59", "0001-01-01T00:00", "1899-12-31T23:59"])
def test_the_timeline_event_form_refuses_a_moment_outside_the_range(
    client, owner, postmortem, when
):
    _sign_in(client, owner, "Asia/Tokyo")
    response = client.post(
        _url("pm-event-add", postmortem),
        {"new-event-occurred_at": when, "new-event-kind": "action", "new-event-text": "x"},
        **HTMX,
    )
    assert OUT_OF_RANGE in response.content.decode()
    assert not TimelineEvent.objects.exists()


def test_the_action_item_form_refuses_a_due_date_outside_the_range(client, owner, postmortem):
    _sign_in(client, owner, "UTC")
    response = client.post(
        _url("pm-action-add", postmortem),
        {
            "new-item-title": "Alert on pool saturation",
            "new-item-due_date": "9999-12-31",
            "new-item-priority": "high",
            "new-item-status": "open",
        },
        **HTMX,
    )
    assert OUT_OF_RANGE in response.content.decode()
    assert not ActionItem.objects.exists()


def test_extending_a_due_date_past_the_range_is_refused(client, owner, postmortem):
    item = ActionItemFactory(postmortem=postmortem, due_date=dt.date(2026, 12, 1))
    _sign_in(client, owner, "UTC")
    response = client.post(
        reverse("pm-action-extend", args=[postmortem.incident.number, item.code]),
        {"revision": 0, "due_date": "9999-12-31", "reason": "Vendor"},
        **HTMX,
    )
    assert OUT_OF_RANGE in response.content.decode()
    item.refresh_from_db()
    assert item.due_date == dt.date(2026, 12, 1)


def test_the_api_refuses_event_moments_and_due_dates_outside_the_range_as_json(owner, postmortem):
    from tests.api.conftest import ApiClient, token_for

    api = ApiClient(token_for(owner))
    base = f"/api/v1/incidents/{postmortem.incident.number}/postmortem"
    event = api.post(f"{base}/timeline", {"occurred_at": "9999-12-31T23:00:00Z", "text": "x"})
    assert event.status_code == 422
    assert event.json()["errors"] == {"occurred_at": [OUT_OF_RANGE]}
    item = api.post(f"{base}/actions", {"title": "Alert on pool size", "due_date": "9999-12-31"})
    assert item.status_code == 422
    assert item.json()["errors"] == {"due_date": [OUT_OF_RANGE]}
    archive = api.get("/api/v1/archive", **{"from": "0001-01-01"})
    assert archive.status_code == 422
    assert not TimelineEvent.objects.exists()
    assert not ActionItem.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"startsAt": "9999-12-31T23:00:00Z"},
        {"startsAt": "1899-12-31T23:00:00Z"},
        {"startsAt": "2026-11-02T09:00:00Z", "endsAt": "2200-01-01T00:00:00-01:00"},
    ],
)
def test_an_alertmanager_time_outside_the_range_is_a_400(client, team, change):
    hook = make_hook(team)
    body = payload("alertmanager_firing")
    body["alerts"][0].update(change)
    if "endsAt" in change:
        body["status"] = body["alerts"][0]["status"] = "resolved"
    response = hook.post(client, body)
    assert response.status_code == 400
    assert OUT_OF_RANGE in response.content.decode()
    assert not Incident.objects.exists()


@pytest.mark.parametrize("created_at", [1e308, 10**400, 7258118400000, float("inf")])
def test_an_opsgenie_time_outside_the_range_is_a_400(client, team, created_at):
    hook = make_hook(team, kind="opsgenie")
    body = payload("opsgenie_create")
    body["alert"]["createdAt"] = created_at
    raw = json.dumps(body).replace("Infinity", "1e999").encode()
    response = hook.post(client, raw)
    assert response.status_code == 400
    # Infinity is no number at all: the JSON reader refuses it before any date is read.
    expected = "Numbers must be finite." if created_at == float("inf") else OUT_OF_RANGE
    assert expected in response.content.decode()
    assert not Incident.objects.exists()


def test_the_chat_import_reports_lines_outside_the_range_as_problems():
    result = parse_transcript(
        "[2199-12-31 23:30] alice: still fine in UTC\n"
        "[9999-12-31 23:30] bob: far future\n"
        "00:10 carol: the next day, after 2199\n",
        start_date=dt.date(2026, 11, 2),
        zone=UTC,
    )
    assert [m.author for m in result.messages] == ["alice"]
    assert [(p.line, p.reason) for p in result.problems] == [
        (2, OUT_OF_RANGE),
        (3, OUT_OF_RANGE),
    ]
    slack = parse_transcript(
        json.dumps([{"ts": "253402300000.0", "user": "U1", "text": "far"}]),
        start_date=dt.date(2026, 11, 2),
        zone=ZoneInfo("Pacific/Kiritimati"),
    )
    assert slack.messages == []
    assert [p.reason for p in slack.problems] == [OUT_OF_RANGE]


def test_a_backup_with_a_date_outside_the_range_is_refused_with_status_2(db, tmp_path):
    document = {
        "format": "postmortems-export",
        "version": 1,
        "data": [
            {
                "model": "postmortems.incident",
                "pk": 1,
                "fields": {"number": 1, "title": "x", "team": 1, "started_at": LAST_HOUR},
            }
        ],
    }
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(document, default=str))
    with pytest.raises(CommandError, match="started_at") as raised:
        call_command("import_data", str(path), stdout=io.StringIO())
    assert raised.value.returncode == 2
    assert not Incident.all_objects.exists()


def test_months_outside_the_range_are_no_filter():
    assert parse_month("2026-03") == dt.date(2026, 3, 1)
    assert parse_month("9999-12") is None
    assert parse_month("0001-01") is None
    assert parse_month("2199-12") == dt.date(2199, 12, 1)
    assert parse_month("1900-01") == dt.date(1900, 1, 1)


# ---- Reads of rows stored before the bound existed ------------------------------------------


@pytest.fixture
def bad_rows(team, owner):
    """An incident at each end of Python's range, an event and an item to match, written
    as they were before the bound (update() skips validation)."""
    late = IncidentFactory(team=team, owner=owner, title="Late incident")
    early = IncidentFactory(team=team, owner=owner, title="Early incident")
    Incident.objects.filter(pk=late.pk).update(
        started_at=LAST_HOUR, detected_at=LAST_HOUR, mitigated_at=LAST_HOUR, resolved_at=LAST_HOUR
    )
    Incident.objects.filter(pk=early.pk).update(started_at=FIRST_HOUR)
    postmortem = PostmortemFactory(incident=IncidentFactory(team=team, owner=owner))
    event = TimelineEventFactory(postmortem=postmortem, text="Odd moment")
    TimelineEvent.objects.filter(pk=event.pk).update(occurred_at=LAST_HOUR)
    item = ActionItemFactory(postmortem=postmortem, owner=owner, title="Far item")
    ActionItem.objects.filter(pk=item.pk).update(due_date=dt.date.max)
    return postmortem


@pytest.mark.parametrize("zone", VIEWERS)
def test_the_incident_list_shows_rows_at_either_end_of_the_calendar(client, owner, bad_rows, zone):
    response = _sign_in(client, owner, zone).get(reverse("pm-incident-list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Late incident" in body
    assert "Early incident" in body


def _clamp_stored_dates():
    migration = importlib.import_module("postmortems.migrations.0024_bounded_dates")
    migration.clamp_stored_dates(django_apps, None)


@pytest.mark.parametrize("zone", VIEWERS)
def test_the_admin_incident_list_survives_rows_at_either_end_once_migrated(
    client, admin_user, bad_rows, zone
):
    # The admin's date hierarchy converts in the database, where no read-side clamp
    # reaches: the migration moves stored values into the range.
    _clamp_stored_dates()
    response = _sign_in(client, admin_user, zone).get(
        reverse("admin:postmortems_incident_changelist")
    )
    assert response.status_code == 200
    assert "Late incident" in response.content.decode()


def test_the_migration_clamps_only_what_is_outside_the_range(bad_rows):
    normal = IncidentFactory(team=bad_rows.incident.team)
    _clamp_stored_dates()
    late = Incident.objects.values("started_at", "resolved_at").get(title="Late incident")
    assert late == {"started_at": LATEST, "resolved_at": LATEST}
    early = Incident.objects.values_list("started_at", flat=True).get(title="Early incident")
    assert early == EARLIEST
    assert ActionItem.objects.get(title="Far item").due_date == LATEST_DAY
    assert Incident.objects.get(pk=normal.pk).started_at == normal.started_at


def test_the_migration_repairs_a_year_python_cannot_read(postgres, bad_rows):
    # PostgreSQL stores years up to 294276; reading one fails before any Python code runs.
    late = Incident.objects.get(title="Late incident")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE postmortems_incident SET started_at = %s::timestamptz, detected_at = NULL,"
            " mitigated_at = NULL, resolved_at = NULL WHERE id = %s",
            ["10000-01-01 10:59:00+00", late.pk],
        )
    _clamp_stored_dates()
    assert Incident.objects.get(pk=late.pk).started_at == LATEST


@pytest.mark.parametrize("zone", VIEWERS)
def test_the_incident_page_and_its_edit_form_survive_a_row_at_the_end(
    client, owner, bad_rows, zone
):
    late = Incident.objects.get(title="Late incident")
    _sign_in(client, owner, zone)
    assert client.get(reverse("pm-incident-detail", args=[late.number])).status_code == 200
    assert client.get(reverse("pm-incident-edit", args=[late.number])).status_code == 200


@pytest.mark.parametrize("zone", VIEWERS)
def test_the_review_read_view_and_editor_survive_an_event_at_the_end(client, owner, bad_rows, zone):
    _sign_in(client, owner, zone)
    for name in ("pm-postmortem-detail", "pm-postmortem-edit"):
        response = client.get(_url(name, bad_rows))
        assert response.status_code == 200
        assert "Odd moment" in response.content.decode()


def test_saving_another_event_of_a_review_with_an_event_at_the_end_works(client, owner, bad_rows):
    _sign_in(client, owner, "Asia/Tokyo")
    response = client.post(
        _url("pm-event-add", bad_rows),
        {
            "new-event-occurred_at": "2026-11-02T09:10",
            "new-event-kind": "detection",
            "new-event-text": "Alert fired.",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert TimelineEvent.objects.filter(postmortem=bad_rows).count() == 2


@pytest.mark.parametrize("zone", VIEWERS)
def test_the_incidents_api_lists_rows_at_either_end(client, owner, bad_rows, zone):
    from tests.api.conftest import ApiClient, token_for

    owner.time_zone = zone
    owner.save(update_fields=["time_zone"])
    response = ApiClient(token_for(owner)).get("/api/v1/incidents")
    assert response.status_code == 200
    assert {"Late incident", "Early incident"} <= {i["title"] for i in response.json()["items"]}


def test_the_calendar_feed_survives_an_item_due_on_the_last_day_python_knows(
    client, owner, bad_rows
):
    response = client.get(reverse("pm-calendar-feed", args=[calendar_token(owner)]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"DTSTART;VALUE=DATE:{LATEST_DAY:%Y%m%d}" in body


@pytest.mark.parametrize("zone", VIEWERS)
@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("pm-dashboard", {"month": "9999-12"}),
        ("pm-dashboard", {"month": "0001-01"}),
        ("pm-incident-list", {"month": "9999-12"}),
        ("pm-incident-list", {"month": "0001-01"}),
        ("pm-dashboard-items", {"created": "9999-12", "state": "all"}),
        ("pm-dashboard-items", {"completed": "0001-01", "state": "all"}),
        ("pm-archive", {"from": "0001-01-01", "to": "9999-12-31"}),
    ],
)
def test_month_and_date_filters_at_either_end_answer_200(client, lead, bad_rows, zone, name, query):
    assert _sign_in(client, lead, zone).get(reverse(name), query).status_code == 200
