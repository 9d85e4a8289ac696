"""Real Celery worker and beat processes for integration tests."""

import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def test_database_url() -> str:
    """The URL of the test database this process is using, for the subprocesses."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "postgres")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class CeleryProcess:
    """A worker or beat subprocess whose log lines can be waited for (no sleeping)."""

    def __init__(
        self, role: str, env: dict[str, str], tmp_path: Path, *, queues: str = "", name: str = "it"
    ) -> None:
        args = [str(CELERY), "-A", "config", role, "--loglevel", "INFO"]
        if role == "worker":
            args += ["--pool", "solo", "--without-gossip", "--without-mingle", "-n", f"{name}@%h"]
            args += ["--queues", queues] if queues else []
        else:
            args += ["--schedule", str(tmp_path / "beat-schedule")]
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip())
                self._changed.notify_all()

    def count(self, pattern: str) -> int:
        return sum(1 for line in self.lines if re.search(pattern, line))

    def wait_for(self, pattern: str, *, times: int = 1, timeout: float = 90) -> None:
        with self._changed:
            found = self._changed.wait_for(lambda: self.count(pattern) >= times, timeout=timeout)
        assert found, f"no {times} x {pattern!r} within {timeout} s:\n" + "\n".join(
            self.lines[-40:]
        )

    def kill(self) -> None:
        """SIGKILL: the process dies at once, holding whatever it had claimed."""
        self.process.kill()
        self.stop()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=10)
        self.process.stdout.close()


def celery_env(*, broker_url: str, smtp_port: int, tmp_path: Path) -> dict[str, str]:
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
