"""Database trouble that is not a bug: the server is down, read-only or out of space,
or another write to the same rows got in the way.

Such a request answers 503 with `Retry-After` (config/errors.py for pages, the API's
error handlers for JSON) instead of a 500: nothing is wrong with the request, it can
be repeated once the database is back. Every write runs in one transaction
(services), so a write that failed this way left nothing behind.

Contention (a deadlock, a serialization failure, a lock that could not be had) is
not an outage: the database works, two writes met. Services that write run under
`retry_on_contention`, which runs the transaction again a few times; a write that
still meets contention answers 409, "send it again", never 503.
"""

import functools
import logging
import random
import sqlite3
import time
from collections.abc import Callable
from enum import StrEnum
from typing import ParamSpec, TypeVar

from django.db import DatabaseError, InterfaceError, OperationalError, connection


class Trouble(StrEnum):
    UNAVAILABLE = "unavailable"  # refused, restarting, connection lost, too many clients
    READ_ONLY = "read-only"  # a read-only replica or transaction, a read-only file
    FULL = "full"  # no space left for the write
    CONTENTION = "contention"  # another write to the same rows at the same moment: 409


# How long a client should wait before trying again, in seconds.
RETRY_AFTER = {
    Trouble.UNAVAILABLE: 30,
    Trouble.READ_ONLY: 300,
    Trouble.FULL: 300,
    Trouble.CONTENTION: 1,
}

# PostgreSQL SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_PG_READ_ONLY = {"25006"}  # read_only_sql_transaction
_PG_FULL = {"53100"}  # disk_full
# deadlock_detected, serialization_failure, lock_not_available: the transaction was
# ended (or refused a lock) because of another one; running it again is safe.
_PG_CONTENTION = {"40P01", "40001", "55P03"}
# SQLite result codes (extended codes share the prefix: SQLITE_READONLY_DBMOVED, ...).
_SQLITE_READ_ONLY = "SQLITE_READONLY"
_SQLITE_FULL = "SQLITE_FULL"
_SQLITE_BUSY = "SQLITE_BUSY"  # another writer held the lock past the busy timeout


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
    if sqlstate in _PG_CONTENTION:
        return Trouble.CONTENTION
    if isinstance(cause, sqlite3.Error):
        name = getattr(cause, "sqlite_errorname", "")
        if name.startswith(_SQLITE_READ_ONLY):
            return Trouble.READ_ONLY
        if name.startswith(_SQLITE_FULL):
            return Trouble.FULL
        if name.startswith(_SQLITE_BUSY):
            return Trouble.CONTENTION
    if isinstance(error, OperationalError | InterfaceError):
        return Trouble.UNAVAILABLE
    return None


# How often a write meets contention before it answers 409, and the longest pause
# before its last attempt (each pause is random, up to twice the one before).
WRITE_ATTEMPTS = 4
_FIRST_PAUSE = 0.05

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def _retryable(error: DatabaseError) -> bool:
    # SQLite's busy timeout has already waited (20 s): running again would only wait more.
    cause = error.__cause__ or error
    return getattr(cause, "sqlstate", None) in _PG_CONTENTION


def retry_on_contention(write: Callable[P, R]) -> Callable[P, R]:
    """Run `write` again when the database ended its transaction for contention.

    For services that open their own transaction and leave nothing behind when it
    fails. The steps:
    1. Run `write`. Its transaction either commits or is rolled back whole.
    2. On a deadlock, a serialization failure or an unavailable lock, pause a random
       moment (so that the writes that met do not meet again) and go back to 1, up to
       WRITE_ATTEMPTS runs in all; then let the error go up (409 for the client).
    Inside an outer transaction nothing is retried: the database has ended that
    transaction, so only its owner can run it again.

    `write` must be safe to run again: it reads what it needs inside its transaction
    and does not change its arguments before a step that may fail.
    """

    @functools.wraps(write)
    def retrying(*args: P.args, **kwargs: P.kwargs) -> R:
        attempt = 1
        while True:
            try:
                return write(*args, **kwargs)
            except DatabaseError as error:
                if attempt >= WRITE_ATTEMPTS or connection.in_atomic_block or not _retryable(error):
                    raise
                logger.info(
                    "%s met another write (%s); running it again, attempt %d",
                    write.__qualname__,
                    getattr(error.__cause__, "sqlstate", "?"),
                    attempt + 1,
                )
            time.sleep(random.uniform(0, _FIRST_PAUSE * 2**attempt))
            attempt += 1

    return retrying
