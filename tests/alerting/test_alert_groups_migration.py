"""Migration 0025 keeps every alert link: each becomes the only alert of a group of its
own, with the link's incident and times."""

import datetime as dt

import pytest

from tests.migrations import migrate_to, migrate_to_latest

FIRED = dt.datetime(2026, 11, 2, 10, 42, tzinfo=dt.UTC)
BEFORE = [("postmortems", "0024_bounded_dates")]
AFTER = [("postmortems", "0025_alert_groups")]


@pytest.mark.django_db(transaction=True)
def test_every_alert_link_is_kept_as_a_group_of_its_own():
    apps = migrate_to(BEFORE)
    try:
        team = apps.get_model("accounts", "Team").objects.create(name="Platform", slug="platform")
        integration = apps.get_model("postmortems", "AlertIntegration").objects.create(
            team=team, kind="alertmanager", name="prod"
        )
        Incident = apps.get_model("postmortems", "Incident")
        Link = apps.get_model("postmortems", "AlertLink")
        incidents = [
            Incident.objects.create(number=n, title=f"A{n}", team=team, started_at=FIRED)
            for n in (1, 2)
        ]
        for n, incident in enumerate(incidents):
            Link.objects.create(
                integration=integration,
                external_key=f"fingerprint{n}",
                incident=incident,
                alert_name=f"A{n}",
                fired_at=FIRED,
                resolved_at=FIRED + dt.timedelta(hours=1) if n else None,
            )
        apps = migrate_to(AFTER)
        links = apps.get_model("postmortems", "AlertLink").objects.order_by("external_key")
        assert [
            (
                link.external_key,
                link.group.group_key,
                link.group.incident_id,
                link.group.resolved_at,
            )
            for link in links.select_related("group")
        ] == [
            ("fingerprint0", "fingerprint0", incidents[0].pk, None),
            ("fingerprint1", "fingerprint1", incidents[1].pk, FIRED + dt.timedelta(hours=1)),
        ]
        assert apps.get_model("postmortems", "AlertIntegration").objects.get().service_labels == [
            "service",
            "job",
        ]
    finally:
        migrate_to_latest()
