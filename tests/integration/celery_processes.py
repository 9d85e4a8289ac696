"""Real Celery worker and beat processes for integration tests.

The suite also runs with this process's clock faked (faketime at a weekend instant, as
.ci/run does). Two things follow, both here:
- the worker and beat run on the real clock, moved to this process's instant
  (celery_at_clock.py says why and how), and
- waits here sleep and count their sleeps instead of waiting on a lock with a timeout:
  under libfaketime a timed wait on a lock (Event.wait, Condition.wait, Thread.join)
  never times out, so a test that should have failed after 90 s hung for good.

Each test has a broker of its own (`RedisServer`, a redis-server on a free port) and
stops every process it started (`stop_all`, run after each test by the folder's
conftest.py), so no worker of another test, another test run or a run in another
checkout on the same machine can take its messages. On a shared server a database
number is no fence: another run's worker, pointed at its own test database, took a
test's send_email message (or its fixture's FLUSHDB dropped it), the outbox row
stayed "queued" until the dispatcher's 15-minute re-enqueue, and every sweep after
the first found nothing new to send: no email within 90 s.
"""

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import quote

import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
POLL_SECONDS = 0.05


def wait_until(ready: Callable[[], bool], *, timeout: float) -> bool:
    """Whether `ready()` came true within about `timeout` seconds. Counts sleeps rather
    than reading a clock: time.sleep is relative, so a faked clock, even a stopped one,
    can neither stretch nor shrink the wait."""
    for _attempt in range(max(1, round(timeout / POLL_SECONDS))):
        if ready():
            return True
        time.sleep(POLL_SECONDS)
    return ready()


def real_clock_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """`env` (this process's by default) without libfaketime's variables (LD_PRELOAD and
    FAKETIME..., as faketime(1) sets them): a child given them runs on the faked clock,
    and its timed waits never time out."""
    env = os.environ if env is None else env
    return {
        key: value
        for key, value in env.items()
        if key != "LD_PRELOAD" and not key.startswith("FAKETIME")
    }


def test_database_url() -> str:
    """The URL of the test database this process is using, for the subprocesses."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class CeleryProcess:
    """A worker or beat subprocess whose log lines can be waited for.

    It runs on the real clock moved to `clock_at` (seconds since the epoch; this
    process's time.time() when it is started, unless the test says otherwise), ticking
    from there (celery_at_clock.py): a test sets its rows up by its own clock, whatever
    that says, and the worker judges what is due by the same one."""

    running: list["CeleryProcess"] = []  # started and not stopped yet, for stop_all

    def __init__(
        self,
        role: str,
        env: dict[str, str],
        tmp_path: Path,
        *,
        queues: str = "",
        name: str = "it",
        clock_at: float | None = None,
    ) -> None:
        args = [sys.executable, "-m", "tests.integration.celery_at_clock", "-A", "config", role]
        args += ["--loglevel", "INFO"]
        if role == "worker":
            args += ["--pool", "solo", "--without-gossip", "--without-mingle", "-n", f"{name}@%h"]
            args += ["--queues", queues] if queues else []
        else:
            args += ["--schedule", str(tmp_path / "beat-schedule")]
        self.lines: list[str] = []
        self.clock_at = time.time() if clock_at is None else clock_at
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**real_clock_env(env), "TEST_CLOCK_AT": repr(self.clock_at)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        CeleryProcess.running.append(self)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    def count(self, pattern: str) -> int:
        return sum(1 for line in list(self.lines) if re.search(pattern, line))

    def wait_for(self, pattern: str, *, times: int = 1, timeout: float = 90) -> None:
        found = wait_until(lambda: self.count(pattern) >= times, timeout=timeout)
        assert found, f"no {times} x {pattern!r} within {timeout} s:\n" + "\n".join(
            self.lines[-40:]
        )

    def kill(self) -> None:
        """SIGKILL: the process dies at once, holding whatever it had claimed."""
        self.process.kill()
        self.stop()

    def stop(self) -> None:
        if self in CeleryProcess.running:
            CeleryProcess.running.remove(self)
        if self.process.stdout.closed:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)  # sleeps and polls: no timed lock wait
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        wait_until(lambda: not self._reader.is_alive(), timeout=10)
        self.process.stdout.close()


def stop_all() -> None:
    """Stop every worker and beat a test started and left running (a test that failed
    before its own `finally`, or one that never stops its processes)."""
    for process in list(CeleryProcess.running):
        process.stop()


class RedisServer:
    """A redis-server of one test's own on a free port, which it may stop and start
    again. Without libfaketime's variables: under faketime redis-server deadlocks at
    start-up ("Unexpected recursive calls to clock_gettime()") and never answers."""

    def __init__(self, binary: str, port: int, directory: Path) -> None:
        self.binary, self.port, self.directory = binary, port, directory
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None
        self.start()

    @classmethod
    def which(cls) -> str | None:
        return shutil.which("redis-server")

    def start(self) -> None:
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(self.directory)]
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, env=real_clock_env())
        self.process = process
        client = redis.Redis(port=self.port)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                assert process.poll() is None, "redis-server did not start"
                return False

        assert wait_until(answers, timeout=10), "redis-server did not answer"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def celery_env(*, broker_url: str, smtp_port: int, tmp_path: Path) -> dict[str, str]:
    """The worker's and beat's whole environment: nothing else of this process's, so
    not libfaketime's variables either (see the module docstring)."""
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "integration-test-only",
        "DEBUG": "false",
        "DATABASE_URL": test_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": broker_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "DATA_DIR": str(tmp_path / "data"),
        "REMINDER_SWEEP_SECONDS": "2",
        "OUTBOX_DISPATCH_SECONDS": "2",
        "OUTBOX_RETRY_SECONDS": "1",
        "SITE_URL": "https://pm.example.com",
    }
