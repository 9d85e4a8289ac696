"""Production settings pass Django's deployment checklist."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DATA_DIR": os.environ.get("DATA_DIR", ""), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_checklist():
    env = _env_example() | {"SECRET_KEY": secrets.token_urlsafe(50)}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _env_example() | {"SECRET_KEY": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "Set the environment variable SECRET_KEY" in result.stderr


def test_a_malformed_value_stops_the_process_with_its_name():
    env = _env_example() | {"SECRET_KEY": secrets.token_urlsafe(50), "EMAIL_PORT": "twenty-five"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "EMAIL_PORT='twenty-five' is not a whole number" in result.stderr


def test_a_local_env_file_fills_in_what_the_environment_does_not_set(tmp_path):
    env_file = tmp_path / "dev.env"
    env_file.write_text("DEBUG=true\nTIME_ZONE=Europe/Berlin\n")
    show = [
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG, settings.TIME_ZONE)",
    ]
    result = _manage(*show, env={"ENV_FILE": str(env_file)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["True", "Europe/Berlin"]
    # The environment wins over the file: with DEBUG off, a real secret is required.
    result = _manage(*show, env={"ENV_FILE": str(env_file), "DEBUG": "false"})
    assert result.returncode != 0
    assert "Set the environment variable SECRET_KEY" in result.stderr


def test_production_loads_each_template_once_through_the_cached_loader():
    # No `loaders` in settings.TEMPLATES: django-template-partials' app config wraps
    # Django's cached loader (around the filesystem and app directories loaders) in its
    # own, which finds "page.html#partial". Templates are parsed once per process.
    env = _env_example() | {"SECRET_KEY": secrets.token_urlsafe(50)}
    show = [
        "shell",
        "-c",
        "from django.conf import settings; from django.template import engines; "
        "outer, = engines['django'].engine.template_loaders; "
        "print(settings.DEBUG, type(outer).__module__, "
        "[type(inner).__module__ for inner in outer.loaders])",
    ]
    result = _manage(*show, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == (
        "False template_partials.loader ['django.template.loaders.cached']"
    )
