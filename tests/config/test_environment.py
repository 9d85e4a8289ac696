"""The suite runs where it says it runs: CI asks for PostgreSQL and gets it."""

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_database_is_postgresql_when_ci_requires_it():
    if os.environ.get("REQUIRE_POSTGRES") or os.environ.get("DATABASE_URL", "").startswith(
        "postgres"
    ):
        assert connection.vendor == "postgresql"
    else:
        assert connection.vendor == "sqlite"


def test_settings_refuse_a_production_start_without_a_secret_key(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.env import env_str

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        env_str("SECRET_KEY", None)


@pytest.mark.parametrize(
    ("helper", "value", "message"),
    [
        ("env_bool", "maybe", "not a boolean"),
        ("env_int", "ten", "not a whole number"),
        ("env_timezone", "Mars/Olympus", "not a known time zone"),
    ],
)
def test_bad_environment_values_fail_loudly(monkeypatch, helper, value, message):
    from django.core.exceptions import ImproperlyConfigured

    from config import env

    monkeypatch.setenv("SOME_SETTING", value)
    args = {"env_bool": (False,), "env_int": (1,), "env_timezone": ("UTC",)}[helper]
    with pytest.raises(ImproperlyConfigured, match=message):
        getattr(env, helper)("SOME_SETTING", *args)
