"""Sentry is optional: configured from SENTRY_DSN, silent without it, never sends PII."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration

from config import sentry
from lib.request_ids import bind_request_id, unbind_request_id

ROOT = Path(__file__).resolve().parents[2]
SHOW_CLIENT = (
    "import sentry_sdk; client = sentry_sdk.get_client(); "
    "print(client.is_active(), client.options['dsn'], client.options['send_default_pii'], "
    "client.options['traces_sample_rate'], client.options['environment'], "
    "'django' in client.integrations, 'celery' in client.integrations)"
)


def _shell(env: dict[str, str]) -> subprocess.CompletedProcess:
    # A DSN on a reserved domain: the SDK sends nothing until an event, and none occurs.
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SHOW_CLIENT],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DEBUG": "false",
            "SECRET_KEY": "test-only-" + "x" * 50,
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_settings_configure_sentry_when_a_dsn_is_set():
    result = _shell(
        {
            "SENTRY_DSN": "https://public@sentry.example.invalid/1",
            "SENTRY_TRACES_SAMPLE_RATE": "0.25",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-7:] == [
        "True",
        "https://public@sentry.example.invalid/1",
        "False",
        "0.25",
        "production",
        "True",
        "True",
    ]


def test_without_a_dsn_sentry_stays_off():
    result = _shell({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-7:-5] == ["False", "None"]


def test_a_sample_rate_outside_zero_to_one_stops_the_process():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DEBUG": "false",
            "SECRET_KEY": "test-only-" + "x" * 50,
            "SENTRY_DSN": "https://public@sentry.example.invalid/1",
            "SENTRY_TRACES_SAMPLE_RATE": "5",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SENTRY_TRACES_SAMPLE_RATE=5.0 must be between 0 and 1" in result.stderr


def test_sentry_init_uses_the_django_and_celery_integrations_without_pii(monkeypatch):
    calls = []
    monkeypatch.setattr("sentry_sdk.init", lambda **options: calls.append(options))
    sentry.sentry_init(
        dsn="https://k@example.invalid/2", environment="staging", traces_sample_rate=0
    )
    [options] = calls
    assert options["send_default_pii"] is False
    assert options["traces_sample_rate"] == 0
    assert options["environment"] == "staging"
    assert {type(integration) for integration in options["integrations"]} == {
        DjangoIntegration,
        CeleryIntegration,
    }
    assert options["before_send"] is sentry.tag_request_id


@pytest.mark.parametrize(("request_id", "tags"), [("req-7", {"request_id": "req-7"}), (None, None)])
def test_events_are_tagged_with_the_request_id(request_id, tags):
    token = bind_request_id(request_id)
    try:
        event = sentry.tag_request_id({"message": "boom"}, {})
    finally:
        unbind_request_id(token)
    assert event.get("tags") == tags
