"""`make run` (honcho, config/Procfile.dev): honcho stops every process when one exits,
so the worker's command restarts a worker that died instead of exiting, and still
stops when honcho stops it. Run here with a stand-in `celery` on PATH."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _procfile_command(name: str) -> str:
    lines = (ROOT / "config" / "Procfile.dev").read_text().splitlines()
    [command] = [line.split(":", 1)[1].strip() for line in lines if line.startswith(f"{name}:")]
    return command


def _wait(check, timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def worker_loop(tmp_path):
    """The worker line as honcho runs it (`sh -c`, a session of its own), with a
    `celery` that records its start and does what $FAKE_CELERY says."""
    starts = tmp_path / "starts"
    fake = tmp_path / "bin" / "celery"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$*" >> {starts}\neval "$FAKE_CELERY"\n')
    fake.chmod(0o755)
    processes = []

    def start(behaviour: str) -> subprocess.Popen:
        env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}"}
        env["FAKE_CELERY"] = behaviour
        process = subprocess.Popen(
            ["/bin/sh", "-c", _procfile_command("worker")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        processes.append(process)
        return process

    def count() -> int:
        return len(starts.read_text().splitlines()) if starts.exists() else 0

    yield start, count
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_dead_worker_is_started_again_and_the_others_go_on(worker_loop):
    start, count = worker_loop
    loop = start("kill -KILL $$")  # each worker dies at once, as with SIGKILL or OOM
    assert _wait(lambda: count() >= 2), "the worker was not started again"
    assert loop.poll() is None  # the command itself goes on, so honcho stops nothing


def test_stopping_make_run_stops_the_worker_loop(worker_loop):
    start, count = worker_loop
    loop = start("exec sleep 60")  # a worker at work
    assert _wait(lambda: count() == 1)
    os.killpg(loop.pid, signal.SIGTERM)  # what honcho does on Ctrl-C
    assert loop.wait(timeout=10) == 0
    assert count() == 1
