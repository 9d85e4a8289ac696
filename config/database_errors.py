"""Database trouble that is not a bug: the server is down, read-only or out of space.

Such a request answers 503 with `Retry-After` (config/errors.py for pages, the API's
error handlers for JSON) instead of a 500: nothing is wrong with the request, it can
be repeated once the database is back. Every write runs in one transaction
(services), so a write that failed this way left nothing behind.
"""

import sqlite3
from enum import StrEnum

from django.db import DatabaseError, InterfaceError, OperationalError


class Trouble(StrEnum):
    UNAVAILABLE = "unavailable"  # refused, restarting, connection lost, too many clients
    READ_ONLY = "read-only"  # a read-only replica or transaction, a read-only file
    FULL = "full"  # no space left for the write


# How long a client should wait before trying again, in seconds.
RETRY_AFTER = {Trouble.UNAVAILABLE: 30, Trouble.READ_ONLY: 300, Trouble.FULL: 300}

# PostgreSQL SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_PG_READ_ONLY = {"25006"}  # read_only_sql_transaction
_PG_FULL = {"53100"}  # disk_full
# SQLite result codes (extended codes share the prefix: SQLITE_READONLY_DBMOVED, ...).
_SQLITE_READ_ONLY = "SQLITE_READONLY"
_SQLITE_FULL = "SQLITE_FULL"


def database_trouble(error: BaseException | None) -> Trouble | None:
    """What kind of database trouble `error` is, or None for anything else (a bug: 500).

    Django re-raises the driver's exception as its own class with the original as
    `__cause__`; the driver's code tells read-only and full apart from the rest.
    A Django OperationalError or InterfaceError without one of those codes is the
    server being unreachable; other database errors (integrity, programming) are bugs.
    """
    if not isinstance(error, DatabaseError):
        return None
    cause = error.__cause__ or error
    sqlstate = getattr(cause, "sqlstate", None)  # psycopg
    if sqlstate in _PG_READ_ONLY:
        return Trouble.READ_ONLY
    if sqlstate in _PG_FULL:
        return Trouble.FULL
    if isinstance(cause, sqlite3.Error):
        name = getattr(cause, "sqlite_errorname", "")
        if name.startswith(_SQLITE_READ_ONLY):
            return Trouble.READ_ONLY
        if name.startswith(_SQLITE_FULL):
            return Trouble.FULL
    if isinstance(error, OperationalError | InterfaceError):
        return Trouble.UNAVAILABLE
    return None
