"""Periodic work (everything beat sends) runs on a queue of its own, so a backlog of
sends never makes sweep and dispatch ticks wait and expire; every worker this project
starts consumes both queues."""

import shlex
from pathlib import Path

import pytest

from bench.stack import Stack
from config.celery import PERIODIC_QUEUE, SEND_QUEUE, app

ROOT = Path(__file__).resolve().parents[2]
BEAT_TASKS = sorted({entry["task"] for entry in app.conf.beat_schedule.values()})


def _queue(task_name: str) -> str:
    return app.amqp.router.route({}, task_name, (), {})["queue"].name


@pytest.mark.parametrize("task_name", BEAT_TASKS)
def test_every_task_beat_sends_goes_to_the_periodic_queue(task_name):
    assert _queue(task_name) == PERIODIC_QUEUE


def test_the_outbox_sends_go_to_the_default_queue():
    assert (
        _queue("postmortems.notifications.tasks.send_email")
        == SEND_QUEUE
        == app.conf.task_default_queue
    )


def test_each_queue_has_an_exchange_and_routing_key_of_its_own():
    """A shared exchange and key would deliver every message to both queues."""
    queues = {name: app.amqp.queues[name] for name in (SEND_QUEUE, PERIODIC_QUEUE)}
    assert {(q.exchange.name, q.routing_key) for q in queues.values()} == {
        (SEND_QUEUE, SEND_QUEUE),
        (PERIODIC_QUEUE, PERIODIC_QUEUE),
    }


def test_a_worker_started_without_queues_consumes_both():
    assert {q.name for q in app.conf.task_queues} == {SEND_QUEUE, PERIODIC_QUEUE}


@pytest.mark.parametrize("name", sorted(app.conf.beat_schedule))
def test_every_beat_tick_expires_within_its_interval(name):
    """Periodic tasks are state-based: a tick not started within its interval is
    superseded by the next one rather than run late, one after another."""
    entry = app.conf.beat_schedule[name]
    expires = entry.get("options", {}).get("expires")
    assert expires is not None, f"{name} never expires"
    assert 0 < expires <= entry["schedule"]


def _queues_option(argv: list[str]) -> set[str]:
    for index, arg in enumerate(argv):
        if arg in ("--queues", "-Q"):
            return set(argv[index + 1].split(","))
    return set()


def test_the_development_worker_consumes_both_queues():
    procfile = (ROOT / "config" / "Procfile.dev").read_text()
    [command] = [line.split(":", 1)[1] for line in procfile.splitlines() if line[:7] == "worker:"]
    argv = shlex.split(command.split("celery ", 1)[1].split(";", 1)[0])
    assert _queues_option(argv) == {SEND_QUEUE, PERIODIC_QUEUE}


def test_the_compose_worker_consumes_both_queues():
    from tests.config.test_docker_compose import SERVICES, _service_argv

    assert _queues_option(_service_argv(SERVICES["worker"])) == {SEND_QUEUE, PERIODIC_QUEUE}


def test_the_bench_stacks_worker_consumes_both_queues(monkeypatch):
    started = {}
    monkeypatch.setattr(Stack, "_start", lambda self, name, args, env: started.update({name: args}))
    Stack().worker_start({})
    assert _queues_option([str(arg) for arg in started["worker"]]) == {SEND_QUEUE, PERIODIC_QUEUE}
