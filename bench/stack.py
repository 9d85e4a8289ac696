"""A whole server stack of its own, for the load test and the fault drills.

Everything runs on this machine and belongs to the run: a PostgreSQL cluster made
with `initdb` in a temporary folder (as the `postgres` OS user, port 55432), a Redis
server (port 56379, nothing saved to disk), an SMTP server that records what it
accepts (tests/smtp_capture.py), gunicorn with WEB_CONCURRENCY workers, a Celery
worker and Celery beat. The shared PostgreSQL and Redis of the machine are never
touched, so the drills may stop and restart these freely.

`Stack` is a context manager: leaving it (normally, on an exception, on Ctrl-C or
SIGTERM) stops every process it started and removes the temporary folder.
"""

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from aiosmtpd.controller import Controller

from bench.smtp_faults import FaultyRecorder

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT, REDIS_PORT, WEB_PORT, SMTP_PORT = 55432, 56379, 58000, 58025
DATABASE = "postmortems_load"


class StackError(RuntimeError):
    pass


def wait_until(check, *, timeout: float, what: str, every: float = 0.2) -> float:
    """Poll `check()` until it is true; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with contextlib.suppress(Exception):
            if check():
                return time.monotonic() - started
        time.sleep(every)
    raise StackError(f"{what}: not within {timeout:.0f} s")


def http_status(url: str, timeout: float = 5) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


class Stack:
    def __init__(self, *, web_concurrency: int = 4, log=print) -> None:
        self.web_concurrency = web_concurrency
        self.log = log
        # A folder of its own, made on entry (after the port check) and removed on exit.
        self.dir: Path = Path()
        self.pg_data: Path = Path()
        self.processes: dict[str, subprocess.Popen] = {}
        self.smtp = FaultyRecorder()
        self._smtp_controller: Controller | None = None
        self.database_url = f"postgres://postgres@127.0.0.1:{PG_PORT}/{DATABASE}"
        self.broker_url = f"redis://127.0.0.1:{REDIS_PORT}/0"
        self.base_url = f"http://127.0.0.1:{WEB_PORT}"

    # -- lifetime -------------------------------------------------------------------
    def __enter__(self) -> "Stack":
        self._previous_sigterm = signal.signal(signal.SIGTERM, _raise_exit)
        busy = [p for p in (PG_PORT, REDIS_PORT, WEB_PORT, SMTP_PORT) if not _free(p)]
        if busy:
            raise StackError(f"ports in use (another run?): {busy}")
        self.dir = Path(tempfile.mkdtemp(prefix="postmortems-stack-"))
        self.pg_data = self.dir / "pg"
        return self

    def __exit__(self, *exc) -> None:
        # The app first (a second beat or worker of a drill too), Redis last.
        for name in sorted(self.processes, key=lambda name: name == "redis"):
            self.stop(name)
        if self._smtp_controller is not None:
            self._smtp_controller.stop()
        if (self.pg_data / "PG_VERSION").exists():
            self.postgres_stop(check=False)
        if self.dir.name.startswith("postmortems-stack-"):
            shutil.rmtree(self.dir, ignore_errors=True)
        signal.signal(signal.SIGTERM, self._previous_sigterm)

    # -- services ---------------------------------------------------------------------
    def postgres_init(self) -> None:
        """A new cluster, as the postgres OS user (PostgreSQL refuses to run as root)."""
        self.pg_data.mkdir()
        shutil.chown(self.dir, "postgres")
        shutil.chown(self.pg_data, "postgres")
        self._as_postgres(
            PG_BIN / "initdb", "-D", self.pg_data, "-U", "postgres", "-A", "trust",
            "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8",
        )  # fmt: skip
        self.postgres_start()

    def postgres_start(self) -> None:
        self._as_postgres(
            PG_BIN / "pg_ctl", "-D", self.pg_data, "-l", self.pg_data / "server.log", "-w",
            "-o", f"-p {PG_PORT} -k {self.pg_data} -c listen_addresses=127.0.0.1", "start",
        )  # fmt: skip

    def postgres_stop(self, *, check: bool = True) -> None:
        """Fast shutdown: open transactions are rolled back, clients disconnected."""
        self._as_postgres(
            PG_BIN / "pg_ctl", "-D", self.pg_data, "-m", "fast", "-w", "stop", check=check
        )

    def psql(self, sql: str | list[str], database: str = DATABASE) -> str:
        """Run statements, each in its own transaction (one -c per statement)."""
        statements = [sql] if isinstance(sql, str) else sql
        commands = [arg for statement in statements for arg in ("-c", statement)]
        return self._as_postgres(
            PG_BIN / "psql", "-h", "127.0.0.1", "-p", str(PG_PORT), "-d", database,
            "-v", "ON_ERROR_STOP=1", "-tA", *commands,
        ).strip()  # fmt: skip

    def django_setup(self) -> None:
        """Django in this process, on the stack's database and broker (to seed it and
        look at it); migrates the database."""
        os.environ["BENCH_DATABASE_URL"] = self.database_url
        os.environ["CELERY_BROKER_URL"] = self.broker_url
        os.environ["DATA_DIR"] = str(self.dir / "data")
        from bench.django_setup import setup

        setup("postgres")

    def _as_postgres(self, *args, check: bool = True) -> str:
        result = subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, args)],
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        if check and result.returncode != 0:
            raise StackError(f"{args[0]} failed: {result.stderr or result.stdout}")
        return result.stdout

    def redis_start(self) -> None:
        self._start(
            "redis",
            [shutil.which("redis-server") or "redis-server", "--port", str(REDIS_PORT),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--dir", str(self.dir)],
            env={"PATH": os.environ["PATH"]},
        )  # fmt: skip
        wait_until(lambda: not _free(REDIS_PORT), timeout=20, what="redis-server")

    def smtp_start(self) -> None:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
        self._smtp_controller = Controller(self.smtp, hostname="127.0.0.1", port=SMTP_PORT)
        self._smtp_controller.start()

    # -- the app ----------------------------------------------------------------------
    def app_env(self, **extra: str) -> dict[str, str]:
        return {
            "PATH": f"{BIN}:{os.environ['PATH']}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ENV_FILE": str(self.dir / "no.env"),  # not the checkout's development .env
            "SECRET_KEY": "load-test-only-not-a-secret-0123456789abcdefghijklmnop",
            "DEBUG": "false",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(SMTP_PORT),
            "DATA_DIR": str(self.dir / "data"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": self.base_url,
            # Plain HTTP on the loopback: no HTTPS redirect, cookies without Secure.
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "WEB_CONCURRENCY": str(self.web_concurrency),
            "LOG_FORMAT": "json",
            **extra,
        }

    def collectstatic(self, env: dict[str, str]) -> None:
        subprocess.run(
            [BIN / "python", "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT, env=env, check=True, timeout=300,
        )  # fmt: skip

    def app_start(self, env: dict[str, str]) -> None:
        """gunicorn, a Celery worker and beat; waits until /readyz answers 200 (database,
        broker and a beat heartbeat through the worker)."""
        self._start(
            "gunicorn",
            [BIN / "gunicorn", "-c", "python:config.gunicorn", "config.wsgi:application",
             "--bind", f"127.0.0.1:{WEB_PORT}", "--graceful-timeout", "5"],
            env=env,
        )  # fmt: skip
        self.worker_start(env)
        self.beat_start(env)
        wait_until(
            lambda: http_status(f"{self.base_url}/readyz") == 200, timeout=120, what="/readyz"
        )

    def worker_start(self, env: dict[str, str], name: str = "worker") -> None:
        self._start(
            name,
            [BIN / "celery", "-A", "config", "worker", "--loglevel", "INFO",
             "--concurrency", "1", "--without-gossip", "--without-mingle",
             "--queues", "celery,periodic", "--hostname", f"{name}@%h"],
            env=env,
        )  # fmt: skip

    def beat_start(self, env: dict[str, str], name: str = "beat") -> None:
        """Beat, with a schedule file of its own (a second beat is a fault to drill)."""
        self._start(
            name,
            [BIN / "celery", "-A", "config", "beat", "--loglevel", "INFO",
             "--schedule", self.dir / f"{name}-schedule"],
            env=env,
        )  # fmt: skip

    # -- processes --------------------------------------------------------------------
    def _start(self, name: str, args: list, env: dict[str, str]) -> None:
        log = open(self.dir / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(
            [str(arg) for arg in args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its children
        )  # fmt: skip
        log.close()

    def pid(self, name: str) -> int | None:
        process = self.processes.get(name)
        return process.pid if process is not None and process.poll() is None else None

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.get(name)
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def log_lines(self, name: str) -> list[str]:
        path = self.dir / f"{name}.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def server_errors(self) -> dict[str, int]:
        """From gunicorn's log: responses with status 500 or more, and tracebacks."""
        statuses: dict[str, int] = {}
        tracebacks = 0
        for line in self.log_lines("gunicorn"):
            if "Traceback" in line:
                tracebacks += 1
            if not line.startswith("{"):
                continue
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if entry.get("logger") == "access" and entry.get("status", 0) >= 500:
                    key = str(entry["status"])
                    statuses[key] = statuses.get(key, 0) + 1
        return {"tracebacks": tracebacks, **statuses}


def _raise_exit(signum, frame):
    raise SystemExit(128 + signum)
