"""lib/postgresql: Django's backend with psycopg's compiled timestamp parser."""

import datetime as dt

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import (  # type: ignore[import-untyped]
    register_tzloader,
)
from psycopg.pq import Format

from lib.postgresql.base import TIMESTAMPTZ_OID, TimestamptzLoader, loader_for
from postmortems.models.incidents import Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.usefixtures("postgres")

# Texts as PostgreSQL sends them, with the session's zone at UTC (as Django sets it)
# and, for the parser alone, at other offsets.
TEXTS = [
    b"2026-12-05 16:01:19.148616+00",
    b"2026-03-29 01:59:59+00",
    b"0001-01-01 00:00:00+00",
    b"9999-12-31 23:59:59.999999+00",
    b"2026-12-05 17:01:19+01",
    b"2026-12-05 10:31:19.5-05:30",
]


def _loaders(zone):
    """Django's loader and this backend's, for `zone`, on the open connection."""
    connection.ensure_connection()
    context = connection.connection
    register_tzloader(zone, context)
    django_loader = context.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    ours = loader_for(zone)
    return django_loader(TIMESTAMPTZ_OID, context), ours(TIMESTAMPTZ_OID, context)


@pytest.mark.parametrize("zone", [dt.UTC, None, dt.timezone(dt.timedelta(hours=2))])
def test_reads_every_timestamp_as_djangos_loader_does(zone):
    django_loader, ours = _loaders(zone)
    try:
        for text in TEXTS:
            theirs, mine = django_loader.load(text), ours.load(text)
            assert (mine, mine.tzinfo) == (theirs, theirs.tzinfo), text
    finally:  # the connection's own loader back, as the backend registers it
        connection.connection.adapters.register_loader(
            "timestamptz", loader_for(connection.timezone)
        )


def test_the_connection_reads_timestamps_with_it(db):
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    assert issubclass(loader, TimestamptzLoader)
    assert loader.timezone == connection.timezone == dt.UTC
    started = dt.datetime(2026, 12, 5, 16, 1, 19, 148616, tzinfo=dt.UTC)
    incident = IncidentFactory(started_at=started)
    read = Incident.objects.get(pk=incident.pk).started_at
    assert (read, read.tzinfo) == (started, dt.UTC)
