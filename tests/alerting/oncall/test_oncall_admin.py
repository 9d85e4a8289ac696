"""On-call in the admin: read-only (the team's pages write it through the services that
keep the shifts ahead in step), and a schedule feed's address is never shown."""

import datetime as dt

import pytest
from django.urls import reverse

from postmortems.models import OnCallPolicy, Rotation, RotationOverride, ScheduleFeed, Shift
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET_FEED = "https://example.pagerduty.com/private/f00dfeedsecret/feed"


@pytest.fixture
def rotation():
    team = TeamFactory()
    person = UserFactory()
    rotation = Rotation.objects.create(team=team, name="Primary", starts_on=dt.date(2026, 10, 5))
    start = dt.datetime(2026, 10, 5, 10, tzinfo=dt.UTC)
    OnCallPolicy.objects.create(team=team)
    Shift.objects.create(
        rotation=rotation, user=person, starts_at=start, ends_at=start + dt.timedelta(days=7)
    )
    RotationOverride.objects.create(
        rotation=rotation, user=person, starts_at=start, ends_at=start + dt.timedelta(days=1)
    )
    ScheduleFeed.objects.create(rotation=rotation, url=SECRET_FEED)
    return rotation


@pytest.mark.parametrize(
    "model", [OnCallPolicy, Rotation, Shift, RotationOverride, ScheduleFeed], ids=str
)
def test_staff_read_on_call_in_the_admin_and_change_nothing(admin_client, rotation, model):
    meta = model._meta
    listing = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert listing.status_code == 200
    row = model.objects.get()
    change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
    page = admin_client.get(change)
    assert page.status_code == 200
    assert b'type="submit"' not in page.content.split(b'id="content-main"')[1].split(b"</form>")[0]
    assert (
        admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_add")).status_code
        == 403
    )
    assert SECRET_FEED.encode() not in listing.content + page.content
