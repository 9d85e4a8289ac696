"""Django's PostgreSQL backend, reading timestamps with psycopg's C parser.

Django (5.2) reads every `timestamptz` value through a loader derived from psycopg's
pure-Python one, so that it can label the result with the connection's time zone
(django/db/backends/postgresql/psycopg_any.py). psycopg's compiled loader cannot be
subclassed (it is final), so with psycopg-binary installed every timestamp is still
parsed in Python: about 3.5 µs each, against about 1 µs here. A review with 200
timeline events and 50 action items reads over 600 of them per editor load (Django
ticket #36960, psycopg issue #1273; bench/README.md, "Editor speed").

`TimestamptzLoader` below gives the same values: it asks psycopg's loader for the
registered (compiled when available) implementation, then labels the result with the
same time zone Django's would. The check Django makes before each cursor (is the
loader's `timezone` the connection's?) still holds, so Django re-registers its own
loader only when the zone changes, as before.
"""

from functools import cache
from typing import Any

from django.db.backends.postgresql import base
from psycopg import adapters, postgres
from psycopg.adapt import Loader
from psycopg.pq import Format

TIMESTAMPTZ_OID = postgres.types["timestamptz"].oid
# psycopg's own loader: the compiled one with psycopg-binary (or psycopg-c), else the
# Python one, which is what Django's wraps.
_registered = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
assert _registered is not None, "psycopg registers a timestamptz loader by default"
_PSYCOPG_LOADER = _registered


class TimestamptzLoader(Loader):
    """A `timestamptz` as psycopg parses it, labelled with `timezone` (None: naive), as
    Django's BaseTzLoader does."""

    timezone: Any = None

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        self._parse = _PSYCOPG_LOADER(oid, context).load

    def load(self, data: Any) -> Any:
        return self._parse(data).replace(tzinfo=self.timezone)


@cache
def loader_for(zone: Any) -> type[TimestamptzLoader]:
    """One loader class per zone (every connection has the same one), as Django's
    adapters template is made once per zone."""
    return type("ZonedTimestamptzLoader", (TimestamptzLoader,), {"timezone": zone})


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict) -> Any:
        connection = super().get_new_connection(conn_params)
        connection.adapters.register_loader("timestamptz", loader_for(self.timezone))
        return connection
