"""The on-call pages: who sees and changes what, forms that work without JavaScript,
htmx's members list, the warnings and flags shown, and their query counts."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from postmortems.alerting.models import AlertIntegration
from postmortems.alerting.oncall.models import (
    OnCallPolicy,
    Role,
    Rotation,
    RotationMember,
    RotationOverride,
    ScheduleFeed,
    Shift,
)
from tests.alerting.oncall.support import FEEDS, NOW, make_rotation, people
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(display_name="Sam Staff", is_staff=True)


@pytest.fixture
def rotation(team, lead, teammate):
    return make_rotation(team, [lead, teammate, *people(team, ["Cat"])])


def _reads(team, rotation) -> list[str]:
    return [
        reverse("pm-oncall-team", args=[team.slug]),
        reverse("pm-oncall-rotation", args=[team.slug, rotation.code]),
    ]


def _edits(team, rotation) -> list[str]:
    return [
        reverse("pm-oncall-policy", args=[team.slug]),
        reverse("pm-oncall-create", args=[team.slug]),
        reverse("pm-oncall-rotation-edit", args=[team.slug, rotation.code]),
    ]


def _posts(team, rotation) -> list[str]:
    code = rotation.code
    return [
        reverse(name, args=[team.slug, code])
        for name in (
            "pm-oncall-members",
            "pm-oncall-rotation-delete",
            "pm-oncall-override",
            "pm-oncall-swap",
            "pm-oncall-feed",
            "pm-oncall-upload",
        )
    ] + [reverse("pm-oncall-override-delete", args=[team.slug, code, 1])]


@pytest.mark.parametrize(
    ("persona", "read", "edit"),
    [
        ("lead", 200, 200),
        ("staff", 200, 200),
        ("admin_user", 200, 200),
        ("teammate", 200, 403),
        ("outsider", 404, 404),
    ],
)
def test_every_page_answers_each_persona(request, client, team, rotation, persona, read, edit):
    client.force_login(request.getfixturevalue(persona))
    for url in _reads(team, rotation):
        assert client.get(url).status_code == read, url
    for url in _edits(team, rotation):
        assert client.get(url).status_code == edit, url
    if edit != 200:
        for url in _posts(team, rotation):
            assert client.post(url).status_code == edit, url
    assert Rotation.objects.filter(pk=rotation.pk).exists()


def test_a_lead_builds_a_rotation_of_four_without_javascript(client, team, lead, teammate):
    client.force_login(lead)
    response = client.post(
        reverse("pm-oncall-create", args=[team.slug]),
        {
            "name": "Platform primary",
            "source": "members",
            "time_zone": "Europe/Berlin",
            "handoff_weekday": "0",
            "handoff_hour": "10",
            "starts_on": "2026-10-05",
            "has_secondary": "on",
        },
    )
    rotation = Rotation.objects.get()
    members_url = reverse("pm-oncall-members", args=[team.slug, rotation.code])
    assert response.url == reverse("pm-oncall-rotation-edit", args=[team.slug, rotation.code])
    others = people(team, ["Cat", "Dan"])
    for user in [lead, teammate, *others]:
        assert client.post(members_url, {"user": user.pk}).status_code == 302
    assert client.post(members_url, {"user": others[1].pk, "action": "up"}).status_code == 302
    order = list(RotationMember.objects.order_by("position").values_list("user", flat=True))
    assert order == [lead.pk, teammate.pk, others[1].pk, others[0].pk]
    assert Shift.objects.filter(rotation=rotation).exists()

    page = client.get(reverse("pm-oncall-team", args=[team.slug])).content.decode()
    assert "Lena Lead" in page
    assert 'data-warning="fewer-than-four"' not in page
    client.post(members_url, {"user": others[0].pk, "action": "remove"})
    page = client.get(reverse("pm-oncall-team", args=[team.slug])).content.decode()
    assert 'data-warning="fewer-than-four"' in page
    assert "Only 3 people in the rotation" in page


def test_htmx_swaps_the_members_list(client, team, lead, rotation):
    client.force_login(lead)
    dan = people(team, ["Dan"])[0]
    response = client.post(
        reverse("pm-oncall-members", args=[team.slug, rotation.code]),
        {"user": dan.pk},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card" id="members">')
    assert "Dan" in body
    assert "<html" not in body
    assert "HX-Request" in response["Vary"]


def test_a_person_outside_the_team_cannot_be_added(client, team, lead, rotation, outsider):
    client.force_login(lead)
    response = client.post(
        reverse("pm-oncall-members", args=[team.slug, rotation.code]), {"user": outsider.pk}
    )
    assert response.status_code == 400
    assert RotationMember.objects.filter(rotation=rotation).count() == 3


def test_overrides_and_swaps_from_the_rotation_page(client, team, lead, teammate, rotation):
    client.force_login(lead)
    url = reverse("pm-oncall-override", args=[team.slug, rotation.code])
    response = client.post(
        url,
        {
            "user": teammate.pk,
            "role": "primary",
            "starts_at": "2026-10-20T09:00",
            "ends_at": "2026-10-21T09:00",
            "reason": "Dentist",
        },
    )
    assert response.status_code == 302
    override = RotationOverride.objects.get()
    assert (override.user, override.reason, override.created_by) == (teammate, "Dentist", lead)
    page = client.get(reverse("pm-oncall-rotation", args=[team.slug, rotation.code]))
    assert f'data-override="{override.pk}"' in page.content.decode()

    refused = client.post(
        url,
        {
            "user": teammate.pk,
            "role": "primary",
            "starts_at": "2026-10-21T09:00",
            "ends_at": "2026-10-20T09:00",
        },
    )
    assert refused.status_code == 400
    assert "An override must end after it starts." in refused.content.decode()

    ahead = list(Shift.objects.filter(rotation=rotation, role=Role.PRIMARY, starts_at__gt=NOW))
    client.post(
        reverse("pm-oncall-swap", args=[team.slug, rotation.code]),
        {"first": ahead[0].pk, "second": ahead[1].pk, "reason": "Holiday"},
    )
    assert RotationOverride.objects.filter(reason="Holiday").count() == 2
    client.post(reverse("pm-oncall-override-delete", args=[team.slug, rotation.code, override.pk]))
    assert not RotationOverride.objects.filter(pk=override.pk).exists()


def test_the_policy_form_and_the_flags_it_raises(client, team, lead):
    client.force_login(lead)
    integration = AlertIntegration.objects.create(
        team=team,
        name="Prometheus",
        kind="alertmanager",
        token_hash="x",
        severity_map={"critical": "SEV1", "warning": "SEV3"},
    )
    response = client.post(
        reverse("pm-oncall-policy", args=[team.slug]),
        {
            "time_zone": "Europe/Berlin",
            "workday_start": "8",
            "workday_end": "17",
            "work_weekdays": ["0", "1", "2", "3"],
            "night_start": "22",
            "night_end": "6",
            "max_pages_per_shift": "2",
            "late_after_minutes": "15",
            "channel_SEV1": "phone",
            "channel_SEV2": "phone",
            "channel_SEV3": "phone",
            "channel_SEV4": "email",
        },
    )
    assert response.status_code == 302
    policy = OnCallPolicy.objects.get(team=team)
    assert (policy.workday_start, policy.work_weekdays) == (8, [0, 1, 2, 3])
    assert policy.severity_channels["SEV3"] == "phone"
    sentence = "`warning` pages people (SEV3): route it to chat."
    oncall = client.get(reverse("pm-oncall-team", args=[team.slug])).content.decode()
    listing = client.get(reverse("pm-alerting-list", args=[team.slug])).content.decode()
    assert sentence in oncall
    assert f'data-conflict="{integration.code}"' in listing
    assert "pages people (SEV3): route it to chat." in listing


def test_a_failing_feed_is_shown_on_the_team_pages_and_to_staff(client, team, teammate, staff):
    rotation = make_rotation(team, [], name="Imported", source=Rotation.Source.ICAL)
    ScheduleFeed.objects.create(
        rotation=rotation,
        url="https://example.com/s.ics",
        failures=3,
        last_error="The feed answered HTTP 404 (Not Found).",
        last_checked_at=NOW,
    )
    client.force_login(teammate)
    assert client.get(reverse("pm-alert-deliveries")).status_code == 403
    for url in [*_reads(team, rotation), reverse("pm-alert-deliveries")]:
        if url == reverse("pm-alert-deliveries"):
            client.force_login(staff)  # the staff's delivery log lists every failing feed
        body = client.get(url).content.decode()
        assert 'data-feed="failing"' in body
        assert "failed 3 times in a row" in body
        assert "HTTP 404" in body


def test_a_lead_sets_a_feed_and_uploads_a_file(
    client, team, lead, rotation, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("pm-oncall-feed", args=[team.slug, rotation.code]),
            {"url": "webcal.example.com/private/feed.ics", "enabled": "on"},
        )
    assert response.status_code == 302
    rotation.refresh_from_db()
    assert rotation.source == Rotation.Source.ICAL
    assert ScheduleFeed.objects.get().url == "https://webcal.example.com/private/feed.ics"
    assert len(callbacks) == 1  # the first import, queued after commit
    for address, saved in [
        ("webcal://example.pagerduty.com/private/abc/feed/P1", True),
        ("http://example.com/feed.ics", False),
    ]:
        client.post(
            reverse("pm-oncall-feed", args=[team.slug, rotation.code]),
            {"url": address, "enabled": "on"},
        )
        expected = address.replace("webcal://", "https://")
        assert (ScheduleFeed.objects.get().url == expected) is saved
    assert not Shift.objects.filter(rotation=rotation, starts_at__gt=NOW).exists()

    upload = SimpleUploadedFile(
        "schedule.ics", (FEEDS / "opsgenie_shape.ics").read_bytes(), "text/calendar"
    )
    response = client.post(
        reverse("pm-oncall-upload", args=[team.slug, rotation.code]), {"file": upload}
    )
    assert response.status_code == 302
    assert Shift.objects.filter(rotation=rotation, source=Shift.Source.ICAL).count() == 6

    bad = SimpleUploadedFile("x.ics", b"not a calendar", "text/calendar")
    response = client.post(
        reverse("pm-oncall-upload", args=[team.slug, rotation.code]), {"file": bad}
    )
    assert response.status_code == 400
    assert "Not an iCalendar file" in response.content.decode()


def test_the_team_page_query_count_does_not_grow_with_rotations(
    client, team, lead, rotation, django_assert_num_queries
):
    make_rotation(team, people(team, ["Eve", "Fay", "Gus", "Hal"]), name="Database")
    client.force_login(lead)
    url = reverse("pm-oncall-team", args=[team.slug])
    client.get(url)
    # session, user, team, membership, rotations, members (+ users), shifts now,
    # overrides now, policy, integrations.
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('badge">Primary') == 2


def test_the_rotation_page_query_count(client, team, lead, rotation, django_assert_num_queries):
    client.force_login(lead)
    url = reverse("pm-oncall-rotation", args=[team.slug, rotation.code])
    client.get(url)
    # session, user, team, membership, rotation; shifts and overrides now; members;
    # feed; the schedule's shifts and overrides; the forms' people and the swap's two
    # shift lists. None of them grows with the shifts shown.
    with django_assert_num_queries(13):
        response = client.get(url)
    body = response.content.decode()
    assert body.count("<tr>") >= 2 * 8
    # In the rotation's zone, and in the reader's (UTC here).
    assert "Mon 19 Oct, 10:00 Europe/Berlin" in body
    assert "Mon 19 Oct, 08:00 your time" in body


def test_the_profile_and_alerting_pages_link_to_on_call(client, team, lead):
    client.force_login(lead)
    url = reverse("pm-oncall-team", args=[team.slug])
    assert url in client.get(reverse("accounts-profile")).content.decode()
    assert url in client.get(reverse("pm-alerting-list", args=[team.slug])).content.decode()


def test_an_integration_names_one_of_its_teams_rotations(client, team, lead, rotation, other_team):
    theirs = make_rotation(other_team, [], name="Theirs")
    client.force_login(lead)
    form = {
        "name": "Prometheus",
        "kind": "alertmanager",
        "enabled": "on",
        "default_severity": "SEV3",
        "open_from": "SEV2",
        "refire_window": "45",
        "severity_map": "",
        "signing_secret": "",
    }
    url = reverse("pm-alerting-create", args=[team.slug])
    refused = client.post(url, {**form, "rotation": theirs.pk})
    assert "Select a valid choice" in refused.content.decode()
    assert not AlertIntegration.objects.exists()
    assert client.post(url, {**form, "rotation": rotation.pk}).status_code == 200
    assert AlertIntegration.objects.get().rotation == rotation
