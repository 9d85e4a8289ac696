"""The profile's time zone choices come from the installed tzdata, not from a migration."""

import zoneinfo

import pytest
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader

from accounts import models as account_models
from accounts.models import User, time_zone_choices


@pytest.fixture
def fresh_choices():
    time_zone_choices.cache_clear()
    yield
    time_zone_choices.cache_clear()


def test_the_choices_are_every_zone_the_installed_tzdata_knows(fresh_choices):
    names = [name for name, _ in User._meta.get_field("time_zone").choices]

    assert names == sorted(zoneinfo.available_timezones())
    assert ("America/New_York", "America/New York") in time_zone_choices()


def test_the_latest_migration_names_the_callable_instead_of_a_list_of_zones(db):
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    field = state.apps.get_model("accounts", "User")._meta.get_field("time_zone")

    assert field.deconstruct()[3]["choices"] is time_zone_choices


def test_a_tzdata_update_leaves_makemigrations_check_clean(db, monkeypatch, fresh_choices):
    """A new tzdata release adds and drops zones; the schema must not notice."""
    monkeypatch.setattr(
        account_models.zoneinfo,
        "available_timezones",
        lambda: {"UTC", "Europe/Berlin", "Mars/Olympus_Mons"},
    )
    time_zone_choices.cache_clear()
    assert [name for name, _ in User._meta.get_field("time_zone").choices] == [
        "Europe/Berlin",
        "Mars/Olympus_Mons",
        "UTC",
    ]

    # Exits with status 1 if the models differ from the migrations.
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
