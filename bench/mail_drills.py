"""The fault drills about email (bench/faults.py runs them): every email counted at the
SMTP capture (bench/smtp_faults.py), never from the outbox's own rows.

5. Killed after the mail server accepted: the capture records the next message and
   holds its "250" reply; the worker's process group gets SIGKILL at that moment.
   The message is in the mail system, the row is not marked sent. Passes when the
   email arrived, and any second copy carries the first one's Message-ID (mail
   systems can then merge them); a copy with a new Message-ID is a duplicate.
6. The mail server answers 451 (try again later) for --smtp-4xx-seconds, then
   accepts: every email that fell due meanwhile must arrive, once.
7. The mail server answers 550 (no such mailbox) for one recipient: that email is
   tried once (a permanent failure is not retried), the others arrive, once.
8. Two beats and two workers at once, for --concurrency-seconds, with emails falling
   due: each arrives once.
9. A backlog: --backlog reminders fall due at once and the mail server takes
   --smtp-delay seconds for each. Meanwhile beat's sweep and dispatch ticks must
   still run (their own queue): at most one in ten may expire unrun.
"""

import contextlib
import datetime as dt
import signal
import time
from dataclasses import dataclass, field

from bench.smtp_faults import MailCount, count_mail
from bench.stack import Stack, StackError, wait_until


@dataclass
class Result:
    drill: str
    fault: str
    requests: int = 0
    normal: int = 0
    clean_503: int = 0
    other_errors: dict[str, int] = field(default_factory=dict)
    recovered: str = ""
    restarts: str = ""
    emails: str = ""
    checks: list[str] = field(default_factory=list)
    passed: bool = True

    def check(self, ok: bool, text: str) -> None:
        self.checks.append(("" if ok else "FAILED: ") + text)
        self.passed = self.passed and ok


class MailDrills:
    """Mixed into bench.faults.Drills (self.stack, self.env, self.plan, self._orm...)."""

    _drill_run = 0
    # What Drills provides.
    stack: Stack
    env: dict[str, str]
    plan: dict

    def _orm(self) -> None:
        raise NotImplementedError

    def wait_for_quiet_outbox(self, timeout: float = 300) -> None:
        raise NotImplementedError

    # -- counting at the SMTP capture ---------------------------------------------------
    def count_mail(self, expected: list[tuple[str, str]], smtp_before: int) -> MailCount:
        return count_mail(self.stack.smtp.messages[smtp_before:], expected)

    def wait_for_mail(
        self, expected: list[tuple[str, str]], smtp_before: int, *, timeout: float
    ) -> float:
        """Seconds until every expected email arrived; then until the outbox is quiet,
        so that a second copy, if one is coming, is there to be counted."""
        took = wait_until(
            lambda: self.count_mail(expected, smtp_before).arrived == len(expected),
            timeout=timeout,
            what="the emails to reach the SMTP capture",
            every=1,
        )
        # Counted as they are after that: a row still retrying shows as missing.
        with contextlib.suppress(StackError):
            self.wait_for_quiet_outbox(timeout=timeout)
        return took

    def _due_reminders(self, n: int, what: str, *, owner=None) -> list[str]:
        """`n` incidents resolved 25 h ago with no postmortem: a reminder is due for
        each, to `owner` (the first person by default). Returns their titles."""
        from django.db.models import F

        from accounts.models import User
        from postmortems.models.incidents import Incident
        from postmortems.services.incidents import incident_create

        self._orm()
        MailDrills._drill_run += 1
        first = User.objects.get(pk=self.plan["people"][0]["user_id"])
        owner = owner or first
        team = first.teams.order_by("pk").first()
        now = dt.datetime.now(dt.UTC)
        titles = [f"Drill {MailDrills._drill_run}: {what} {i:03d}" for i in range(n)]
        for title in titles:
            incident_create(
                by=first,
                title=title,
                team=team,
                owner=owner,
                severity="SEV2",
                status="resolved",
                started_at=now - dt.timedelta(hours=26),
                resolved_at=now - dt.timedelta(hours=25),
            )
        # Recorded when they started, as if reported then: the review clock starts at
        # the later of the resolution and the recording (Incident.review_clock).
        Incident.objects.filter(title__in=titles).update(created_at=F("started_at"))
        return titles

    def _owner_email(self) -> str:
        return self.plan["people"][0]["email"]

    # -- 5. killed after the server accepted ---------------------------------------------
    def killed_after_accept(self) -> Result:
        from postmortems.notifications.models import OutboundMessage

        result = Result("5. Worker killed after SMTP accepted", "SIGKILL before the 250 reply")
        self.wait_for_quiet_outbox()
        smtp, smtp_before = self.stack.smtp, len(self.stack.smtp.messages)
        smtp.accepted.clear()
        smtp.release_accepted.clear()
        smtp.hold_after_accept = ": accepted "  # the reminder's title, below
        expected = [(self._owner_email(), t) for t in self._due_reminders(1, "accepted")]
        if not smtp.accepted.wait(timeout=120):
            raise StackError("the worker never sent the reminder")
        self.stack.stop("worker", signal.SIGKILL)
        smtp.release_accepted.set()
        self._orm()
        held = OutboundMessage.objects.filter(subject__contains=expected[0][1]).get()
        self.stack.worker_start(self.env)
        started = time.monotonic()
        self.wait_for_mail(expected, smtp_before, timeout=240)
        count = self.count_mail(expected, smtp_before)
        held.refresh_from_db()
        result.recovered = f"settled {time.monotonic() - started:.0f} s after the new worker"
        result.restarts = "worker replaced (by the drill)"
        result.emails = str(count)
        result.check(count.arrived == 1, "the accepted email is in the mail system")
        result.check(
            count.duplicates == 0,
            f"no second copy with a new Message-ID ({count.repeats} with the same one; "
            f"row {held.status} after {held.attempts} attempts)",
        )
        return result

    # -- 6. temporary failures -----------------------------------------------------------
    def smtp_temporary(self, seconds: float) -> Result:
        result = Result("6. SMTP answers 451, then accepts", f"451 for {seconds:.0f} s")
        self.wait_for_quiet_outbox()
        smtp, smtp_before = self.stack.smtp, len(self.stack.smtp.messages)
        refused_before = len(smtp.refused)
        smtp.temporary_until = time.time() + seconds
        expected = [(self._owner_email(), t) for t in self._due_reminders(5, "greylisted")]
        time.sleep(seconds)
        try:
            took = self.wait_for_mail(expected, smtp_before, timeout=300)
            result.recovered = f"all emails out {took:.0f} s after the server accepted again"
        except StackError as error:
            result.recovered = str(error)
        count = self.count_mail(expected, smtp_before)
        result.emails = str(count)
        refusals = len(smtp.refused) - refused_before
        result.check(refusals > 0, f"{refusals} attempts answered 451")
        result.check(count.exact, f"every email arrived once: {count} (missing {count.missing})")
        return result

    # -- 7. permanent failure -----------------------------------------------------------
    def smtp_permanent(self) -> Result:
        from accounts.models import User

        result = Result("7. SMTP answers 550 for one address", "no such mailbox")
        self.wait_for_quiet_outbox()
        smtp, smtp_before = self.stack.smtp, len(self.stack.smtp.messages)
        self._orm()
        bounced, _created = User.objects.get_or_create(
            email="drill-no-such-mailbox@example.com", defaults={"display_name": "Nobody"}
        )
        smtp.permanent_for = {bounced.email}
        [bounce_title] = self._due_reminders(1, "bounced", owner=bounced)
        expected = [(self._owner_email(), t) for t in self._due_reminders(3, "delivered")]
        try:
            self.wait_for_mail(expected, smtp_before, timeout=240)
            # The bounced row's retries, if any, come every OUTBOX_RETRY_SECONDS x 2^n.
            self.wait_for_quiet_outbox(timeout=120)
        except StackError as error:
            result.recovered = str(error)
        smtp.permanent_for = set()
        count = self.count_mail(expected, smtp_before)
        tries = sum(1 for r in smtp.refused if bounce_title in r["subject"])
        result.emails = str(count)
        result.check(count.exact, f"the other emails arrived once: {count}")
        result.check(tries == 1, f"the refused email was tried {tries} time(s), not retried")
        return result

    # -- 8. two beats, two workers --------------------------------------------------------
    def two_beats_two_workers(self, seconds: float) -> Result:
        result = Result("8. Two beats and two workers", f"for {seconds:.0f} s")
        self.wait_for_quiet_outbox()
        smtp_before = len(self.stack.smtp.messages)
        self.stack.beat_start(self.env, name="beat2")
        self.stack.worker_start(self.env, name="worker2")
        expected = []
        try:
            started = time.time()
            while time.time() - started < seconds:
                titles = self._due_reminders(5, "concurrent")
                expected += [(self._owner_email(), t) for t in titles]
                time.sleep(seconds / 4)
            took = self.wait_for_mail(expected, smtp_before, timeout=240)
            result.recovered = f"all emails out {took:.0f} s after the last fell due"
        except StackError as error:
            result.recovered = str(error)
        finally:
            self.stack.stop("beat2")
            self.stack.stop("worker2")
        count = self.count_mail(expected, smtp_before)
        result.emails = str(count)
        result.check(count.exact and count.repeats == 0, f"every email arrived once: {count}")
        return result

    # -- 9. a backlog of sends ------------------------------------------------------------
    def backlog(self, emails: int, delay: float) -> Result:
        result = Result("9. Backlog of sends", f"{emails} emails, {delay:.1f} s each at SMTP")
        self.wait_for_quiet_outbox()
        smtp, smtp_before = self.stack.smtp, len(self.stack.smtp.messages)
        log_before = len(self.stack.log_lines("worker"))
        smtp.delay = delay
        expected = [(self._owner_email(), t) for t in self._due_reminders(emails, "backlog")]
        try:
            took = wait_until(
                lambda: self.count_mail(expected, smtp_before).arrived == len(expected),
                timeout=emails * delay * 3 + 120,
                what="the backlog to reach the SMTP capture",
                every=1,
            )
            result.recovered = f"all emails out in {took:.0f} s"
        except StackError as error:
            result.recovered = str(error)
        # The ticks while the backlog lasted; then any second copies, counted below.
        lines = self.stack.log_lines("worker")[log_before:]
        smtp.delay = 0.0
        with contextlib.suppress(StackError):
            self.wait_for_quiet_outbox(timeout=300)
        ticks = [line for line in lines if any(task in line for task in _PERIODIC_TICKS)]
        ran = sum(1 for line in ticks if "succeeded" in line)
        expired = sum(1 for line in ticks if "Discarding" in line)
        count = self.count_mail(expected, smtp_before)
        result.emails = str(count)
        result.check(count.exact, f"every email arrived once: {count}")
        result.check(
            expired * 10 <= ran + expired,
            f"sweep and dispatch ticks during the backlog: {ran} ran, {expired} expired",
        )
        return result


# Sweep and dispatch ticks in the worker's log ("... succeeded", or "Discarding
# revoked task" for one that expired before a worker took it).
_PERIODIC_TICKS = (
    "postmortems.notifications.tasks.sweep_reminders[",
    "postmortems.notifications.tasks.dispatch_outbox[",
)
