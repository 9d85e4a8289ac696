"""Probes for load balancers and orchestrators: liveness (/healthz), readiness (/readyz).

Neither needs a session. /readyz answers a plain "ok" or "unavailable" and nothing
else: which check failed, and why, goes to the log (logger `config.probes`), never
into a response that anyone on the network can read.
"""

import logging
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from postmortems.notifications.selectors import last_beat_heartbeat, outbox_trouble

logger = logging.getLogger(__name__)


class NotReady(Exception):
    """A check found its dependency present but not in order (e.g. a stale heartbeat)."""


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    """Connect to the broker once, giving up after READYZ_BROKER_TIMEOUT_SECONDS.

    The embedded filesystem broker has no server: there the check writes (and
    removes) a file in each of its folders, which also catches a full disk or a
    read-only mount. kombu only reads `*.msg` files there, so the probe file is
    never taken for a message.
    """
    timeout = settings.READYZ_BROKER_TIMEOUT_SECONDS
    broker = celery_app.connection_for_write(
        connect_timeout=timeout,
        # Redis: kombu passes these to redis-py (the defaults wait for the OS).
        transport_options={"socket_connect_timeout": timeout, "socket_timeout": timeout},
    )
    with broker:
        if broker.transport.driver_type == "filesystem":
            options = broker.transport_options or {}
            for key in ("data_folder_in", "data_folder_out", "control_folder"):
                with tempfile.NamedTemporaryFile(
                    dir=Path(options[key]), prefix=".readyz-", suffix=".probe"
                ) as probe:
                    probe.write(b"ok")
                    probe.flush()
            return
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)


def check_beat(now: datetime) -> None:
    beat_at = last_beat_heartbeat()
    if beat_at is None:
        raise NotReady("no beat heartbeat recorded yet")
    age = (now - beat_at).total_seconds()
    if age > settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS:
        raise NotReady(
            f"the last beat heartbeat is {age:.0f} s old "
            f"(limit {settings.BEAT_HEARTBEAT_MAX_AGE_SECONDS} s)"
        )


def failed_checks(now: datetime) -> list[str]:
    """Run every check (not just up to the first failure, so the log names them all)
    and return the names of those that failed."""
    checks: dict[str, Callable[[], None]] = {
        "database": check_database,
        "broker": check_broker,
        "beat": lambda: check_beat(now),
    }
    failed = []
    for name, check in checks.items():
        try:
            check()
        except Exception as error:
            logger.warning("Readiness check %s failed: %r", name, error)
            failed.append(name)
    return failed


def report_outbox(now: datetime) -> None:
    """Log outgoing email in trouble: failed for good in the last day, or deferred for
    over OUTBOX_DEFERRED_WARNING_SECONDS.

    Reported, not a failed check: readiness decides whether this process gets traffic,
    and taking the site out of the load balancer because a mail server refuses mail
    would help no one. Staff see the same counts on the outbox page, and admins get an
    email for each batch of failures (postmortems/notifications/outbox_failures.py).
    """
    trouble = outbox_trouble(now=now, failed_since=now - timedelta(days=1))
    if trouble.failed or trouble.deferred:
        logger.warning(
            "Outbox: %s email(s) failed for good in the last 24 h, %s deferred for over %s s.",
            trouble.failed,
            trouble.deferred,
            settings.OUTBOX_DEFERRED_WARNING_SECONDS,
        )


@require_GET
@login_not_required
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Says nothing else."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_GET
@login_not_required
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers, the broker accepts a connection and beat's
    heartbeat is recent. 503 with a generic body otherwise. Undelivered email is
    logged (report_outbox), never a reason to answer 503."""
    now = timezone.now()
    if failed_checks(now):
        return HttpResponse("unavailable", status=503, content_type="text/plain")
    report_outbox(now)
    return HttpResponse("ok", content_type="text/plain")
