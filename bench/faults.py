"""Fault drills under load, on a private stack (bench/stack.py), with a result table.

    python -m bench.faults                       # all drills, about 15 minutes
    python -m bench.faults --users 10 --redis-seconds 60 --postgres-seconds 15

While locust's people (bench/locustfile.py, every request logged) read and edit:

1. PostgreSQL restart: the private cluster is stopped (fast shutdown: open
   transactions roll back) and started again after --postgres-seconds. Requests in
   between must answer the 503 page (template, Retry-After, no traceback), the app
   must recover by itself (gunicorn and the worker keep their processes), and no
   write may be half done: every section's text equals its latest revision.
2. Redis stopped for --redis-seconds: pages keep working, nudges (a web write that
   enqueues an email) answer at once; incidents that fall due for a reminder are
   added. Once Redis is back, every email that was due goes out, none twice
   (counted at the SMTP capture).
3. A worker killed with SIGKILL in the middle of sending an email (the SMTP capture
   holds the message): a new worker sends it once the row's claim times out; and
   the integration test that does the same under pytest
   (tests/integration/test_celery_delivery.py) runs against the private services.
4. The database made read-only (`ALTER DATABASE ... SET default_transaction_read_only`,
   existing sessions ended so they reconnect): reading goes on, saving answers the
   503 page "The database is read-only" with "Your change was not saved."; then
   writable again, and saving works.
5-8. Email under faults (bench/mail_drills.py): the worker killed right after the
   mail server accepted a message, the server answering 451 for a while and 550 for
   one address, two beats and two workers at once. Every email is counted at the
   SMTP capture (bench/smtp_faults.py), not from the outbox's own rows.

    python -m bench.faults --drills killed-after-accept,smtp-4xx --smtp-4xx-seconds 20

Every process, server and file of the run is removed at the end, also on failure.
"""

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.html_forms import find_form
from bench.load import locust_command
from bench.load_plan import seed, write_plan
from bench.mail_drills import MailDrills, Result
from bench.stack import BIN, DATABASE, PG_PORT, REDIS_PORT, ROOT, Stack, StackError, wait_until

# Short intervals, so that catching up takes seconds rather than minutes. A claim
# must outlive the slowest send (EMAIL_TIMEOUT per SMTP step), or a slow send is
# taken for a dead worker's and sent twice: `check_drill_settings` holds that.
DRILL_SETTINGS = {
    "REMINDER_SWEEP_SECONDS": "5",
    "OUTBOX_DISPATCH_SECONDS": "5",
    "OUTBOX_RETRY_SECONDS": "2",
    "EMAIL_TIMEOUT": "5",
    "OUTBOX_SENDING_TIMEOUT_SECONDS": "30",
}


def check_drill_settings(settings: dict[str, str]) -> None:
    """The stuck-row timeout is well above the SMTP timeout (a send has several steps)."""
    if int(settings["OUTBOX_SENDING_TIMEOUT_SECONDS"]) < 3 * int(settings["EMAIL_TIMEOUT"]):
        raise ValueError("OUTBOX_SENDING_TIMEOUT_SECONDS must be at least 3 x EMAIL_TIMEOUT")


class RequestLog:
    """The locust people's requests, one JSON line each (see bench/locustfile.py)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def between(self, start: float, end: float) -> list[dict]:
        if not self.path.exists():
            return []
        entries = (json.loads(line) for line in self.path.read_text().splitlines() if line)
        return [e for e in entries if start <= e["t"] <= end]

    def first_success_after(self, moment: float, *, names: set[str] | None = None) -> float:
        for entry in self.between(moment, time.time() + 1):
            if 200 <= entry["status"] < 400 and (names is None or entry["name"] in names):
                return entry["t"]
        return 0.0


def tally(result: Result, entries: list[dict], *, clean: set[str]) -> None:
    """Count the answers: normal (2xx/3xx), the 503 page of an expected kind (with
    Retry-After, no traceback), and everything else by status (0: no answer)."""
    result.requests = len(entries)
    for e in entries:
        if 200 <= e["status"] < 400:
            result.normal += 1
        elif (
            e["status"] == 503 and e["trouble"] in clean and e["retry_after"] and not e["traceback"]
        ):
            result.clean_503 += 1
        else:
            key = str(e["status"]) if e["status"] else f"no answer ({e['error'][:40]})"
            result.other_errors[key] = result.other_errors.get(key, 0) + 1


class Browser:
    """A signed-in person outside locust, for the drills' own writes (nudges)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def sign_in(self, email: str, password: str) -> None:
        page = self.opener.open(f"{self.base_url}/accounts/login/", timeout=30).read().decode()
        fields = find_form(page, "") or {}
        fields.update(username=email, password=password)
        self.post("/accounts/login/", fields)

    def post(self, path: str, fields: dict[str, str] | None = None) -> tuple[int, float]:
        fields = dict(fields or {})
        token = next((c.value for c in self.cookies if c.name == "csrftoken"), "") or ""
        fields.setdefault("csrfmiddlewaretoken", token)
        data = urllib.parse.urlencode(fields).encode()
        started = time.perf_counter()
        try:
            with self.opener.open(f"{self.base_url}{path}", data=data, timeout=60) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        return status, time.perf_counter() - started


class Drills(MailDrills):
    def __init__(self, stack: Stack, env: dict[str, str], plan: dict, log: RequestLog) -> None:
        self.stack, self.env, self.plan, self.log = stack, env, plan, log
        self._unnudged: list[tuple[int, str, int, str]] | None = None
        self._browsers: dict[int, Browser] = {}

    def _take_items(self, n: int) -> list[tuple[int, str, int, str]]:
        """Open action items with an owner, each nudged once only (one nudge a day)."""
        if self._unnudged is None:
            self._unnudged = self._nudgeable_items()
        taken, self._unnudged = self._unnudged[:n], self._unnudged[n:]
        if len(taken) < n:
            raise StackError("not enough open action items with an owner to nudge")
        return taken

    # -- helpers ------------------------------------------------------------------------
    def _orm(self):
        """Django in this process, with a fresh connection (the server may have restarted)."""
        from django.db import connections

        connections.close_all()

    def _gunicorn_boots(self) -> int:
        return sum("Booting worker" in line for line in self.stack.log_lines("gunicorn"))

    def _pids(self) -> tuple[int | None, int | None, int | None]:
        return (self.stack.pid("gunicorn"), self.stack.pid("worker"), self.stack.pid("beat"))

    def _restarts(self, pids_before, boots_before) -> tuple[str, bool]:
        same = self._pids() == pids_before and self._gunicorn_boots() == boots_before
        return ("none" if same else "yes"), same

    def wait_for_quiet_outbox(self, timeout: float = 300) -> None:
        """Until no email is queued or being sent (the seeded data's digests, say)."""
        from postmortems.notifications.models import OutboundMessage

        def quiet() -> bool:
            self._orm()
            return not OutboundMessage.objects.filter(
                status__in=[OutboundMessage.Status.QUEUED, OutboundMessage.Status.SENDING]
            ).exists()

        wait_until(quiet, timeout=timeout, what="the outbox to drain", every=2)

    def _last_email_id(self) -> int:
        from postmortems.notifications.models import OutboundMessage

        self._orm()
        return OutboundMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def _nudgeable_items(self) -> list[tuple[int, str, int, str]]:
        """(incident number, item code, person, title): new open action items on the first
        person's postmortems, owned by them, so they may nudge (one nudge a day each)."""
        from accounts.models import User
        from postmortems.models.reviews import Postmortem
        from postmortems.services.actions import action_item_create

        self._orm()
        person = self.plan["people"][0]
        owner = User.objects.get(pk=person["user_id"])
        postmortems = Postmortem.objects.filter(incident__number__in=person["edit"])
        due = dt.date.today() + dt.timedelta(days=14)
        items = []
        for n in range(20):
            postmortem = postmortems[n % len(postmortems)]
            item = action_item_create(
                postmortem=postmortem,
                by=owner,
                title=f"Drill item {n:03d}",
                owner=owner,
                due_date=due,
            )
            items.append((postmortem.incident.number, str(item.code), 0, item.title))
        return items

    def _browser(self, person: int) -> Browser:
        if person not in self._browsers:
            browser = Browser(self.stack.base_url)
            browser.sign_in(self.plan["people"][person]["email"], self.plan["password"])
            self._browsers[person] = browser
        return self._browsers[person]

    def _nudge(self, item: tuple[int, str, int, str]) -> tuple[int, float]:
        number, code, person, _title = item
        return self._browser(person).post(
            f"/incidents/INC-{number}/postmortem/actions/{code}/nudge/"
        )

    # -- 1. PostgreSQL restart --------------------------------------------------------
    def postgres_restart(self, outage: float) -> Result:
        result = Result("1. PostgreSQL restarted", f"stopped for {outage:.0f} s")
        pids, boots = self._pids(), self._gunicorn_boots()
        self._orm()
        start = time.time()
        self.stack.postgres_stop()
        time.sleep(outage)
        self.stack.postgres_start()
        up = time.time()
        wait_until(lambda: self.log.first_success_after(up), timeout=120, what="recovery")
        back = self.log.first_success_after(up)
        time.sleep(10)  # and it stays up
        tally(result, self.log.between(start, back), clean={"unavailable"})
        after = self.log.between(back + 1, time.time())
        result.recovered = f"{back - up:.1f} s after the restart"
        result.restarts, same = self._restarts(pids, boots)
        result.check(not result.other_errors, "every failed request got the 503 page")
        result.check(result.clean_503 > 0, "the outage was seen by requests")
        result.check(
            all(200 <= e["status"] < 400 for e in after),
            f"all {len(after)} requests in the 10 s after recovery answered normally",
        )
        result.check(same, "gunicorn and the worker kept their processes")
        mismatched, checked = self.sections_match_revisions()
        result.check(mismatched == 0, f"{checked} edited sections all equal their latest revision")
        return result

    def sections_match_revisions(self) -> tuple[int, int]:
        """Atomic writes: a section's text and its revision are written in one
        transaction, so the latest revision of every section holds the section's text."""
        from postmortems.models.reviews import Postmortem
        from postmortems.models.revisions import SectionRevision

        self._orm()
        latest = list(
            SectionRevision.objects.order_by("postmortem_id", "section", "-number")
            .distinct("postmortem_id", "section")
            .values_list("postmortem_id", "section", "text")
        )
        texts = {
            pm["id"]: pm
            for pm in Postmortem.objects.filter(pk__in={pm_id for pm_id, _s, _t in latest}).values(
                "id", *Postmortem.SECTION_NAMES
            )
        }
        mismatched = sum(1 for pm_id, section, text in latest if texts[pm_id][section] != text)
        return mismatched, len(latest)

    # -- 2. Redis stopped -------------------------------------------------------------
    def redis_outage(self, seconds: float) -> Result:
        result = Result("2. Redis stopped", f"stopped for {seconds:.0f} s")
        self.wait_for_quiet_outbox()
        pids, boots = self._pids(), self._gunicorn_boots()
        smtp_before = len(self.stack.smtp.messages)
        items = self._take_items(10)
        for _number, _code, person, _title in items:
            self._browser(person)  # signed in before the outage
        start = time.time()
        self.stack.stop("redis")
        nudges = [self._nudge(item) for item in items]
        owner_email = self.plan["people"][0]["email"]
        expected = [(owner_email, title) for *_item, title in items]
        expected += [(owner_email, title) for title in self._due_reminders(5, "queue backlog")]
        time.sleep(max(0.0, seconds - (time.time() - start)))
        self.stack.redis_start()
        end = time.time()
        caught_up, worker_replaced = self._catch_up(expected, smtp_before)
        count = self.count_mail(expected, smtp_before)
        tally(result, self.log.between(start, end), clean=set())
        result.recovered = f"all emails out {caught_up:.0f} s after Redis came back"
        result.restarts, same = self._restarts(pids, boots)
        result.emails = str(count)
        slowest = max((duration for _status, duration in nudges), default=0.0)
        result.check(not result.other_errors, "every request answered normally")
        result.check(
            all(status == 200 for status, _d in nudges) and len(nudges) == len(items),
            f"{len(nudges)} nudges answered during the outage (slowest {slowest:.2f} s)",
        )
        result.check(count.exact, f"emails (nudges, reminders) at the SMTP capture: {count}")
        result.check(not worker_replaced and same, "gunicorn and the worker kept their processes")
        return result

    def _catch_up(self, expected: list[tuple[str, str]], smtp_before: int) -> tuple[float, bool]:
        """Seconds until every expected email reached the SMTP capture. A worker that
        exited meanwhile is replaced, as a supervisor would (compose: restart
        unless-stopped)."""
        started, replaced = time.monotonic(), False
        while time.monotonic() - started < 300:
            if self.stack.pid("worker") is None:
                self.stack.worker_start(self.env)
                replaced = True
            if self.count_mail(expected, smtp_before).arrived == len(expected):
                self.wait_for_quiet_outbox(timeout=120)  # and any second copy with it
                return time.monotonic() - started, replaced
            time.sleep(1)
        raise StackError("the emails did not go out within 300 s")

    # -- 3. Worker killed mid-send ----------------------------------------------------
    def worker_killed(self) -> Result:
        from postmortems.notifications.models import OutboundMessage

        result = Result("3. Worker killed (SIGKILL) mid-send", "one email held at SMTP")
        self.wait_for_quiet_outbox()
        first_id, smtp_before = self._last_email_id(), len(self.stack.smtp.messages)
        smtp = self.stack.smtp
        smtp.attempts, smtp.hold_first = 0, True
        smtp.holding.clear()
        smtp.release.clear()
        item = self._take_items(1)[0]
        expected = [(self.plan["people"][0]["email"], item[3])]
        status, _duration = self._nudge(item)
        if not smtp.holding.wait(timeout=120):
            raise StackError("the worker never started sending the nudge")
        self.stack.stop("worker", signal.SIGKILL)  # its process group: main and child
        smtp.release.set()
        smtp.hold_first = False
        self._orm()
        row = OutboundMessage.objects.get(pk__gt=first_id, kind=OutboundMessage.Kind.NUDGE)
        held_status = row.status
        self.stack.worker_start(self.env)
        caught_up = self.wait_for_mail(expected, smtp_before, timeout=240)
        count = self.count_mail(expected, smtp_before)
        row.refresh_from_db()
        result.requests = 1
        result.normal = int(status == 200)
        result.recovered = f"email out {caught_up:.0f} s after the new worker started"
        result.restarts = "worker replaced (by the drill)"
        result.emails = str(count)
        result.check(held_status == "sending", "the killed worker's row was left claimed")
        result.check(
            count.exact and count.repeats == 0 and row.attempts == 2,
            f"sent once, on attempt {row.attempts}, after the claim timed out",
        )
        return result

    def worker_killed_test(self) -> Result:
        """The integration test of the same fault, against the private PostgreSQL
        (its own test database) and Redis (database 14)."""
        result = Result("3b. Same, tests/integration (pytest)", "SIGKILL while SMTP holds")
        test = (
            "tests/integration/test_celery_delivery.py::"
            "test_a_worker_killed_while_sending_is_replaced_and_the_email_goes_out_once"
        )
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG_PORT}/postmortems_drill",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
            "REQUIRE_POSTGRES": "1",
            "REQUIRE_REDIS": "1",
        }
        run = subprocess.run(
            [BIN / "pytest", "-q", "-p", "no:cacheprovider", test],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        summary = (run.stdout.strip().splitlines() or ["no output"])[-1]
        result.emails = "1 / 1 / 0" if run.returncode == 0 else "see pytest"
        result.check(run.returncode == 0, f"pytest: {summary}")
        return result

    # -- 4. Read-only database ----------------------------------------------------------
    def read_only(self, seconds: float) -> Result:
        result = Result("4. Database read-only", f"read-only for {seconds:.0f} s")
        pids, boots = self._pids(), self._gunicorn_boots()
        self._orm()
        start = time.time()
        self.stack.psql(
            f"ALTER DATABASE {DATABASE} SET default_transaction_read_only = on", "postgres"
        )
        self._end_sessions()  # they reconnect, read-only
        time.sleep(seconds)
        writable = time.time()
        self.stack.psql(
            [
                "SET default_transaction_read_only = off",
                f"ALTER DATABASE {DATABASE} RESET default_transaction_read_only",
            ],
            "postgres",
        )
        self._end_sessions()
        end = time.time()
        time.sleep(15)
        during = self.log.between(start + 2, writable)  # not the ended sessions' requests
        tally(result, during, clean={"read-only", "unavailable"})
        writes = [e for e in during if e["method"] == "POST"]
        reads = [e for e in during if e["method"] == "GET"]
        after = self.log.between(end + 5, time.time())
        saved_after = [e for e in after if e["method"] == "POST" and e["status"] == 200]
        result.restarts, same = self._restarts(pids, boots)
        result.recovered = "writable again at once"
        result.check(not result.other_errors, "no 500s, no tracebacks, no dropped answers")
        result.check(
            bool(writes)
            and all(e["status"] == 503 and e["trouble"] == "read-only" for e in writes),
            f"all {len(writes)} saves answered the read-only 503 page",
        )
        result.check(
            sum(200 <= e["status"] < 400 for e in reads) == len(reads),
            f"all {len(reads)} page views answered normally",
        )
        result.check(bool(saved_after), f"{len(saved_after)} saves went through afterwards")
        result.check(same, "gunicorn and the worker kept their processes")
        return result

    def _end_sessions(self) -> None:
        self.stack.psql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE datname = '{DATABASE}' AND pid <> pg_backend_pid()",
            "postgres",
        )


DRILLS = {
    "postgres": "PostgreSQL restart",
    "redis": "Redis outage",
    "worker-killed": "worker killed mid-send",
    "read-only": "read-only database",
    "killed-after-accept": "worker killed after the mail server accepted",
    "smtp-4xx": "mail server answers 451 for a while",
    "smtp-5xx": "mail server answers 550 for one address",
    "two-beats": "two beats and two workers",
    "backlog": "a backlog of sends",
    "worker-killed-test": "worker killed, the integration test",
}


def table(results: list[Result]) -> str:
    lines = [
        "| drill | fault | requests meanwhile | answered normally | 503 page | other errors "
        "| recovery | process restarts | emails expected / arrived / twice | result |",
        "| --- | --- | ---: | ---: | ---: | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        others = ", ".join(f"{k}: {v}" for k, v in r.other_errors.items()) or "0"
        lines.append(
            f"| {r.drill} | {r.fault} | {r.requests} | {r.normal} | {r.clean_503} | {others} "
            f"| {r.recovered} | {r.restarts} | {r.emails} | {'pass' if r.passed else 'FAIL'} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--postmortems", type=int, default=1000)
    parser.add_argument("--postgres-seconds", type=float, default=15)
    parser.add_argument("--redis-seconds", type=float, default=60)
    parser.add_argument("--read-only-seconds", type=float, default=20)
    parser.add_argument("--web-concurrency", type=int, default=4)
    parser.add_argument("--smtp-4xx-seconds", type=float, default=120)
    parser.add_argument("--concurrency-seconds", type=float, default=30)
    parser.add_argument("--backlog", type=int, default=150)
    parser.add_argument("--smtp-delay", type=float, default=0.4)
    parser.add_argument(
        "--drills",
        default=",".join(DRILLS),
        help=f"which drills, comma-separated (default all: {','.join(DRILLS)})",
    )
    args = parser.parse_args()
    chosen = args.drills.split(",")
    if unknown := set(chosen) - set(DRILLS):
        parser.error(f"unknown drills: {', '.join(sorted(unknown))}")
    check_drill_settings(DRILL_SETTINGS)

    results: list[Result] = []
    with Stack(web_concurrency=args.web_concurrency) as stack:
        print(f"Stack in {stack.dir}")
        stack.postgres_init()
        stack.redis_start()
        stack.smtp_start()
        plan = _seed(stack, args.postmortems, args.users)
        plan_path = stack.dir / "plan.json"
        write_plan(plan, plan_path)
        env = stack.app_env(**DRILL_SETTINGS)
        stack.collectstatic(env)
        stack.app_start(env)
        log = RequestLog(stack.dir / "requests.jsonl")
        locust_args, locust_env = locust_command(
            host=stack.base_url,
            plan=plan_path,
            classes=["Person"],
            users=args.users,
            spawn_rate=args.users,
            seconds=3600,  # stopped by the drill when it is done
            prefix=stack.dir / "locust",
            request_log=log.path,
            wait="0.5,1.5",
        )
        locust = subprocess.Popen(
            locust_args,
            cwd=ROOT,
            env=locust_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            drills = Drills(stack, env, plan, log)
            print("Waiting for the seeded data's emails to go out")
            drills.wait_for_quiet_outbox()
            time.sleep(10)  # everyone signed in and busy
            runs = {
                "postgres": lambda: drills.postgres_restart(args.postgres_seconds),
                "redis": lambda: drills.redis_outage(args.redis_seconds),
                "worker-killed": drills.worker_killed,
                "read-only": lambda: drills.read_only(args.read_only_seconds),
                "killed-after-accept": drills.killed_after_accept,
                "smtp-4xx": lambda: drills.smtp_temporary(args.smtp_4xx_seconds),
                "smtp-5xx": drills.smtp_permanent,
                "two-beats": lambda: drills.two_beats_two_workers(args.concurrency_seconds),
                "backlog": lambda: drills.backlog(args.backlog, args.smtp_delay),
            }
            for name in DRILLS:
                if name in chosen:
                    print(f"Drill: {DRILLS[name]}")
                    results.append(_run(DRILLS[name], runs[name]))
        finally:
            locust.send_signal(signal.SIGTERM)
            try:
                locust.wait(timeout=30)
            except subprocess.TimeoutExpired:
                locust.kill()
        if "worker-killed-test" in chosen:
            print("Drill: worker killed, the integration test")
            results.append(_run("worker killed, the integration test", drills.worker_killed_test))
        server = stack.server_errors()
    print()
    print(f"{dt.date.today().isoformat()}, {args.users} people under load throughout.")
    print(f"Settings: {DRILL_SETTINGS}")
    print()
    results.sort(key=lambda r: r.drill)  # the integration test ran last, outside the load
    print(table(results))
    print()
    for r in results:
        print(f"- {r.drill}: " + "; ".join(r.checks) + ".")
    print(f"- Server log over the whole run: {server}.")
    return 0 if all(r.passed for r in results) else 1


def _run(name: str, drill) -> Result:
    """One drill; one that cannot finish is a failed result, and the others still run."""
    try:
        return drill()
    except Exception as error:
        failed = Result(name, "")
        failed.check(False, f"the drill stopped: {type(error).__name__}: {error}")
        return failed


def _seed(stack: Stack, postmortems: int, people: int) -> dict:
    stack.django_setup()
    print(f"Seeding {postmortems:,} postmortems and {people} people")
    return seed(postmortems, people, log=lambda message: None)


if __name__ == "__main__":
    sys.exit(main())
